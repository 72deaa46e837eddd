"""Prometheus metrics at `/metrics` (prometheus-client), guarded by `REDRESS_METRICS`.

`Metrics` is ASGI middleware that watches each request and answers `/metrics` itself, before
authentication and the rate limiter (a scraper is neither an API caller nor rate-limited).
Mode `off` leaves `/metrics` unrouted (404), `open` serves it to anyone, `key` only to
`Authorization: Bearer <REDRESS_METRICS_KEY>` (else 401). What each series means, and how
label values are bounded, is in docs/operations.md (## Metrics).

Per request to `/graphql` it reads the operation name from the request (its `operationName`,
else the name of the document's only operation), the status and the first error code from the
response (codes are in `errors[].extensions.code`), and the SQL statements run (through
`db.pool.log_statements`; the log is left in `scope["state"]["statement_log"]` for other
middleware to read).
"""

import hmac
import re
import time
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from db.import_counts import ROWS
from db.pool import Database, log_statements
from schema.compiled import PATH_LISTENERS

MAX_OPERATIONS = 100
MAX_CODES = 40
MAX_PARSED_BODY = 65_536
MAX_PARSED_QUERY = 16_384
GRAPHQL_PATH = "/graphql"
METRICS_PATH = "/metrics"
ANONYMOUS_OPERATION = "(anonymous)"
OTHER = "(other)"

_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_ERROR_CODE = re.compile(rb'"code":"([A-Z][A-Z0-9_]{1,39})"')
_ERRORS = b'"errors":['

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

REQUESTS = Counter(
    "redress_graphql_requests",
    "GraphQL requests answered, by operation name, HTTP status and first error code"
    " ('' when the answer has no errors).",
    ["operation", "status", "code"],
    registry=REGISTRY,
)
DURATION = Histogram(
    "redress_graphql_request_duration_seconds",
    "Time from a GraphQL request's arrival to the end of its answer, by operation name.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
SQL_STATEMENTS = Histogram(
    "redress_graphql_sql_statements",
    "SQL statements run to answer one GraphQL request.",
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89),
    registry=REGISTRY,
)
PERSISTED_QUERIES = Counter(
    "redress_persisted_queries",
    "Requests that used automatic persisted queries: hit (found by hash), miss (not known:"
    " PERSISTED_QUERY_NOT_FOUND) or register (hash sent with the document).",
    ["outcome"],
    registry=REGISTRY,
)
EXECUTION_PATHS = Counter(
    "redress_execution_path",
    "Queries executed, by path: compiled (one SQL statement, docs/compiled.md) or resolver.",
    ["path"],
    registry=REGISTRY,
)
for _path in ("compiled", "resolver"):
    EXECUTION_PATHS.labels(_path)
PATH_LISTENERS.append(lambda path: EXECUTION_PATHS.labels(path).inc())
RATE_LIMITED = Counter(
    "redress_rate_limit_refusals",
    "Requests refused with 429 by the rate limiter, by kind of caller.",
    ["caller"],
    registry=REGISTRY,
)


class BoundedLabel:
    """Label values as they come, up to `limit` distinct ones; later newcomers become
    `(other)`, so a client cannot grow the number of series without bound."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.seen: set[str] = set()

    def __call__(self, value: str) -> str:
        if value in self.seen:
            return value
        if len(self.seen) >= self.limit:
            return OTHER
        self.seen.add(value)
        return value


OPERATIONS = BoundedLabel(MAX_OPERATIONS)
CODES = BoundedLabel(MAX_CODES)


@lru_cache(maxsize=256)
def only_operation_name(query: str) -> str | None:
    """The name of the document's operation when it has exactly one, named; else None."""
    try:
        document = parse(query, no_location=True, max_tokens=2000)
    except (GraphQLError, RecursionError):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or operations[0].name is None:
        return None
    return operations[0].name.value


def operation_label(request: dict[str, Any]) -> str:
    """The bounded operation label of a GraphQL request (`operationName`, `query` as sent)."""
    name = request.get("operationName")
    if name is None:
        query = request.get("query")
        if isinstance(query, str) and len(query) <= MAX_PARSED_QUERY:
            name = only_operation_name(query)
    if name is None:
        return ANONYMOUS_OPERATION
    if not isinstance(name, str) or not _OPERATION_NAME.fullmatch(name):
        return "(invalid)"
    return OPERATIONS(name)


def graphql_request(scope: Scope, body: bytes) -> dict[str, Any]:
    """The GraphQL request's fields as sent (GET parameters or a JSON body), or {}."""
    if scope["method"] == "GET":
        found: dict[str, Any] = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if isinstance(found.get("extensions"), str):
            try:
                found["extensions"] = orjson.loads(found["extensions"])
            except orjson.JSONDecodeError:
                found.pop("extensions")
        return found
    if not body or len(body) > MAX_PARSED_BODY:
        return {}
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def error_codes(chunk: bytes) -> list[str]:
    """The `extensions.code` values in a JSON answer's top-level `errors`, in order."""
    start = chunk.rfind(_ERRORS)
    if start < 0:
        return []
    return [m.decode() for m in _ERROR_CODE.findall(chunk, start)]


def persisted_outcome(request: dict[str, Any], codes: list[str]) -> str | None:
    """hit, miss or register for a request using automatic persisted queries, else None."""
    extensions = request.get("extensions")
    if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
        return None
    if "PERSISTED_QUERY_NOT_FOUND" in codes:
        return "miss"
    return "register" if request.get("query") else "hit"


class ServerState(Collector):
    """Pool size and use, response-cache lookups, and import rows, read at each scrape."""

    def __init__(self, database: Callable[[], Database | None], cache: Any) -> None:
        self.database = database
        self.cache = cache

    def collect(self) -> Iterator[Any]:
        yield from self._pool()
        if self.cache is not None:
            lookups = CounterMetricFamily(
                "redress_response_cache_lookups",
                "Response-cache lookups, by outcome (a POST missed on the fast path is looked"
                " up again on the full path).",
                labels=["outcome"],
            )
            lookups.add_metric(["hit"], getattr(self.cache, "hits", 0))
            lookups.add_metric(["miss"], getattr(self.cache, "misses", 0))
            yield lookups
        rows = CounterMetricFamily(
            "redress_import_rows",
            "Rows written by imports this process committed, by entity and outcome.",
            labels=["entity", "outcome"],
        )
        for (entity, outcome), count in sorted(ROWS.items()):
            rows.add_metric([entity, outcome], count)
        yield rows

    def _pool(self) -> Iterable[Any]:
        database = self.database()
        if database is None:
            return []
        pool = database.pool
        size, idle = pool.get_size(), pool.get_idle_size()
        connections = GaugeMetricFamily(
            "redress_db_pool_connections",
            "Connections the pool holds, by state.",
            labels=["state"],
        )
        connections.add_metric(["in_use"], size - idle)
        connections.add_metric(["idle"], idle)
        limit = GaugeMetricFamily(
            "redress_db_pool_max_connections", "The most connections the pool may open."
        )
        limit.add_metric([], pool.get_max_size())
        return [connections, limit]


def exposition(server: CollectorRegistry) -> bytes:
    """The text exposition of the process-wide series and of this server's state."""
    return generate_latest(REGISTRY) + generate_latest(server)


def server_registry(database: Callable[[], Database | None], cache: Any) -> CollectorRegistry:
    """A registry holding one app's `ServerState` (pool, response cache, imports)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServerState(database, cache))
    return registry


def _caller(scope: Scope) -> str:
    principal = scope.get("state", {}).get("principal")
    return "key" if getattr(principal, "key_id", None) is not None else "anonymous"


class Metrics:
    """Counts requests and answers `/metrics` (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        mode: str,
        key: str | None,
        scrape: Callable[[], bytes],
    ) -> None:
        self.app = app
        self.mode = mode
        self.key = key.encode() if key else None
        self.scrape = scrape

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.mode == "off":
            await self.app(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH:
            await self.answer(scope)(scope, receive, send)
            return
        if scope["path"] != GRAPHQL_PATH:
            await self.app(scope, receive, self._watch_refusals(scope, send))
            return
        await self._observe(scope, receive, send)

    def answer(self, scope: Scope) -> Response:
        """The exposition, or 401 when a key is required and not the one sent."""
        if self.key is not None:
            sent = Headers(scope=scope).get("authorization", "")
            scheme, _, credential = sent.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                credential.strip().encode(), self.key
            ):
                return JSONResponse(
                    {
                        "errors": [
                            {
                                "message": "/metrics needs Authorization: Bearer <metrics key>",
                                "extensions": {"code": "UNAUTHENTICATED"},
                            }
                        ]
                    },
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="redress-metrics"'},
                )
        return Response(self.scrape(), media_type=CONTENT_TYPE_LATEST)

    def _watch_refusals(self, scope: Scope, send: Send) -> Send:
        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 429:
                RATE_LIMITED.labels(_caller(scope)).inc()
            await send(message)

        return watched

    async def _observe(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        body: list[bytes] = []
        answer: dict[str, Any] = {"status": 500, "json": False, "codes": []}

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request" and sum(map(len, body)) <= MAX_PARSED_BODY:
                body.append(message.get("body", b""))
            return message

        async def send_and_read(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                kind = Headers(raw=message.get("headers", [])).get("content-type", "")
                answer["json"] = "json" in kind
            elif message["type"] == "http.response.body" and answer["json"]:
                answer["codes"].extend(error_codes(message.get("body", b"")))
            await send(message)

        async with log_statements() as statements:
            scope.setdefault("state", {})["statement_log"] = statements
            try:
                await self.app(scope, receive_and_keep, send_and_read)
            finally:
                self._record(scope, b"".join(body), answer, statements.count, started)

    def _record(
        self, scope: Scope, body: bytes, answer: dict[str, Any], statements: int, started: float
    ) -> None:
        request = graphql_request(scope, body)
        operation = operation_label(request) if request else "(none)"
        codes: list[str] = answer["codes"]
        status = answer["status"]
        REQUESTS.labels(operation, str(status), CODES(codes[0]) if codes else "").inc()
        DURATION.labels(operation).observe(time.perf_counter() - started)
        SQL_STATEMENTS.observe(statements)
        if status == 429:
            RATE_LIMITED.labels(_caller(scope)).inc()
        outcome = persisted_outcome(request, codes)
        if outcome is not None:
            PERSISTED_QUERIES.labels(outcome).inc()


def metrics_middleware_options(
    mode: str, key: str | None, server: CollectorRegistry
) -> dict[str, Any]:
    """The keyword arguments of `Metrics` for a mode, key and server registry."""
    return {"mode": mode, "key": key, "scrape": lambda: exposition(server)}
