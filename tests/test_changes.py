"""The change feed (docs/changes.md): every writer's changes, tombstones without content, and
no change skipped when transactions commit in another order than they began."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from db.changes import FEED
from tests.conftest import error_codes, graphql
from tests.editors import editing_api

FEED_QUERY = """query($after: String, $types: [NodeType!]) {
  changes(after: $after, first: 100, types: $types) {
    edges { cursor node { nodeId type kind dataVersion
      node { __typename ... on Bill { billId officialTitle } ... on Statement { quote } } } }
    pageInfo { hasNextPage endCursor } } }"""


async def _cursor_now(url: str) -> str:
    """The feed's cursor at its newest change so far."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow("SELECT tx, id FROM changes ORDER BY tx DESC, id DESC LIMIT 1")
    finally:
        await conn.close()
    assert row is not None, "loading the shipped data records changes"
    return FEED.encode({"_k0": row["tx"], "_k1": row["id"]})


async def _after(client: httpx.AsyncClient, cursor: str, types: Any = None) -> list[dict]:
    body = await graphql(client, FEED_QUERY, {"after": cursor, "types": types})
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["changes"]["edges"]]


async def _settled(
    client: httpx.AsyncClient, cursor: str, count: int, types: Any = None
) -> list[dict]:
    """The changes after `cursor` once `count` of them show: any transaction still open on
    the server, in any database (another test's import), holds the feed back until it ends."""
    for _ in range(600):
        changes = await _after(client, cursor, types)
        if len(changes) >= count:
            return changes
        await asyncio.sleep(0.1)
    return changes


@pytest.fixture
async def feed(fresh_url: str) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    async with editing_api(fresh_url) as api:
        yield fresh_url, api.http


async def test_writes_at_psql_appear_with_their_kind_and_tombstones_have_no_content(feed):
    url, client = feed
    cursor = await _cursor_now(url)
    conn = await asyncpg.connect(url)
    try:
        bill = await conn.fetchval("SELECT id FROM bills WHERE bill_id = 'hr1470-117'")
        statement = await conn.fetchval("SELECT min(id) FROM statements")
        await conn.execute("UPDATE bills SET official_title = 'Changed' WHERE id = $1", bill)
        await conn.execute("UPDATE bills SET official_title = 'Changed' WHERE id = $1", bill)
        await conn.execute(
            "UPDATE statements SET deleted_at = now(), deleted_reason = 'test' WHERE id = $1",
            statement,
        )
        await conn.execute(
            "UPDATE statements SET deleted_at = NULL, deleted_reason = NULL WHERE id = $1",
            statement,
        )
    finally:
        await conn.close()
    changes = await _settled(client, cursor, 3)
    # The second, identical update changed nothing: no change.
    assert [(c["type"], c["kind"]) for c in changes] == [
        ("BILL", "UPDATED"),
        ("STATEMENT", "DELETED"),
        ("STATEMENT", "RESTORED"),
    ]
    assert changes[0]["node"] == {
        "__typename": "Bill",
        "billId": "hr1470-117",
        "officialTitle": "Changed",
    }
    assert changes[1]["node"] is None  # a tombstone: id, type, time; never the content
    assert changes[2]["node"]["__typename"] == "Statement"
    assert changes[0]["dataVersion"] < changes[1]["dataVersion"] < changes[2]["dataVersion"]
    only = await _settled(client, cursor, 2, ["STATEMENT"])
    assert [c["kind"] for c in only] == ["DELETED", "RESTORED"]


async def test_concurrent_writers_are_never_skipped(feed):
    url, client = feed
    cursor = await _cursor_now(url)
    early, late = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        bills = await early.fetch("SELECT id, bill_id FROM bills ORDER BY id LIMIT 2")
        first, second = bills[0], bills[1]
        open_early = early.transaction()
        await open_early.start()
        await early.execute("UPDATE bills SET status = 'early' WHERE id = $1", first["id"])

        async def write_late() -> None:
            async with late.transaction():
                await late.execute("UPDATE bills SET status = 'late' WHERE id = $1", second["id"])

        # Writers queue on the data version row (docs/caching.md), so `late` waits for
        # `early` to commit; meanwhile the feed shows neither.
        writing = asyncio.create_task(write_late())
        await asyncio.sleep(0.2)
        assert not writing.done()
        assert await _after(client, cursor) == []
        await open_early.commit()
        await asyncio.wait_for(writing, 10)
        changes = await _settled(client, cursor, 2)
    finally:
        await early.close()
        await late.close()
    assert [(c["kind"], c["node"]["billId"]) for c in changes] == [
        ("UPDATED", first["bill_id"]),
        ("UPDATED", second["bill_id"]),
    ]


async def test_changes_of_a_transaction_still_open_are_held_back(feed):
    # A transaction that took its id first but has not committed holds back every change
    # after it (pg_snapshot_xmin), so a reader's cursor can never move past it.
    url, client = feed
    cursor = await _cursor_now(url)
    holder, writer = await asyncpg.connect(url), await asyncpg.connect(url)
    try:
        opened = holder.transaction()
        await opened.start()
        await holder.fetchval("SELECT pg_current_xact_id()")  # an id, and no write yet
        await writer.execute("UPDATE bills SET status = 'later' WHERE bill_id = 'hr1470-117'")
        assert await _after(client, cursor) == []
        await opened.commit()
        changes = await _settled(client, cursor, 1)
    finally:
        await holder.close()
        await writer.close()
    assert [(c["kind"], c["node"]["billId"]) for c in changes] == [("UPDATED", "hr1470-117")]


async def test_the_feed_pages_to_the_end_and_refuses_other_cursors(client):
    seen, cursor, pages = 0, None, 0
    while True:
        body = await graphql(
            client,
            """query($after: String) { changes(first: 100, after: $after, types: [TOPIC]) {
                 totalCount edges { node { kind node { __typename } } }
                 pageInfo { hasNextPage endCursor } } }""",
            {"after": cursor},
        )
        changes = body["data"]["changes"]
        seen += len(changes["edges"])
        pages += 1
        if not changes["pageInfo"]["hasNextPage"]:
            break
        cursor = changes["pageInfo"]["endCursor"]
    assert seen == changes["totalCount"] > 0
    foreign = (await graphql(client, "{ bills(first: 1) { edges { cursor } } }"))["data"]
    body = await graphql(
        client,
        "query($c: String) { changes(after: $c) { edges { cursor } } }",
        {"c": foreign["bills"]["edges"][0]["cursor"]},
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
