"""Logs as JSON lines (structlog): one line per request, and every other log line alike.

`AccessLog` writes one `request` event per HTTP request, refusals and failures included:

    {"event": "request", "request_id": "5f0c…", "method": "POST", "path": "/graphql",
     "operation": "Topic", "status": 200, "duration_ms": 12.4, "cost": 61,
     "sql_statements": 5, "client_ip": "127.0.0.1", "level": "info", "time": "…Z"}

`operation` is the request's `operationName`, else the name of the document's first
operation (null when anonymous); `cost` is `extensions.cost.requested` of the answer (null when
the answer has none, e.g. a refusal); `sql_statements` counts the statements run through
`db.pool.Database` while serving it. Never logged: the query string, the body, variables,
headers (so no `Authorization` and no API key). See docs/operations.md.
"""

import logging
import re
import sys
import time
from typing import IO, Any
from urllib.parse import parse_qsl

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import request_id
from db.pool import log_statements

ACCESS_LOGGER = "redress.access"
CAPTURE_BYTES = 64 * 1024  # request bodies up to this size are read for the operation name
_TAIL_BYTES = 512  # `extensions` come last in an answer: its cost is in the final bytes
_COST = re.compile(rb'"cost":\{"requested":(\d+)')
_COMMENT = re.compile(r"#[^\n\r]*")
_FIRST_OPERATION = re.compile(r"\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


def add_request_id(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: the current request's id, on any line logged while serving it."""
    if "request_id" not in event:
        rid = request_id.current()
        if rid is not None:
            event["request_id"] = rid
    return event


SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    add_request_id,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
]


def configure(level: str = "info", stream: IO[str] | None = None) -> None:
    """Send structlog and the standard library's loggers (uvicorn's, `redress.*`) to `stream`
    (stderr by default) as JSON lines, at `level` (`debug`, `info`, `warning`, `error`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *SHARED_PROCESSORS],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    structlog.configure(
        processors=[
            *SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def operation_name(query_params: dict[str, str], body: bytes | None) -> str | None:
    """The operation a GraphQL request names, or its document's first operation's name."""
    data: Any = query_params
    if body:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(data, dict):
        return None
    name = data.get("operationName")
    if isinstance(name, str) and name:
        return name
    query = data.get("query")
    if not isinstance(query, str):
        return None
    found = _FIRST_OPERATION.match(_COMMENT.sub("", query))
    return found.group(1) if found else None


def answer_cost(tail: bytes) -> int | None:
    """`extensions.cost.requested` from the last bytes of a JSON answer, if they hold it."""
    found = _COST.search(tail)
    return int(found.group(1)) if found else None


class AccessLog:
    """Logs one JSON line per HTTP request; goes just inside the request-id middleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = structlog.get_logger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        tail = b""
        body: list[bytes] = []
        size = 0

        async def teed_receive() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request" and size <= CAPTURE_BYTES:
                chunk = message.get("body", b"")
                size += len(chunk)
                body.append(chunk)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal status, tail
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                tail = (tail + message.get("body", b""))[-_TAIL_BYTES:]
            await send(message)

        async with log_statements() as statements:
            try:
                await self.app(scope, teed_receive, watched_send)
            finally:
                self._write(scope, status, started, tail, body, size, statements.count)

    def _write(
        self,
        scope: Scope,
        status: int,
        started: float,
        tail: bytes,
        body: list[bytes],
        size: int,
        statements: int,
    ) -> None:
        operation = None
        if scope["path"] == "/graphql" and size <= CAPTURE_BYTES:
            params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            operation = operation_name(params, b"".join(body) if size else None)
        client = scope.get("client")
        self.log.info(
            "request",
            request_id=request_id.current(),
            method=scope["method"],
            path=scope["path"],
            operation=operation,
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 1),
            cost=answer_cost(tail),
            sql_statements=statements,
            client_ip=client[0] if client else None,
        )
