"""Fuzz the API: generated GraphQL documents and a hostile corpus against a live server.

Usage:
    .venv/bin/python bench/fuzz.py [--seconds 600] [--database-url URL] [--port 8765]

It starts `redress serve` (uvicorn, REDRESS_ENV=production, rate limits off) on a loopback
port over `--database-url` (default `DATABASE_URL`, else the embedded server in `.pgdata`),
migrating and loading the shipped data first when the database has none. Then, until the time
is up (`FUZZ_SECONDS`, default 600), it alternates between documents that hypothesis-graphql
generates from `schema.graphql` (valid ones, `Mode.POSITIVE`, and invalid ones,
`Mode.NEGATIVE`; queries and mutations, sent anonymously and with an unknown key) and the
requests of `hostile_corpus()`. It prints the count of answers by HTTP status and the count of
INTERNAL errors, and exits 1 if there was any 5xx, INTERNAL, or request that got no answer.
"""

import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NonInteractiveExampleWarning
from hypothesis_graphql import Mode, mutations, nodes, queries

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNKNOWN_KEY = "Bearer rdr_" + "F" * 43
PAGE = "edges { cursor }"
SINCE = "(filter: {updatedSince: $t})"
SCALARS = {
    "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes(timezones=st.timezones()).map(lambda d: nodes.String(d.isoformat())),
    "JSON": st.text(max_size=20).map(nodes.String),
}


@dataclass
class Tally:
    """Answers by status, INTERNAL errors, requests without an answer, and examples of faults."""

    statuses: Counter[int] = field(default_factory=Counter)
    internal: int = 0
    unanswered: int = 0
    faults: list[str] = field(default_factory=list)

    def record(self, request: str, response: httpx.Response | None) -> None:
        if response is None:
            self.unanswered += 1
            self.faults.append(f"no answer: {request[:300]}")
            return
        self.statuses[response.status_code] += 1
        internal = b'"INTERNAL"' in response.content
        self.internal += internal
        if response.status_code >= 500 or internal:
            self.faults.append(f"{response.status_code} {request[:300]} -> {response.text[:300]}")

    @property
    def failed(self) -> bool:
        return self.unanswered > 0 or self.internal > 0 or any(s >= 500 for s in self.statuses)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def b64url(content: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(content).encode()).decode().rstrip("=")


def hostile_corpus() -> Iterator[tuple[str, str, bytes, dict[str, str]]]:
    """(method, path, body, headers) of requests that once gave 5xx or INTERNAL, or might."""
    j = {"content-type": "application/json"}

    def post(
        payload: object, headers: dict[str, str] | None = None
    ) -> tuple[str, str, bytes, dict[str, str]]:
        return "POST", "/graphql", json.dumps(payload).encode(), {**j, **(headers or {})}

    for depth in (100, 250, 300, 1000):
        nested = "[" * depth + "]" * depth
        body = '{"query":"{ __typename }","variables":{"a":' + nested + "}}"
        yield "POST", "/graphql", body.encode(), j
        yield (
            "POST",
            "/graphql",
            ('{"query":"{ __typename }","extensions":{"a":' + nested + "}}").encode(),
            j,
        )
    for extensions in ("0", "false", "[]", '"x"', "1e999"):
        yield (
            "POST",
            "/graphql",
            ('{"query":"{ __typename }","extensions":' + extensions + "}").encode(),
            j,
        )
    lists = (
        "legislators",
        "committees",
        "bills",
        "votes",
        "statements",
        "incidents",
        "people",
        "organizations",
        "sources",
        "topics",
    )
    for name in lists:
        for key in ([2**70], [-(2**70)], ["\u0000"], ["0000-01-01", 2**70], [1.5], [None], [True]):
            for ordering in ("newest", "name", "introduced_desc", "date_desc", "x"):
                cursor = b64url([ordering, *key])
                yield post(
                    {
                        "query": f"query($c: String) {{ {name}(after: $c) {{ {PAGE} }} }}",
                        "variables": {"c": cursor},
                    }
                )
        for first in (2**31 - 1, -(2**31), 101, -1):
            yield post({"query": f"{{ {name}(first: {first}) {{ totalCount }} }}"})
    for text in (
        "Statement:+1",
        "Statement:01",
        "Statement:\u0661",
        f"Statement:{2**64}",
        "Bill:0",
        "X:1",
        ":",
    ):
        yield post(
            {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": b64(text)}}
        )
        yield post(
            {
                "query": "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                "variables": {"ids": [b64(text)] * 3},
            }
        )
    for congress in (2**31 - 1, -(2**31), 0):
        yield post({"query": f"{{ bills(filter: {{congress: {congress}}}) {{ totalCount }} }}"})
        yield post({"query": f"{{ votes(filter: {{congress: {congress}}}) {{ totalCount }} }}"})
    for when in (
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2020-01-01T00:00:00+99:00",
    ):
        for name in lists:
            yield post(
                {
                    "query": f"query($t: DateTime) {{ {name}{SINCE} {{ totalCount }} }}",
                    "variables": {"t": when},
                }
            )
    for search in ("a " * 5000, "\u0000", "'\"\\%_", "!!!", "x" * 100_000):
        yield post(
            {
                "query": "query($q: String) { statements(filter: {search: $q}) { totalCount } }",
                "variables": {"q": search},
            }
        )
        yield post(
            {
                "query": "query($q: String) { legislators(filter: {name: $q}) { totalCount } }",
                "variables": {"q": search},
            }
        )
    yield post({"query": "{ __typename }"}, {"Authorization": UNKNOWN_KEY})
    yield post({"query": "{ __typename }"}, {"Authorization": "Bearer " + "x" * 5000})
    yield post({"query": "{" * 5000 + "}" * 5000})
    yield post({"query": "{ " + " ".join(f"a{i}: __typename" for i in range(3000)) + " }"})
    yield post([{"query": "{ __typename }"}] * 50)
    yield post({"query": "{ legislatorz }"})
    yield "POST", "/graphql", b"\xff\xfe{", j
    yield "POST", "/graphql", b'{"query": "{ __typename }"', j
    yield "POST", "/graphql", b'{"query":"\\ud800"}', j
    yield "GET", "/graphql?query=%ED%A0%80", b"", {}
    yield "GET", "/graphql?query={__typename}&variables=%5B%5B%5B", b"", {}
    yield "PUT", "/graphql", b"", {}
    yield "GET", "/nowhere", b"", {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def prepared(url: str) -> None:
    """Migrate `url`, and load the shipped data when it has no legislators."""
    import asyncpg

    from db.load import load_shipped
    from db.migrate import migrate

    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        empty = not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM legislators)")
    finally:
        await conn.close()
    if empty:
        await load_shipped(url, ROOT / "data")


def start_server(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDRESS_PORT": str(port),
        "REDRESS_HOST": "127.0.0.1",
        "REDRESS_ENV": "production",
        "REDRESS_RATE_LIMIT_ANONYMOUS": "0",
        "REDRESS_RATE_LIMIT_KEY": "0",
        "REDRESS_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "redress"), "serve"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not become ready in 60 s")


def send(
    http: httpx.Client, tally: Tally, method: str, path: str, body: bytes, headers: dict[str, str]
) -> None:
    try:
        response = http.request(method, path, content=body or None, headers=headers)
    except httpx.TimeoutException:
        response = None
    tally.record(f"{method} {path} {body[:200]!r}", response)


def fuzz_generated(http: httpx.Client, tally: Tally, sdl: str, until: float, batch: int) -> None:
    """One batch of `batch` generated documents per strategy, or fewer when time runs out."""
    strategies = [
        queries(sdl, custom_scalars=SCALARS, mode=Mode.POSITIVE),
        queries(sdl, custom_scalars=SCALARS, mode=Mode.NEGATIVE),
        mutations(sdl, custom_scalars=SCALARS, mode=Mode.POSITIVE),
    ]
    for strategy in strategies:

        @settings(
            max_examples=batch,
            deadline=None,
            phases=[Phase.generate],
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(document=strategy, keyed=st.booleans())
        def run(document: str, keyed: bool) -> None:
            if time.monotonic() > until:
                return
            headers = {"content-type": "application/json"}
            if keyed:
                headers["Authorization"] = UNKNOWN_KEY
            send(http, tally, "POST", "/graphql", json.dumps({"query": document}).encode(), headers)

        run()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", 600)))
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    warnings.simplefilter("ignore", NonInteractiveExampleWarning)

    embedded = None
    url = args.database_url
    if not url:
        from db.embedded import start_embedded

        url, embedded = start_embedded(ROOT / ".pgdata")
    asyncio.run(prepared(url))
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp(prefix="redress-fuzz-")) / "server.log"
    server = start_server(url, port, log)
    tally = Tally()
    started = time.monotonic()
    try:
        wait_ready(base, server)
        sdl = (ROOT / "schema.graphql").read_text()
        until = started + args.seconds
        corpus = list(hostile_corpus())
        with httpx.Client(base_url=base, timeout=35) as http:
            rounds = 0
            while time.monotonic() < until:
                for request in corpus if rounds % 5 == 0 else ():
                    send(http, tally, *request)
                fuzz_generated(http, tally, sdl, until, batch=100)
                rounds += 1
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
        del embedded
    total = sum(tally.statuses.values())
    print(f"fuzz: {total} requests in {time.monotonic() - started:.0f} s (server log: {log})")
    for status, count in sorted(tally.statuses.items()):
        print(f"  HTTP {status}: {count}")
    five = sum(c for s, c in tally.statuses.items() if s >= 500)
    print(f"  5xx: {five}   INTERNAL: {tally.internal}   no answer: {tally.unanswered}")
    for fault in tally.faults[:20]:
        print("  fault:", fault)
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
