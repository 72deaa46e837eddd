"""Subscriptions to the change feed (docs/subscriptions.md) over graphql-transport-ws, with a
real websocket client against real server processes on a throwaway database."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import connect as connect_raw
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from db import keys
from db.changes import FEED as FEED_ORDER
from db.migrate import migrate
from db.pool import connect
from tests.conftest import feed_settled
from tests.live_server import Server, client, serve
from tests.test_outage import Embedded

EVENTS = """subscription($after: String, $types: [NodeType!]) {
  changes(after: $after, types: $types) {
    cursor
    node { nodeId type kind node { __typename ... on Bill { billId status } } }
  }
}"""

FEED = """query($after: String) {
  changes(after: $after, first: 100) { edges { cursor node { nodeId kind } } } }"""

UNKNOWN = "rdr_" + "A" * 43  # a well-formed key that no one has
CREATE = """mutation($input: OrganizationInput!) {
  createOrganization(input: $input) { organization { slug } } }"""
SYNTHETIC = {"slug": "synthetic-watch", "name": "Synthetic Watch", "kind": "ADVOCACY"}


async def _sql(url: str, statement: str, *args: Any) -> str:
    conn = await asyncpg.connect(url)
    try:
        return await conn.execute(statement, *args)
    finally:
        await conn.close()


async def _cursor_now(url: str) -> str:
    """The feed's cursor at its newest change so far: subscribing after it misses nothing
    written from now on, however long the subscription takes to start."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow("SELECT tx, id FROM changes ORDER BY tx DESC, id DESC LIMIT 1")
    finally:
        await conn.close()
    assert row is not None, "loading the shipped data records changes"
    return FEED_ORDER.encode({"_k0": row["tx"], "_k1": row["id"]})


async def _key(url: str, role: str) -> str:
    db = await connect(url, max_size=1)
    try:
        _, secret = await keys.create(db, f"subscriptions {role}", role)
    finally:
        await db.close()
    return secret


async def _keep_writing(url: str) -> None:
    """Update a bill again and again until cancelled (synthetic statuses)."""
    for number in range(10_000):
        await _sql(
            url, "UPDATE bills SET status = $1 WHERE bill_id = 'hr1470-117'", f"written-{number}"
        )
        await asyncio.sleep(0.2)


async def _feed_after(server: Server, cursor: str) -> list[dict[str, Any]]:
    """The `changes` query's edges after `cursor`, over HTTP."""
    async with httpx.AsyncClient(base_url=server.base) as http:
        response = await http.post("/graphql", json={"query": FEED, "variables": {"after": cursor}})
    body = response.json()
    assert "errors" not in body, body
    edges: list[dict[str, Any]] = body["data"]["changes"]["edges"]
    return edges


async def _event(socket: Any, operation_id: str = "1") -> dict[str, Any]:
    message = await socket.receive()
    assert message["type"] == "next" and message["id"] == operation_id, message
    assert "errors" not in message["payload"], message
    edge: dict[str, Any] = message["payload"]["data"]["changes"]
    return edge


@pytest.fixture
async def server(fresh_url: str, tmp_path: Path) -> AsyncIterator[Server]:
    async with serve(fresh_url, tmp_path / "server.log") as running:
        yield running


async def test_handshake_and_an_event_for_a_write_at_psql(server, fresh_url):
    async with client(server) as socket:
        assert socket.connection.subprotocol == "graphql-transport-ws"
        assert (await socket.init())["type"] == "connection_ack"
        await socket.subscribe("1", EVENTS, {"after": await _cursor_now(fresh_url)})
        await _sql(fresh_url, "UPDATE bills SET status = 'psql' WHERE bill_id = 'hr1470-117'")
        edge = await _event(socket)
    assert edge["node"]["type"] == "BILL" and edge["node"]["kind"] == "UPDATED"
    assert edge["node"]["node"] == {"__typename": "Bill", "billId": "hr1470-117", "status": "psql"}


async def test_keys_in_connection_init(server, fresh_url):
    reader = await _key(fresh_url, "reader")
    for payload in ({"authorization": f"Bearer {reader}"}, {"apiKey": reader}):
        async with client(server) as socket:
            assert (await socket.init(payload))["type"] == "connection_ack"
    refused = (
        {"apiKey": "rdr_" + "A" * 43},  # well formed, unknown
        {"authorization": "Bearer not-a-key"},
        {"authorization": f"Basic {reader}"},
        {"apiKey": reader, "authorization": "Bearer rdr_" + "B" * 43},
    )
    for payload in refused:
        async with client(server) as socket:
            await socket.send({"type": "connection_init", "payload": payload})
            assert await socket.closed() == (
                4403,
                "Forbidden: the API key is unknown, revoked or malformed",
            )


async def test_a_revoked_key_closes_the_socket_at_the_next_subscribe(server, fresh_url):
    db = await connect(fresh_url, max_size=1)
    try:
        key, secret = await keys.create(db, "subscriptions revoked", "reader")
        async with client(server) as socket:
            assert (await socket.init({"apiKey": secret}))["type"] == "connection_ack"
            await keys.revoke(db, key.id)
            await socket.subscribe("1", EVENTS)
            assert await socket.closed() == (4403, "Forbidden: the API key was revoked")
    finally:
        await db.close()


async def test_only_graphql_transport_ws_is_spoken(server):
    async with connect_raw(server.ws, subprotocols=[Subprotocol("graphql-ws")]) as connection:
        assert connection.subprotocol is None
        with contextlib.suppress(ConnectionClosed):
            await asyncio.wait_for(connection.recv(), 60)
        assert connection.protocol.close_rcvd is not None
        assert connection.protocol.close_rcvd.code == 4406


async def test_an_event_for_a_mutation_made_through_another_server(server, fresh_url, tmp_path):
    reader, editor = await _key(fresh_url, "reader"), await _key(fresh_url, "editor")
    async with serve(fresh_url, tmp_path / "other.log") as other, client(server) as socket:
        assert (await socket.init({"apiKey": reader}))["type"] == "connection_ack"
        await socket.subscribe(
            "1",
            """subscription($after: String) { changes(after: $after, types: [ORGANIZATION]) {
                 cursor node { type kind node { ... on Organization { slug name } } } } }""",
            {"after": await _cursor_now(fresh_url)},
        )
        async with httpx.AsyncClient(base_url=other.base) as http:
            response = await http.post(
                "/graphql",
                json={"query": CREATE, "variables": {"input": SYNTHETIC}},
                headers={"Authorization": f"Bearer {editor}"},
            )
        assert "errors" not in response.json(), response.text
        edge = await _event(socket)
    assert edge["node"]["type"] == "ORGANIZATION" and edge["node"]["kind"] == "CREATED"
    assert edge["node"]["node"] == {"slug": "synthetic-watch", "name": "Synthetic Watch"}


async def test_without_a_cursor_only_new_changes_come(server, fresh_url):
    before = await _cursor_now(fresh_url)
    async with client(server) as socket:
        await socket.init()
        await socket.subscribe("1", EVENTS)
        writes = asyncio.create_task(_keep_writing(fresh_url))
        try:
            edge = await _event(socket)
        finally:
            writes.cancel()
    assert edge["node"]["node"]["status"].startswith("written-")  # one of ours, nothing older
    http_feed = await _feed_after(server, before)
    assert edge["cursor"] in [e["cursor"] for e in http_feed]


async def test_reconnecting_with_the_last_cursor_misses_nothing(server, fresh_url):
    async with client(server) as socket:
        await socket.init()
        await socket.subscribe("1", EVENTS, {"after": await _cursor_now(fresh_url)})
        await _sql(fresh_url, "UPDATE bills SET status = 'one' WHERE bill_id = 'hr1470-117'")
        first = await _event(socket)
    # Disconnected: two more writes, one of them a deletion.
    await _sql(fresh_url, "UPDATE bills SET status = 'two' WHERE bill_id = 'hr1470-117'")
    await _sql(fresh_url, "DELETE FROM statement_topics")
    await _sql(fresh_url, "UPDATE topics SET deleted_at = now(), deleted_reason = 'test'")
    await feed_settled(fresh_url)
    expected = await _feed_after(server, first["cursor"])
    assert len(expected) >= 3
    async with client(server) as socket:
        await socket.init()
        await socket.subscribe("1", EVENTS, {"after": first["cursor"]})
        seen = [await _event(socket) for _ in expected]
    # The same changes, in the same order, with the same cursors as the `changes` query's.
    assert [(e["cursor"], e["node"]["nodeId"], e["node"]["kind"]) for e in seen] == [
        (e["cursor"], e["node"]["nodeId"], e["node"]["kind"]) for e in expected
    ]
    assert seen[0]["node"]["node"]["status"] == "two"
    assert "DELETED" in [e["node"]["kind"] for e in seen]


async def test_the_types_filter(server, fresh_url):
    async with client(server) as socket:
        await socket.init()
        await socket.subscribe(
            "1",
            "subscription($after: String) { changes(after: $after, types: [TOPIC]) {"
            " node { type kind } } }",
            {"after": await _cursor_now(fresh_url)},
        )
        await _sql(fresh_url, "UPDATE bills SET status = 'ignored' WHERE bill_id = 'hr1470-117'")
        await _sql(fresh_url, "UPDATE topics SET name = name || ' (renamed)'")
        edge = await _event(socket)
    assert edge == {"node": {"type": "TOPIC", "kind": "UPDATED"}}


async def _accepted(socket: Any, query: str, variables: dict[str, Any]) -> str:
    """Subscribe again and again (ids "a0", "a1", ...) while the answer is RATE_LIMITED; the
    id of the first one accepted. `variables` must make an event come at once."""
    for attempt in range(300):
        operation_id = f"a{attempt}"
        await socket.subscribe(operation_id, query, variables)
        message = await socket.receive()
        if message["type"] == "next":
            assert message["id"] == operation_id
            return operation_id
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == "RATE_LIMITED", message
        await asyncio.sleep(0.1)
    raise AssertionError("never accepted")


async def test_the_cap_on_live_subscriptions_per_key(fresh_url, tmp_path):
    reader = await _key(fresh_url, "reader")
    old = await _cursor_now(fresh_url)
    await _sql(fresh_url, "UPDATE bills SET status = 'capped' WHERE bill_id = 'hr1470-117'")
    log = tmp_path / "server.log"
    async with (
        serve(fresh_url, log, REDRESS_SUBSCRIPTIONS_PER_KEY="2") as server,
        client(server) as first,
        client(server) as second,
    ):
        for socket in (first, second):
            assert (await socket.init({"apiKey": reader}))["type"] == "connection_ack"
        # Each of the two is live once it has sent an event (the write after `old`); the
        # sockets are served concurrently, so without that the third could come first.
        await first.subscribe("1", EVENTS, {"after": old})
        assert (await first.receive())["type"] == "next"
        await second.subscribe("2", EVENTS, {"after": old})
        assert (await second.receive())["type"] == "next"
        await second.subscribe("3", EVENTS)
        refused = await second.receive()
        assert refused["type"] == "error" and refused["id"] == "3"
        assert refused["payload"][0]["extensions"] == {"code": "RATE_LIMITED", "limit": 2}
        # Completing one frees its place (once its task has ended).
        await first.send({"id": "1", "type": "complete"})
        accepted = await _accepted(second, EVENTS, {"after": old})
    assert accepted.startswith("a")


async def test_each_subscribe_counts_against_the_rate_limit(fresh_url, tmp_path):
    async with (
        serve(fresh_url, tmp_path / "server.log", REDRESS_RATE_LIMIT_ANONYMOUS="3") as server,
        client(server) as socket,
    ):
        await socket.init()
        for operation_id in ("1", "2", "3", "4"):
            await socket.subscribe(operation_id, EVENTS)
        refused = await socket.receive()
    assert refused["type"] == "error" and refused["id"] == "4"
    extensions = refused["payload"][0]["extensions"]
    assert extensions["code"] == "RATE_LIMITED" and extensions["retryAfter"] >= 1


async def test_only_valid_subscriptions_within_the_limits_run(fresh_url, tmp_path):
    log = tmp_path / "server.log"
    async with serve(fresh_url, log, REDRESS_MAX_DEPTH="4") as server, client(server) as socket:
        async with httpx.AsyncClient(base_url=server.base) as http:
            bills = await http.post(
                "/graphql", json={"query": "{ bills(first: 1) { edges { cursor } } }"}
            )
        bill_cursor = bills.json()["data"]["bills"]["edges"][0]["cursor"]  # not the feed's
        answers = await _answers(socket, bill_cursor)
    for index, (answer, code) in enumerate(answers):
        assert answer["type"] == "error" and answer["id"] == str(index), answer
        assert [e["extensions"]["code"] for e in answer["payload"]] == [code], answer
    assert "over HTTP" in answers[0][0]["payload"][0]["message"]


async def _answers(socket: Any, bill_cursor: str) -> list[tuple[dict[str, Any], str]]:
    """Each refused subscribe's answer, and the code it should carry."""
    cases = [
        ("{ __typename }", {}, "BAD_USER_INPUT"),
        (
            'mutation { deleteTopic(input: {id: "x", reason: "no"}) { topic { id } } }',
            {},
            "BAD_USER_INPUT",
        ),
        (
            "subscription { changes { node { node { ... on Bill {"
            " sponsor { name { officialFull } } } } } } }",
            {},
            "QUERY_TOO_COMPLEX",
        ),
        (EVENTS, {"after": bill_cursor}, "BAD_USER_INPUT"),
        (EVENTS, {"after": "not a cursor"}, "BAD_USER_INPUT"),
        (EVENTS, {"types": ["NOT_A_TYPE"]}, "BAD_USER_INPUT"),
    ]
    await socket.init()
    answers = []
    for index, (query, variables, code) in enumerate(cases):
        await socket.subscribe(str(index), query, variables)
        answers.append((await socket.receive(), code))
    return answers


# Each event carries an organization's 69 kB name 30 times (aliases): about 2 MB.
BIG_EVENTS = (
    "subscription($after: String) { changes(after: $after, types: [ORGANIZATION]) {"
    " cursor node { nodeId type kind node { ... on Organization { slug "
    + " ".join(f"n{i}: name" for i in range(30))
    + " } } } } }"
)


async def _keep_inserting(url: str) -> None:
    """Synthetic organizations with 69 kB names, one a statement, until cancelled: soon more
    than the socket buffers between a server and a client that reads nothing can hold."""
    for number in range(1000):
        await _sql(
            url,
            "INSERT INTO organizations (slug, name, kind)"
            " VALUES ('synthetic-' || $1::int, repeat('Synthetic organization ', 3000), 'other')",
            number,
        )
        await asyncio.sleep(0.05)


async def _logged(server: Server, text: str) -> None:
    """Wait until the server's log says `text`."""
    for _ in range(600):
        if text in server.log_text():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the server never logged {text!r}: {server.log_text()[-2000:]}")


def _small_window(server: Server) -> socket.socket:
    """A client socket with a small receive buffer, connected to `server`."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = server.base.removeprefix("http://").split(":")
    sock.connect((host, int(port)))
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def _slow_subscriber(server: Server, url: str) -> AsyncIterator[Any]:
    """A subscriber that reads nothing while ever more big events are due to it."""
    async with client(server, sock=_small_window(server), max_queue=1, max_size=None) as slow:
        await slow.init()
        await slow.subscribe("1", BIG_EVENTS, {"after": await _cursor_now(url)})
        writer = asyncio.create_task(_keep_inserting(url))
        try:
            yield slow
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer


async def _read_until_closed(slow: Any) -> list[dict[str, Any]]:
    """The events a client still gets before its socket closes."""
    events = []
    with contextlib.suppress(ConnectionClosed):
        while True:
            message = await slow.receive()
            assert message["type"] == "next", message
            events.append(message["payload"]["data"]["changes"])
    return events


async def _healthy(server: Server, url: str) -> None:
    """The server answers HTTP, and a new subscriber gets events."""
    async with httpx.AsyncClient(base_url=server.base) as http:
        assert (await http.get("/healthz")).status_code == 200
        body = (await http.post("/graphql", json={"query": "{ bills { totalCount } }"})).json()
        assert body["data"]["bills"]["totalCount"] > 0
    async with client(server) as socket:
        await socket.init()
        await socket.subscribe("1", EVENTS, {"after": await _cursor_now(url)})
        await _sql(url, "UPDATE bills SET status = 'after' WHERE bill_id = 'hr1470-117'")
        assert (await _event(socket))["node"]["node"]["status"] == "after"


async def test_a_client_too_slow_to_read_is_closed_with_4008_and_resumes(fresh_url, tmp_path):
    settings = {
        "REDRESS_SUBSCRIPTION_SEND_TIMEOUT_S": "1",
        "REDRESS_SUBSCRIPTION_CLOSE_TIMEOUT_S": "120",
    }
    async with serve(fresh_url, tmp_path / "server.log", **settings) as server:
        async with _slow_subscriber(server, fresh_url) as slow:
            await _logged(server, "one send took over 1 s")
            # The client reads again: what was sent, then the close frame.
            events = await _read_until_closed(slow)
            assert slow.connection.protocol.close_rcvd.code == 4008
            assert slow.connection.protocol.close_rcvd.reason == (
                "too slow: resume with your last cursor"
            )
        # The server stopped producing when it closed: more changes follow the last one sent.
        assert events and await _feed_after(server, events[-1]["cursor"])
        feed = await _feed_after(server, events[0]["cursor"])
        assert [e["cursor"] for e in events[1:]] == [e["cursor"] for e in feed[: len(events) - 1]]
        # Resuming from the last cursor gives the very next change of the feed.
        async with client(server, max_size=None) as again:
            await again.init()
            await again.subscribe("1", BIG_EVENTS, {"after": events[-1]["cursor"]})
            resumed = await _event(again)
        assert resumed["cursor"] == (await _feed_after(server, events[-1]["cursor"]))[0]["cursor"]
        await _healthy(server, fresh_url)


async def test_a_client_that_never_reads_again_is_cut_off(fresh_url, tmp_path):
    settings = {
        "REDRESS_SUBSCRIPTION_SEND_TIMEOUT_S": "1",
        "REDRESS_SUBSCRIPTION_CLOSE_TIMEOUT_S": "1",
    }
    async with serve(fresh_url, tmp_path / "server.log", **settings) as server:
        async with _slow_subscriber(server, fresh_url) as slow:
            await _logged(server, "aborting a subscription socket")
            events = await _read_until_closed(slow)
            assert slow.connection.protocol.close_rcvd is None  # no close frame: cut off
        assert events and await _feed_after(server, events[-1]["cursor"])
        await _healthy(server, fresh_url)


async def test_a_database_outage_ends_a_subscription_with_unavailable(tmp_path):
    embedded = Embedded(tmp_path / "pgdata")
    try:
        await migrate(embedded.url)
        await _sql(embedded.url, "INSERT INTO topics (slug, name) VALUES ('synthetic', 'One')")
        cursor = await _cursor_now(embedded.url)
        async with serve(embedded.url, tmp_path / "server.log") as server, client(server) as socket:
            await socket.init()
            await socket.subscribe(
                "1",
                "subscription($after: String) {"
                " changes(after: $after) { cursor node { type kind } } }",
                {"after": cursor},
            )
            await _sql(embedded.url, "UPDATE topics SET name = 'Two'")
            assert (await _event(socket))["node"] == {"type": "TOPIC", "kind": "UPDATED"}
            await asyncio.to_thread(embedded.stop)
            ended = await socket.receive()
            await socket.subscribe("2", EVENTS)  # while it is down
            refused = await socket.receive()
            async with client(server) as keyed:
                await keyed.send({"type": "connection_init", "payload": {"apiKey": UNKNOWN}})
                unchecked = await keyed.closed()
    finally:
        embedded.start()
        embedded.server.cleanup()
    assert ended["type"] == "error" and ended["id"] == "1", ended
    assert [e["extensions"]["code"] for e in ended["payload"]] == ["UNAVAILABLE"], ended
    assert refused["type"] == "error" and refused["id"] == "2", refused
    assert [e["extensions"]["code"] for e in refused["payload"]] == ["UNAVAILABLE"], refused
    assert unchecked == (1013, "the database cannot check the API key now; retry later")
