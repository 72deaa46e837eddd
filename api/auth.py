"""Authentication as ASGI middleware: `Authorization: Bearer <key>` becomes a Principal.

Every HTTP request leaves here with `request.state.principal` set. No header means an
anonymous caller; a header with an unknown, revoked or malformed key is refused with 401.
Keys are looked up on every request (one indexed statement), so a revocation holds from
the very next request. Keys are never logged.
"""

import math
import time
from collections.abc import Callable, Collection

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.http_limits import error_response
from api.ratelimit import RATE_LIMITED, Limiter
from db import keys
from db.pool import Database, StatementTimeout, Unavailable
from schema.errors import UNAVAILABLE
from schema.permissions import Principal, Role

UNAUTHENTICATED = "UNAUTHENTICATED"
MAX_BLOCKED = 10_000
ROLES = {"reader": Role.READER, "editor": Role.EDITOR, "admin": Role.ADMIN}


def bearer_key(header: str) -> str | None:
    """The key in an `Authorization` header value, if it is `Bearer` and a well-formed key."""
    scheme, _, key = header.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not keys.well_formed(key):
        return None
    return key


async def principal_for(database: Database, key: str, client: str | None) -> Principal | None:
    """The Principal of a live key, or None."""
    found = await keys.authenticate(database, key)
    if found is None:
        return None
    return Principal(role=ROLES[found.role], key_id=found.id, key_name=found.name, client=client)


class Authentication:
    """Sets `scope["state"]["principal"]` (read as `request.state.principal`) or answers 401.

    A refused key counts against the client IP's anonymous rate limit in `limiter` (`ip_limit`
    requests a window; 0 counts nothing): over it, the answer is 429 with `Retry-After`, and
    further keys from that IP are refused without a database lookup until the window ends.
    Paths in `exempt` (health checks) pass as anonymous without reading the header. When the
    database cannot look a key up, the answer is 503 UNAVAILABLE with `Retry-After`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        database: Callable[[], Database | None],
        limiter: Limiter | None = None,
        ip_limit: int = 0,
        exempt: Collection[str] = (),
    ) -> None:
        self.app = app
        self.database = database
        self.limiter = limiter
        self.ip_limit = ip_limit
        self.exempt = frozenset(exempt)
        self.blocked: dict[str, float] = {}  # client IP -> when its window ends (monotonic)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else None
        headers = Headers(scope=scope).getlist("authorization")
        if not headers or scope.get("path") in self.exempt:
            principal: Principal | None = Principal(client=client)
        else:
            blocked = self._blocked_for(client)
            if blocked is not None:
                await self._too_many(blocked)(scope, receive, send)
                return
            key = bearer_key(headers[0]) if len(headers) == 1 else None
            database = self.database()
            assert database is not None, "the database opens before the first request"
            try:
                principal = None if key is None else await principal_for(database, key, client)
            except (Unavailable, StatementTimeout) as error:
                response = error_response(
                    503,
                    UNAVAILABLE,
                    "the database is unavailable to check the API key; retry later",
                    headers={"Retry-After": str(error.retry_after)},
                    retryAfter=error.retry_after,
                )
                await response(scope, receive, send)
                return
        if principal is None:
            refused = await self._count_refusal(client)
            if refused is not None:
                await refused(scope, receive, send)
                return
            message = (
                "the Authorization header must be `Bearer <key>` with a valid API key;"
                " this key is unknown, revoked or malformed"
            )
            response = error_response(
                401,
                UNAUTHENTICATED,
                message,
                headers={"WWW-Authenticate": 'Bearer realm="redress", error="invalid_token"'},
            )
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    def _blocked_for(self, client: str | None) -> int | None:
        """Seconds left in the window of a client IP already over its limit, if it is."""
        until = self.blocked.get(client or "unknown")
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            del self.blocked[client or "unknown"]
            return None
        return max(1, math.ceil(left))

    async def _count_refusal(self, client: str | None) -> Response | None:
        """Counts a refused key against the client IP; the 429 to send when it is over."""
        if self.limiter is None or self.ip_limit <= 0:
            return None
        hit = await self.limiter.hit(f"ip:{client or 'unknown'}", self.ip_limit)
        if hit.allowed:
            return None
        if len(self.blocked) > MAX_BLOCKED:
            self.blocked.clear()
        self.blocked[client or "unknown"] = time.monotonic() + hit.reset_s
        return self._too_many(max(1, math.ceil(hit.reset_s)))

    def _too_many(self, reset: int) -> Response:
        return error_response(
            429,
            RATE_LIMITED,
            f"rate limit of {self.ip_limit} requests per minute for this client exceeded,"
            f" counting refused API keys; retry in {reset} s",
            headers={"Retry-After": str(reset)},
            retryAfter=reset,
        )
