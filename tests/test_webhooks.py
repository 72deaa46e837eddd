"""Webhooks (docs/webhooks.md) against a real receiver: an HTTP server on a random port of
127.0.0.1, in a thread, that records every request and fails the first ones when told to.

Registration is checked (scheme, private addresses, ownership, the cap, the response cache);
changes made by SQL and by a mutation are delivered, signed, of the registered types only;
failures are retried with backoff, each attempt logged, no change skipped; repeated failures
disable the webhook; two app instances on one database never deliver to one webhook at once.
"""

import asyncio
import dataclasses
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.app import create_app
from api.settings import ROOT, Settings, load_settings
from api.webhooks import backoff_s, sign
from db import keys
from db.pool import connect
from schema.relay import to_global_id
from tests.editors import MARKEY_KEY

DEADLINE_S = 60.0
HANG_S = 3.0

REGISTER = """mutation($url: String!, $types: [NodeType!]) {
  registerWebhook(url: $url, types: $types) { secret webhook { id url types active } } }"""
DELETE = "mutation($id: ID!) { deleteWebhook(id: $id) }"
WEBHOOKS = """query($first: Int, $after: String) { webhooks { totalCount nodes {
  id url types active disabledReason failures cursor
  deliveries(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    nodes { id attempt firstCursor lastCursor changeCount status error delivered startedAt
            durationMs nextAttemptAt } } } } }"""
UPDATE_STATEMENT = """mutation($input: UpdateStatementInput!) {
  updateStatement(input: $input) { statement { id version } } }"""


@dataclass
class Received:
    """One request the receiver got, and the status it answered (None: it hung)."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int | None = None

    @property
    def payload(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.body)
        return decoded


@dataclass
class Receiver:
    """Records requests; answers each path with its scripted answers first (a status, or
    "hang": no answer for HANG_S), then 200, after `delay_s` seconds."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, list[int | str]] = field(default_factory=dict)
    delay_s: float = 0.0
    in_flight: dict[str, int] = field(default_factory=dict)
    most_in_flight: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def accepted(self, path: str) -> list[dict[str, Any]]:
        """The changes of every request to `path` answered 2xx, in the order received."""
        return [c for r in self.to(path) if r.status == 200 for c in r.payload["changes"]]

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        received = Received(path, dict(request.headers), await request.body())
        with self.lock:
            self.requests.append(received)
            self.in_flight[path] = self.in_flight.get(path, 0) + 1
            self.most_in_flight[path] = max(self.most_in_flight.get(path, 0), self.in_flight[path])
            script = self.scripts.get(path) or []
            answer = script.pop(0) if script else 200
        try:
            if answer == "hang":
                await asyncio.sleep(HANG_S)
                return Response(status_code=200)
            await asyncio.sleep(self.delay_s)
            received.status = int(answer)
            return Response(status_code=received.status)
        finally:
            with self.lock:
                self.in_flight[path] -= 1


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A receiver listening on a random port of 127.0.0.1 (uvicorn, in a thread)."""
    receiver = Receiver()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    receiver.port = sock.getsockname()[1]
    app = Starlette(routes=[Route("/{path:path}", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the receiver did not start"
        time.sleep(0.02)
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def settings(**changes: Any) -> Settings:
    """Settings for tests: private addresses allowed (the receiver is on 127.0.0.1), tiny
    backoff, quick polls, no rate limit; `changes` on top."""
    base = dataclasses.replace(
        load_settings(),
        rate_limit_anonymous=0,
        rate_limit_key=0,
        changes_retention_days=0,
        webhooks=True,
        webhook_allow_private=True,
        webhook_timeout_s=0.5,
        webhook_backoff_base_s=0.05,
        webhook_backoff_cap_s=0.2,
        webhook_poll_s=0.2,
    )
    return dataclasses.replace(base, **changes)


@dataclass
class Api:
    http: httpx.AsyncClient

    async def post(self, query: str, variables: dict[str, Any], key: str | None) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code in (200, 400), response.text
        return response.json()

    async def ok(self, query: str, variables: dict[str, Any], key: str | None) -> Any:
        body = await self.post(query, variables, key)
        assert "errors" not in body, body
        return body["data"]


@asynccontextmanager
async def serving(url: str, **changes: Any) -> AsyncIterator[Api]:
    """The app over `url` with its lifespan running (pool, worker when on), as served."""
    app = create_app(settings(**changes), url=url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield Api(http)


async def new_key(url: str, role: str = "reader") -> str:
    db = await connect(url, max_size=1)
    try:
        _, secret = await keys.create(db, f"webhook test {role}", role)
    finally:
        await db.close()
    return secret


async def run_sql(url: str, *statements: str) -> None:
    """Each statement in a transaction of its own."""
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def eventually(check: Callable[[], Awaitable[Any] | Any], what: str) -> Any:
    """`check()`'s first truthy value, polled until DEADLINE_S (a transaction open anywhere on
    the server holds the change feed back until it ends)."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        assert time.monotonic() < deadline, f"never happened: {what}"
        await asyncio.sleep(0.05)


def documented_check() -> Callable[[str, dict[str, str], bytes], bool]:
    """`verify` from the Python snippet of docs/webhooks.md, run as partners would copy it
    (its replay tolerance widened: a test asserts nothing about time)."""
    text = (ROOT / "docs" / "webhooks.md").read_text()
    snippet = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)  # the documentation's own code
    namespace["TOLERANCE_S"] = 10**9
    check: Callable[[str, dict[str, str], bytes], bool] = namespace["verify"]
    return check


VERIFY = documented_check()


def verified(secret: str, request: Received) -> bool:
    """Whether `request` passes the documented signature check with `secret`."""
    return VERIFY(secret, request.headers, request.body)


async def register(api: Api, key: str, url: str, types: list[str] | None = None) -> Any:
    data = await api.ok(REGISTER, {"url": url, "types": types}, key)
    return data["registerWebhook"]


async def bill_id(url: str, bill: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT id FROM bills WHERE bill_id = $1", bill))
    finally:
        await conn.close()


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_registration_checks_urls_owners_and_the_cap(fresh_url):
    owner, other = await new_key(fresh_url), await new_key(fresh_url)
    async with serving(
        fresh_url, webhooks=False, webhook_allow_private=False, webhooks_per_key=2
    ) as api:
        anonymous = await api.post(REGISTER, {"url": "https://1.1.1.1/hook"}, None)
        assert codes(anonymous) == ["UNAUTHENTICATED"]
        assert codes(await api.post(WEBHOOKS, {}, None)) == ["UNAUTHENTICATED"]
        for bad in ("ftp://1.1.1.1/hook", "javascript:alert(1)", "/hook", "https://"):
            body = await api.post(REGISTER, {"url": bad}, owner)
            assert codes(body) == ["BAD_USER_INPUT"], bad
        body = await api.post(REGISTER, {"url": "https://user:pw@1.1.1.1/"}, owner)
        assert "credentials" in body["errors"][0]["message"]
        for private in (
            "http://127.0.0.1:8000/hook",
            "http://localhost/hook",
            "http://10.1.2.3/hook",
            "http://192.168.0.10/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/hook",
            "http://[::1]/hook",
            "http://[fe80::1]/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
            "http://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        ):
            body = await api.post(REGISTER, {"url": private}, owner)
            assert codes(body) == ["BAD_USER_INPUT"], private
            assert "not a public address" in body["errors"][0]["message"], body
        body = await api.post(REGISTER, {"url": "https://1.1.1.1/hook", "types": []}, owner)
        assert codes(body) == ["BAD_USER_INPUT"]
        for hostile in ("https://1.1.1.1/" + "a" * 3000, "https://1.1.1.1/\x00", "http://[::1"):
            body = await api.post(REGISTER, {"url": hostile}, owner)
            assert codes(body) == ["BAD_USER_INPUT"], hostile
        assert codes(await api.post(DELETE, {"id": "not an id"}, owner)) == ["BAD_USER_INPUT"]
        bills = await api.ok("{ bills(first: 1) { edges { cursor } } }", {}, None)
        for forged in ("garbage", bills["bills"]["edges"][0]["cursor"]):
            paged = "query($c: String) { webhooks(after: $c) { edges { cursor } } }"
            assert codes(await api.post(paged, {"c": forged}, owner)) == ["BAD_USER_INPUT"]

        first = await register(api, owner, "https://1.1.1.1/hook", ["STATEMENT", "STATEMENT"])
        assert first["secret"].startswith("whsec_") and len(first["secret"]) == 49
        assert first["webhook"]["types"] == ["STATEMENT"]
        await register(api, owner, "https://1.1.1.1/other")
        body = await api.post(REGISTER, {"url": "https://1.1.1.1/third"}, owner)
        assert codes(body) == ["BAD_USER_INPUT"] and "at most 2" in body["errors"][0]["message"]

        # Another key neither sees nor deletes them, even where answers are cached by role.
        mine = await api.ok(WEBHOOKS, {}, owner)
        assert mine["webhooks"]["totalCount"] == 2
        theirs = await api.ok(WEBHOOKS, {}, other)
        assert theirs["webhooks"] == {"totalCount": 0, "nodes": []}
        hook = first["webhook"]["id"]
        assert codes(await api.post(DELETE, {"id": hook}, other)) == ["NOT_FOUND"]
        assert codes(await api.post(DELETE, {"id": hook}, None)) == ["UNAUTHENTICATED"]
        bill = to_global_id("Bill", 1)
        assert codes(await api.post(DELETE, {"id": bill}, owner)) == ["BAD_USER_INPUT"]
        assert (await api.ok(DELETE, {"id": hook}, owner))["deleteWebhook"] == hook
        assert codes(await api.post(DELETE, {"id": hook}, owner)) == ["NOT_FOUND"]
        left = await api.ok(WEBHOOKS, {}, owner)
        assert [n["url"] for n in left["webhooks"]["nodes"]] == ["https://1.1.1.1/other"]
        body = await api.post(WEBHOOKS, {"after": "garbage"}, owner)
        assert codes(body) == ["BAD_USER_INPUT"]


async def test_changes_by_sql_and_by_mutation_are_delivered_signed(fresh_url):
    reader, editor = await new_key(fresh_url), await new_key(fresh_url, "editor")
    bill = await bill_id(fresh_url, "hr1470-117")
    with receiving() as receiver:
        async with serving(fresh_url) as api:
            hook = await register(api, reader, receiver.url("/all"))
            await run_sql(
                fresh_url, f"UPDATE bills SET official_title = 'Synthetic title' WHERE id = {bill}"
            )
            statement = await api.ok(
                "query($k: String!) { statement(externalKey: $k) { id version } }",
                {"k": MARKEY_KEY},
                None,
            )
            statement = statement["statement"]
            await api.ok(
                UPDATE_STATEMENT,
                {
                    "input": {
                        "id": statement["id"],
                        "expectedVersion": statement["version"],
                        "context": "Context edited by a webhook test.",
                    }
                },
                editor,
            )
            changes = await eventually(
                lambda: len(receiver.accepted("/all")) >= 2 and receiver.accepted("/all"),
                "both changes delivered",
            )
    assert [(c["type"], c["kind"], c["nodeId"]) for c in changes] == [
        ("BILL", "UPDATED", to_global_id("Bill", bill)),
        ("STATEMENT", "UPDATED", statement["id"]),
    ]
    assert all(set(c) == {"cursor", "nodeId", "type", "kind", "at", "dataVersion"} for c in changes)
    assert changes[0]["dataVersion"] < changes[1]["dataVersion"]
    for request in receiver.to("/all"):
        assert request.headers["content-type"] == "application/json"
        assert request.headers["redress-delivery"] == request.payload["deliveryId"]
        assert request.payload["webhookId"] == hook["webhook"]["id"]
        assert int(request.headers["redress-timestamp"]) > 0
        assert verified(hook["secret"], request)
        tampered = dataclasses.replace(request, body=request.body.replace(b"UPDATED", b"DELETED"))
        assert not verified(hook["secret"], tampered)
        assert not verified("whsec_not-the-secret", request)


async def test_only_the_registered_types_are_sent(fresh_url):
    reader = await new_key(fresh_url)
    bill = await bill_id(fresh_url, "hr1470-117")
    with receiving() as receiver:
        async with serving(fresh_url) as api:
            await register(api, reader, receiver.url("/statements"), ["STATEMENT"])
            await register(api, reader, receiver.url("/all"))
            await run_sql(
                fresh_url,
                f"UPDATE bills SET official_title = 'Synthetic title' WHERE id = {bill}",
                "UPDATE statements SET context = 'Synthetic context'"
                " WHERE id = (SELECT min(id) FROM statements)",
            )
            everything = await eventually(
                lambda: len(receiver.accepted("/all")) >= 2 and receiver.accepted("/all"),
                "both changes delivered to /all",
            )
            statements = await eventually(
                lambda: receiver.accepted("/statements"), "the statement change delivered"
            )
            data = await api.ok(WEBHOOKS, {}, reader)
    assert [c["type"] for c in everything] == ["BILL", "STATEMENT"]
    assert statements == [everything[1]]
    # Both webhooks ended at the same feed position: the bill change was passed, not kept.
    assert len({n["cursor"] for n in data["webhooks"]["nodes"]}) == 1


async def test_failures_are_retried_with_backoff_and_no_change_is_skipped(fresh_url):
    reader = await new_key(fresh_url)
    bill = await bill_id(fresh_url, "hr1470-117")
    with receiving() as receiver:
        receiver.scripts["/flaky"] = ["hang", 500]
        async with serving(fresh_url) as api:
            hook = await register(api, reader, receiver.url("/flaky"))
            await run_sql(fresh_url, f"UPDATE bills SET status = 'synthetic-1' WHERE id = {bill}")
            await eventually(lambda: receiver.to("/flaky"), "a first attempt")
            await run_sql(
                fresh_url,
                "UPDATE statements SET context = 'Synthetic context'"
                " WHERE id = (SELECT min(id) FROM statements)",
            )
            accepted = await eventually(
                lambda: len(receiver.accepted("/flaky")) >= 2 and receiver.accepted("/flaky"),
                "both changes accepted",
            )
            data = await api.ok(WEBHOOKS, {"first": 10}, reader)
            page = await api.ok(WEBHOOKS, {"first": 1}, reader)
            cursor = page["webhooks"]["nodes"][0]["deliveries"]["pageInfo"]["endCursor"]
            rest = await api.ok(WEBHOOKS, {"first": 10, "after": cursor}, reader)
    requests = receiver.to("/flaky")
    assert [r.status for r in requests[:3]] == [None, 500, 200]
    first_change = requests[0].payload["changes"][0]
    assert first_change["nodeId"] == to_global_id("Bill", bill)
    # Every attempt of the failing batch starts at the same change; each is signed anew.
    assert all(r.payload["changes"][0] == first_change for r in requests[:3])
    assert len({r.headers["redress-delivery"] for r in requests}) == len(requests)
    assert all(verified(hook["secret"], r) for r in requests)
    # At least once, in order: nothing skipped, nothing accepted twice.
    assert [c["type"] for c in accepted] == ["BILL", "STATEMENT"]

    webhook = data["webhooks"]["nodes"][0]
    assert webhook["failures"] == 0 and webhook["active"]
    log = list(reversed(webhook["deliveries"]["nodes"]))  # oldest first
    assert webhook["deliveries"]["totalCount"] == len(requests) == len(log)
    assert [d["attempt"] for d in log[:3]] == [1, 2, 3]
    assert log[0]["status"] is None and "no answer within 0.5 s" in log[0]["error"]
    assert (log[1]["status"], log[1]["error"], log[1]["delivered"]) == (500, None, False)
    assert (log[2]["status"], log[2]["delivered"], log[2]["nextAttemptAt"]) == (200, True, None)
    for failed, retry in itertools.pairwise(log[:3]):
        waited_until = datetime.fromisoformat(failed["nextAttemptAt"])
        assert waited_until > datetime.fromisoformat(failed["startedAt"])
        assert datetime.fromisoformat(retry["startedAt"]) >= waited_until  # its backoff
        assert failed["firstCursor"] == retry["firstCursor"] == first_change["cursor"]
    assert all(d["durationMs"] is not None for d in log)
    assert page["webhooks"]["nodes"][0]["deliveries"]["pageInfo"]["hasNextPage"]
    rest_log = rest["webhooks"]["nodes"][0]["deliveries"]["nodes"]
    assert [d["id"] for d in rest_log] == [d["id"] for d in webhook["deliveries"]["nodes"][1:]]


async def test_repeated_failures_disable_the_webhook(fresh_url):
    reader = await new_key(fresh_url)
    with socket.socket() as closed:  # a port nothing listens on once closed
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    bill = await bill_id(fresh_url, "hr1470-117")
    async with serving(fresh_url, webhook_max_failures=3) as api:
        await register(api, reader, f"http://127.0.0.1:{port}/gone")
        await run_sql(fresh_url, f"UPDATE bills SET status = 'synthetic' WHERE id = {bill}")

        async def disabled() -> Any:
            data = await api.ok(WEBHOOKS, {"first": 10}, reader)
            webhook = data["webhooks"]["nodes"][0]
            return not webhook["active"] and webhook

        webhook = await eventually(disabled, "the webhook disabled")
    assert webhook["disabledReason"].startswith("3 consecutive failed deliveries; the last: ")
    log = webhook["deliveries"]["nodes"]
    assert [d["attempt"] for d in log] == [3, 2, 1]
    assert all(d["status"] is None and d["error"] and not d["delivered"] for d in log)
    assert log[0]["nextAttemptAt"] is None  # no attempt follows the last


async def test_two_instances_never_deliver_to_one_webhook_at_once(fresh_url):
    reader = await new_key(fresh_url)
    bill = await bill_id(fresh_url, "hr1470-117")
    with receiving() as receiver:
        receiver.delay_s = 0.2
        async with serving(fresh_url, webhook_batch=1) as first:
            async with serving(fresh_url, webhook_batch=1):
                await register(first, reader, receiver.url("/shared"))
                updates = (f"UPDATE bills SET status = 's{n}' WHERE id = {bill}" for n in range(6))
                await run_sql(fresh_url, *updates)
                accepted = await eventually(
                    lambda: len(receiver.accepted("/shared")) >= 6 and receiver.accepted("/shared"),
                    "six changes delivered",
                )
    assert receiver.most_in_flight["/shared"] == 1
    cursors = [c["cursor"] for c in accepted]
    assert len(cursors) == len(set(cursors)) == 6  # no batch delivered twice
    assert [c["dataVersion"] for c in accepted] == sorted(c["dataVersion"] for c in accepted)


def test_signature_and_backoff_follow_the_documented_rules():
    body = b'{"changes":[]}'
    expected = hmac.new(b"whsec_x", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("whsec_x", 1700000000, body) == f"v1={expected}"
    delays = [backoff_s(n, 1.0, 8.0) for n in range(1, 7)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(8.0, 2.0 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling


@pytest.mark.parametrize("setting", [{"webhook_batch": 0}, {"webhook_backoff_cap_s": 0.01}])
def test_bad_settings_stop_start_up(setting):
    with pytest.raises(ValueError):
        create_app(settings(**setting), url="postgresql://unused")


class Proxy:
    """A TCP proxy to the PostgreSQL server that can be cut (every connection closed, new
    ones closed at once) and restored: a database outage as the app sees it."""

    def __init__(self, url: str) -> None:
        self.parts = urlsplit(url)
        self.upstream = (self.parts.hostname or "127.0.0.1", self.parts.port or 5432)
        self.up = True
        self.refused = 0
        self.writers: set[asyncio.StreamWriter] = set()
        self.url = ""

    async def __aenter__(self) -> "Proxy":
        self.server = await asyncio.start_server(self.accept, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        user = f"{self.parts.username}@" if self.parts.username else ""
        self.url = urlunsplit(self.parts._replace(netloc=f"{user}127.0.0.1:{port}"))
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.cut()
        self.server.close()

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            self.refused += 1
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self.writers |= {writer, up_writer}

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except OSError:
                pass
            finally:
                sink.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    def cut(self) -> None:
        self.up = False
        for writer in self.writers:
            writer.close()
        self.writers.clear()


async def test_the_worker_survives_a_database_outage(fresh_url):
    reader = await new_key(fresh_url)
    bill = await bill_id(fresh_url, "hr1470-117")
    with receiving() as receiver:
        async with Proxy(fresh_url) as proxy, serving(proxy.url) as api:
            await register(api, reader, receiver.url("/outage"))
            await run_sql(fresh_url, f"UPDATE bills SET status = 'before' WHERE id = {bill}")
            await eventually(lambda: receiver.accepted("/outage"), "a delivery before the outage")
            proxy.cut()
            await run_sql(fresh_url, f"UPDATE bills SET status = 'during' WHERE id = {bill}")
            await eventually(lambda: proxy.refused >= 3, "the app trying to reconnect")
            proxy.up = True
            accepted = await eventually(
                lambda: len(receiver.accepted("/outage")) >= 2 and receiver.accepted("/outage"),
                "the change made during the outage delivered after it",
            )
    assert len({c["cursor"] for c in accepted}) == len(accepted) == 2
