"""Limits on each HTTP request, as ASGI middleware: body size and total time.

Their refusals, like those of authentication and rate limiting, are GraphQL-shaped JSON:
`{"errors": [{"message": ..., "extensions": {"code": ...}}]}`.
"""

import logging
import math
from collections.abc import Mapping
from typing import Any

import anyio
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import request_id
from db.pool import RETRY_AFTER_S
from schema.errors import TIMEOUT

log = logging.getLogger("redress.http")

PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """An HTTP error whose body is a GraphQL-shaped error with `extensions.code`; a 503 also
    carries `extensions.requestId` when the request has an id, to match the server's log."""
    rid = request_id.current()
    if rid is not None and status == 503:
        extensions = {**extensions, "requestId": rid}
    body = {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


class BodyTooLarge(Exception):
    """Raised from `receive` when the body outgrows the limit."""


class BodySizeLimit:
    """Answers 413 to a body over `max_bytes`, counting as it streams; it never reads past it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def refusal(self) -> JSONResponse:
        """The 413 response."""
        return error_response(
            413,
            PAYLOAD_TOO_LARGE,
            f"the request body is larger than {self.max_bytes} bytes",
            maxBytes=self.max_bytes,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self.refusal()(scope, receive, send)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await self.refusal()(scope, receive, send)


# The longest a stream waits for its client to take one piece (docs/export.md).
STREAM_STALL_S = 60.0


class RequestTimeout:
    """Ends a request that runs longer than `seconds` with a 503 TIMEOUT error, not a hang.

    A path under one of `streaming` (the bulk export, docs/export.md) has the deadline only
    until its response starts: a stream of any length then runs to its end at the pace the
    client reads it, as long as each piece is taken within `stall_s` seconds; a client that
    stops reading longer is cut off, so that it holds no connection and no snapshot."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        seconds: float,
        streaming: tuple[str, ...] = (),
        stall_s: float = STREAM_STALL_S,
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.streaming = streaming
        self.stall_s = stall_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        streams = str(scope.get("path", "")).startswith(self.streaming) if self.streaming else False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            if started and streams:  # only a send the client does not take can time out
                deadline.deadline = anyio.current_time() + self.stall_s
                await send(message)
                deadline.deadline = math.inf
                return
            await send(message)

        with anyio.move_on_after(self.seconds) as deadline:
            await self.app(scope, receive, watched_send)
        if deadline.cancelled_caught:
            if started and streams:
                log.warning(
                    "cut off a stream of %s: the client took nothing for %ss",
                    scope.get("path"),
                    self.stall_s,
                )
                return
            log.warning("request to %s timed out after %ss", scope.get("path"), self.seconds)
            if started:
                raise RuntimeError("the request timed out after its response had started")
            response = error_response(
                503,
                TIMEOUT,
                f"the request took longer than {self.seconds:g} s and was stopped",
                headers={"Retry-After": str(RETRY_AFTER_S)},
                timeoutSeconds=self.seconds,
                retryAfter=RETRY_AFTER_S,
            )
            await response(scope, receive, send)
