"""The change feed (docs/changes.md): every writer's changes, tombstones without content, and
no change skipped when transactions commit in another order than they began."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from api import cli
from api.settings import ROOT
from db.changes import FEED, prune
from db.load import import_paths
from db.pool import connect
from schema.relay import to_global_id
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


VOTE_FILE = ROOT / "data/votes/uscongress/119/votes/2025/h23/data.json"


async def test_a_reimport_that_drops_or_corrects_a_position_reports_its_vote(feed, tmp_path):
    url, client = feed
    unchanged = tmp_path / "same/119/votes/2025/h23/data.json"
    unchanged.parent.mkdir(parents=True)
    unchanged.write_text(VOTE_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    cursor = await _cursor_now(url)
    await import_paths(url, [unchanged])
    # Nothing changed, so nothing is reported (the ids are the same).
    assert await _cursor_now(url) == cursor

    raw = json.loads(VOTE_FILE.read_text(encoding="utf-8"))
    raw["votes"]["Nay"].append(raw["votes"]["Not Voting"].pop())  # a corrected position
    raw["votes"]["Yea"].pop()  # a member the source no longer lists
    edited = tmp_path / "edited/119/votes/2025/h23/data.json"
    edited.parent.mkdir(parents=True)
    edited.write_text(json.dumps(raw), encoding="utf-8")
    summary = await import_paths(url, [edited])
    assert summary["vote_positions"].removed == 1
    assert summary["vote_positions"].updated == 1
    changes = await _settled(client, cursor, 1)
    vote = (await graphql(client, '{ vote(voteId: "h23-119.2025") { id } }'))["data"]["vote"]
    # One change for the vote: its positions are part of it.
    assert [(c["type"], c["kind"], c["nodeId"]) for c in changes] == [
        ("VOTE", "UPDATED", vote["id"])
    ]


async def test_child_rows_written_at_psql_report_their_owner_once(feed):
    url, client = feed
    cursor = await _cursor_now(url)
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            bill = await conn.fetchval(
                "DELETE FROM bill_cosponsors WHERE id = (SELECT min(id) FROM bill_cosponsors)"
                " RETURNING bill_id"
            )
            await conn.execute(
                "UPDATE bill_actions SET text = text || '.' WHERE bill_id = $1", bill
            )
            legislator = await conn.fetchval(
                """UPDATE legislator_party_affiliations a SET caucus = 'Test'
                   FROM legislator_terms t WHERE t.id = a.term_id
                     AND a.id = (SELECT min(id) FROM legislator_party_affiliations)
                   RETURNING t.legislator_id"""
            )
            # Touching only updated_at is no change.
            await conn.execute("UPDATE vote_positions SET updated_at = now()")
    finally:
        await conn.close()
    changes = await _settled(client, cursor, 2)
    assert sorted((c["type"], c["kind"]) for c in changes) == [
        ("BILL", "UPDATED"),
        ("LEGISLATOR", "UPDATED"),
    ]
    ids = {c["type"]: c["nodeId"] for c in changes}
    assert ids == {
        "BILL": to_global_id("Bill", bill),
        "LEGISLATOR": to_global_id("Legislator", legislator),
    }


async def test_pruning_moves_the_horizon_and_refuses_older_cursors(feed):
    url, client = feed
    horizon = await _cursor_now(url)
    conn = await asyncpg.connect(url)
    try:
        first = await conn.fetchrow("SELECT tx, id FROM changes ORDER BY tx, id LIMIT 1")
        old_cursor = FEED.encode({"_k0": first["tx"], "_k1": first["id"]})
        total = await conn.fetchval("SELECT count(*) FROM changes")
        await conn.execute("UPDATE changes SET at = at - interval '100 days'")
        await conn.execute(
            "UPDATE topics SET name = name || ' (renamed)' WHERE id = (SELECT min(id) FROM topics)"
        )
    finally:
        await conn.close()
    database = await connect(url)
    try:
        # Only settled changes are pruned: another test's open transaction holds some back.
        removed = 0
        for _ in range(600):
            removed += await prune(database, timedelta(days=90))
            if removed >= total:
                break
            await asyncio.sleep(0.1)
        assert removed == total
        assert await prune(database, timedelta(days=90)) == 0
    finally:
        await database.close()

    body = await graphql(client, FEED_QUERY, {"after": old_cursor})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "retention" in body["errors"][0]["message"]
    # From the start, the feed begins after the horizon: only the rename is left.
    body = await graphql(
        client, "{ changes(first: 10) { totalCount edges { cursor node { type kind } } } }"
    )
    edges = body["data"]["changes"]["edges"]
    assert [e["node"] for e in edges] == [{"type": "TOPIC", "kind": "UPDATED"}]
    assert body["data"]["changes"]["totalCount"] == 1
    assert await _after(client, edges[0]["cursor"]) == []
    # The last pruned change's cursor is fine: nothing after it was pruned.
    assert [c["type"] for c in await _after(client, horizon)] == ["TOPIC"]


async def test_prune_changes_command_uses_the_retention_setting(fresh_url, monkeypatch, capsys):
    conn = await asyncpg.connect(fresh_url)
    try:
        await conn.execute(
            "UPDATE changes SET at = now() - interval '10 days'"
            " WHERE id IN (SELECT id FROM changes ORDER BY tx, id LIMIT 5)"
        )
    finally:
        await conn.close()
    monkeypatch.setenv("DATABASE_URL", fresh_url)
    monkeypatch.setenv("REDRESS_CHANGES_RETENTION_DAYS", "30")
    assert await asyncio.to_thread(cli.main, ["prune-changes"]) == 0
    assert "pruned 0 change(s) older than 30 day(s)" in capsys.readouterr().out
    assert await asyncio.to_thread(cli.main, ["prune-changes", "--older-than", "7"]) == 0
    assert "pruned 5 change(s) older than 7 day(s)" in capsys.readouterr().out


async def test_an_update_that_changes_nothing_moves_neither_updated_at_nor_the_feed(fresh_url):
    # legislators has a generated `search` column, which a BEFORE trigger cannot compare.
    conn = await asyncpg.connect(fresh_url)
    try:
        before = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM changes) AS changes,"
            " (SELECT max(updated_at) FROM legislators) AS touched"
        )
        await conn.execute("UPDATE legislators SET first_name = first_name")
        after = await conn.fetchrow(
            "SELECT (SELECT count(*) FROM changes) AS changes,"
            " (SELECT max(updated_at) FROM legislators) AS touched"
        )
        await conn.execute("UPDATE legislators SET nickname = 'Test' WHERE id = 1")
        touched = await conn.fetchval(
            "SELECT updated_at > $1 FROM legislators WHERE id = 1", before["touched"]
        )
    finally:
        await conn.close()
    assert after == before
    assert touched


async def test_truncate_is_refused_on_recorded_tables(fresh_url):
    conn = await asyncpg.connect(fresh_url)
    try:
        before = await conn.fetchval("SELECT count(*) FROM legislator_leadership_roles")
        for table in ("legislator_leadership_roles", "statements"):
            with pytest.raises(asyncpg.RaiseError, match="the change feed cannot record it"):
                await conn.execute(f"TRUNCATE {table} CASCADE")
        assert await conn.fetchval("SELECT count(*) FROM legislator_leadership_roles") == before
    finally:
        await conn.close()
    assert before > 0
