"""The websocket edge of subscriptions (docs/subscriptions.md), over graphql-transport-ws
(https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md) at `/graphql`.

- `connection_init` may carry an API key, as `{"authorization": "Bearer <key>"}` (the HTTP
  header's value) or `{"apiKey": "<key>"}`; none means anonymous, as over HTTP. An unknown,
  revoked or malformed key closes the socket with 4403 and counts against the client
  address's anonymous rate limit; a database that cannot check it closes it with 1013.
- Each `subscribe` counts against the caller's rate limit (api/ratelimit.py) and the key is
  checked again; over the limit, or over `cap` live subscriptions per key (or per client
  address) in this process, the subscription gets an `error` message coded RATE_LIMITED.
  Queries and mutations are refused (an `error` coded BAD_USER_INPUT): they go over HTTP.
- A stream that fails (the database went away) ends with an `error` message, not `next`.
- A send that does not complete within `send_timeout_s` (the client reads too slowly) closes
  the socket with `TOO_SLOW`; if even the close cannot be sent within `close_timeout_s`, the
  connection is aborted. Events are produced only as fast as they are sent, so a slow client
  holds at most the transport's write buffer, never a queue.
"""

import asyncio
import contextlib
import logging
import math
import socket
from collections import Counter
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from api.auth import bearer_key, principal_for
from api.ratelimit import RATE_LIMITED, Limiter
from db import keys
from db.pool import Database, StatementTimeout, Unavailable
from schema.compat import (
    ASGIWebSocketAdapter,
    BaseGraphQLTransportWSHandler,
    InvalidOperationTypeError,
    OperationType,
    WebSocketDisconnected,
    transport_of,
)
from schema.context import Context
from schema.errors import UNAVAILABLE
from schema.permissions import Principal

log = logging.getLogger("redress.subscriptions")

FORBIDDEN = 4403  # graphql-transport-ws: the connection_init was refused
TRY_AGAIN_LATER = 1013  # RFC 6455 registry: the server cannot serve now; retry later
TOO_SLOW = 4008
TOO_SLOW_REASON = "too slow: resume with your last cursor"
TRANSPORT = "redress.transport"  # scope key: the websocket's transport (KeepTransport)
SEND_BUFFER_BYTES = 256 * 1024  # the kernel doubles it (socket(7))
SUBSCRIPTIONS_ONLY = (
    "only subscriptions run over the websocket: send queries and mutations to /graphql over HTTP"
)


class KeepTransport:
    """For a websocket, keeps its transport (`schema.compat.transport_of`) in the scope, and
    bounds the kernel's send buffer of its socket to `SEND_BUFFER_BYTES` (else it grows to
    megabytes for a client that reads nothing, and a send would block only once it is full).
    It goes near the outside of the middleware, before any that replaces `send` outright."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            transport = scope[TRANSPORT] = transport_of(send)
            sock = transport.get_extra_info("socket") if transport is not None else None
            with contextlib.suppress(OSError, AttributeError):
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        await self.app(scope, receive, send)


@dataclass
class Gate:
    """Who may subscribe, and how fast they must read.

    `limiter` counts each `subscribe` against `key_limit` (callers with a key) or
    `anonymous_limit` requests a window (0: no limit; None limiter: no counting); `cap` is the
    most live subscriptions per key or client address in this process; the timeouts are in
    seconds.
    """

    limiter: Limiter | None = None
    anonymous_limit: int = 0
    key_limit: int = 0
    cap: int = 5
    send_timeout_s: float = 10.0
    close_timeout_s: float = 10.0
    live: Counter[str] = field(default_factory=Counter)

    def admit(self, identity: str) -> bool:
        """Take one of `identity`'s live-subscription slots; False when all are taken."""
        if self.live[identity] >= self.cap:
            return False
        self.live[identity] += 1
        return True

    def release(self, identity: str) -> None:
        """Give back a slot `admit` took."""
        self.live[identity] -= 1
        if self.live[identity] <= 0:
            del self.live[identity]

    async def over_limit(self, principal: Principal) -> int | None:
        """Count one subscribe for `principal`: None when within its rate limit, else the
        seconds until its window ends."""
        is_key = principal.key_id is not None
        limit = self.key_limit if is_key else self.anonymous_limit
        if self.limiter is None or limit <= 0:
            return None
        hit = await self.limiter.hit(identity(principal), limit)
        return None if hit.allowed else max(1, math.ceil(hit.reset_s))

    async def count_refusal(self, client: str | None) -> None:
        """Count a refused key against the client address's anonymous limit (api/auth.py)."""
        if self.limiter is not None and self.anonymous_limit > 0:
            await self.limiter.hit(f"ip:{client or 'unknown'}", self.anonymous_limit)


def identity(principal: Principal) -> str:
    """Whom limits count against: `key:<id>`, or `ip:<address>` without a key."""
    if principal.key_id is not None:
        return f"key:{principal.key_id}"
    return f"ip:{principal.client or 'unknown'}"


def key_in(payload: Mapping[str, Any]) -> tuple[bool, str | None]:
    """Whether `connection_init`'s payload names a key, and the key when it is well formed.

    `authorization` (any case) holds `Bearer <key>` as the HTTP header does; `apiKey` holds
    the key alone. Both may be given only with the same key.
    """
    given: list[str | None] = []
    for name, value in payload.items():
        if not isinstance(name, str):
            continue
        if name.lower() == "authorization":
            given.append(bearer_key(value) if isinstance(value, str) else None)
        elif name == "apiKey":
            given.append(value if isinstance(value, str) and keys.well_formed(value) else None)
    if not given:
        return False, None
    return True, given[0] if len(set(given)) == 1 else None


def coded(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    """A formatted GraphQL error with `extensions.code`."""
    return {"message": message, "extensions": {"code": code, **extensions}}


class WatchedSocket(ASGIWebSocketAdapter):
    """A websocket whose every send must complete within the gate's `send_timeout_s`.

    A send that does not is a client too slow to read: the socket is closed with `TOO_SLOW`
    and the send raises `WebSocketDisconnected`. A close is sent at most once.
    """

    def __init__(self, view: Any, request: WebSocket, response: WebSocket) -> None:
        super().__init__(view, request, response)
        self.gate: Gate = view.subscriptions
        self.closed = False

    async def _send_text(self, message: Mapping[str, object]) -> None:
        """One message as a text frame, as graphql-transport-ws requires (the view's JSON
        encoder gives bytes, which Strawberry would send as a binary frame)."""
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected() from error

    async def send_json(self, message: Mapping[str, object]) -> None:
        if self.closed:
            raise WebSocketDisconnected()
        try:
            async with asyncio.timeout(self.gate.send_timeout_s):
                await self._send_text(message)
        except TimeoutError:
            client = self.ws.client.host if self.ws.client else "unknown"
            log.warning(
                "closing a subscription socket of %s: one send took over %g s",
                client,
                self.gate.send_timeout_s,
            )
            await self.close(TOO_SLOW, TOO_SLOW_REASON)
            raise WebSocketDisconnected() from None

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            async with asyncio.timeout(self.gate.close_timeout_s):
                await super().close(code, reason)
        except TimeoutError:
            transport = self.ws.scope.get(TRANSPORT)
            log.warning("aborting a subscription socket: its close could not be sent")
            if transport is not None:
                transport.abort()
        except (RuntimeError, WebSocketDisconnect, OSError):
            pass  # already closed, or gone


class SubscriptionsOnly:
    """The schema as the websocket handler sees it: it streams subscriptions only."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema

    async def stream(self, query: str | None, **options: Any) -> AsyncGenerator[Any, None]:
        source = await self.schema.stream(
            query, allowed_operation_types=(OperationType.SUBSCRIPTION,), **options
        )
        return _reworded(source)


async def _reworded(source: AsyncGenerator[Any, None]) -> AsyncGenerator[Any, None]:
    """`source`, with the refusal of a query or mutation saying where to send it."""
    async with contextlib.aclosing(source):
        async for result in source:
            for error in result.errors or ():
                if isinstance(error, GraphQLError) and isinstance(
                    error.original_error, InvalidOperationTypeError
                ):
                    error.message = SUBSCRIPTIONS_ONLY
            yield result


class SubscriptionHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler with API keys, rate limits, the per-key cap,
    and failed streams ended by an `error` message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = SubscriptionsOnly(self.schema)  # type: ignore[assignment]
        self.gate: Gate = self.view.subscriptions  # type: ignore[attr-defined]
        self.key: str | None = None

    @property
    def database(self) -> Database:
        database: Database | None = self.view.database  # type: ignore[attr-defined]
        assert database is not None, "the database opens before the first request"
        return database

    @property
    def client(self) -> str | None:
        ws: WebSocket = self.websocket.ws  # type: ignore[attr-defined]
        return ws.client.host if ws.client else None

    async def handle_connection_init(self, message: Any) -> None:
        payload = message.get("payload") or {}
        if not self.connection_init_received and isinstance(payload, dict):
            named, key = key_in(payload)
            principal: Principal | None = Principal(client=self.client)
            try:
                if key is not None:
                    principal = await principal_for(self.database, key, self.client)
            except (Unavailable, StatementTimeout):
                reason = "the database cannot check the API key now; retry later"
                await self.websocket.close(TRY_AGAIN_LATER, reason)
                return
            if named and (key is None or principal is None):
                await self.gate.count_refusal(self.client)
                reason = "Forbidden: the API key is unknown, revoked or malformed"
                await self.websocket.close(FORBIDDEN, reason)
                return
            assert principal is not None
            self.context.principal = principal
            self.key = key
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: Any) -> None:
        if not self.connection_acknowledged or message.get("id") in self.operations:
            await super().handle_subscribe(message)  # the protocol's closes: 4401, 4409
            return
        payload = message.get("payload")
        if not isinstance(message.get("id"), str) or not isinstance(payload, dict):
            await self.handle_invalid_message("a subscribe message needs an id and a payload")
            return
        refusal = await self._refusal()
        if refusal is not None:
            await self.send_message({"id": message["id"], "type": "error", "payload": [refusal]})
            return
        if self.closing:
            return
        who = identity(self.context.principal)
        if not self.gate.admit(who):
            limit = self.gate.cap
            refusal = coded(
                f"at most {limit} live subscriptions per API key (or client address without"
                " one); complete one first",
                RATE_LIMITED,
                limit=limit,
            )
            await self.send_message({"id": message["id"], "type": "error", "payload": [refusal]})
            return
        await super().handle_subscribe(message)
        operation = self.operations.get(message["id"])
        if operation is not None and operation.task is not None:
            operation.task.add_done_callback(lambda _task: self.gate.release(who))
        else:
            self.gate.release(who)

    @property
    def closing(self) -> bool:
        return bool(getattr(self.websocket, "closed", False))

    async def _refusal(self) -> dict[str, Any] | None:
        """Why this subscribe is refused (a coded error), or None; the key is checked again,
        and a revoked one closes the socket with 4403."""
        principal = self.context.principal
        if self.key is not None:
            try:
                again = await principal_for(self.database, self.key, self.client)
            except (Unavailable, StatementTimeout) as error:
                return coded(
                    "the database is unavailable; retry later",
                    UNAVAILABLE,
                    retryAfter=error.retry_after,
                )
            if again is None:
                await self.websocket.close(FORBIDDEN, "Forbidden: the API key was revoked")
                return None
        retry = await self.gate.over_limit(principal)
        if retry is None:
            return None
        kind = "API key" if principal.key_id is not None else "anonymous client"
        return coded(
            f"rate limit for this {kind} exceeded; retry in {retry} s",
            RATE_LIMITED,
            retryAfter=retry,
        )

    async def send_message(self, message: Any) -> None:
        payload = message.get("payload") if message.get("type") == "next" else None
        if isinstance(payload, dict) and payload.get("data") is None and payload.get("errors"):
            # A stream that failed: its end is an `error`, which needs no `complete` after it.
            operation = self.operations.get(message["id"])
            if operation is not None:
                operation.completed = True
                self.forget_id(operation.id)
            message = {"id": message["id"], "type": "error", "payload": payload["errors"]}
        await self.websocket.send_json(message)

    async def handle_task_exception(self, error: Exception) -> None:
        if isinstance(error, WebSocketDisconnected):
            return  # the client left, or was closed as too slow (logged then)
        await super().handle_task_exception(error)
