"""Rate limits per API key, or per client IP for anonymous requests, as ASGI middleware.

Each identity gets a fixed window (a minute by default) that opens with its first request and
a budget of requests in it. The counts live in this process (`MemoryLimiter`) or in Redis
(`RedisLimiter`), where every replica of the API shares them.
"""

import logging
import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http_limits import error_response
from schema.permissions import Principal

log = logging.getLogger("redress.ratelimit")

RATE_LIMITED = "RATE_LIMITED"
WINDOW_S = 60.0
REDIS_TIMEOUT_S = 0.5


@dataclass(frozen=True)
class Hit:
    """The count of an identity's requests in its current window, after this one."""

    count: int
    reset_s: float

    def allowed(self, limit: int) -> bool:
        """Whether this request is within `limit`."""
        return self.count <= limit


class Limiter(Protocol):
    """Counts requests per identity in fixed windows."""

    async def hit(self, identity: str) -> Hit:
        """Count one request for `identity`."""
        ...

    async def close(self) -> None:
        """Release what the limiter holds."""
        ...


class MemoryLimiter:
    """Counts in this process: right for one replica; expired windows are swept once a window."""

    def __init__(
        self, *, window_s: float = WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window_s = window_s
        self.clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._next_sweep = clock() + window_s

    async def hit(self, identity: str) -> Hit:
        """Count one request for `identity`."""
        now = self.clock()
        if now >= self._next_sweep:
            self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
            self._next_sweep = now + self.window_s
        reset_at, count = self._windows.get(identity, (0.0, 0))
        if reset_at <= now:
            reset_at, count = now + self.window_s, 0
        self._windows[identity] = (reset_at, count + 1)
        return Hit(count + 1, reset_at - now)

    async def close(self) -> None:
        """Nothing to release."""


# Atomic: count the request, and start the window's expiry if it has none yet.
HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RedisLimiter:
    """Counts in Redis, shared by every replica; if Redis fails, requests are let through."""

    def __init__(
        self, url: str, *, window_s: float = WINDOW_S, prefix: str = "redress:ratelimit:"
    ) -> None:
        import redis.asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.window_ms = int(window_s * 1000)
        self.prefix = prefix
        # A slow or absent Redis must not slow every request: fail fast, retry once.
        self.client: Any = redis.asyncio.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            socket_timeout=REDIS_TIMEOUT_S,
            retry=Retry(NoBackoff(), 1),
        )
        self._script = self.client.register_script(HIT_SCRIPT)

    async def hit(self, identity: str) -> Hit:
        """Count one request for `identity` (a count of 0 when Redis cannot be reached)."""
        from redis.exceptions import RedisError

        try:
            count, ttl_ms = await self._script(keys=[self.prefix + identity], args=[self.window_ms])
        except (RedisError, OSError) as error:
            log.warning("rate limiting is off for this request: Redis failed: %s", error)
            return Hit(0, self.window_ms / 1000)
        return Hit(int(count), int(ttl_ms) / 1000)

    async def close(self) -> None:
        """Close the connections to Redis."""
        await self.client.aclose()


def identity(scope: Scope) -> tuple[str, bool]:
    """Whom a request counts against (`key:<id>` or `ip:<address>`), and whether it is a key."""
    principal = scope.get("state", {}).get("principal")
    if isinstance(principal, Principal) and principal.key_id is not None:
        return f"key:{principal.key_id}", True
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}", False


class RateLimit:
    """Answers 429 with `Retry-After` over the limit; reports the budget in `X-RateLimit-*`.

    It runs after authentication, which puts the caller's Principal in `scope["state"]`.
    A limit of 0 turns limiting off for that kind of caller. Paths in `exempt` (health checks)
    are never counted nor refused.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limiter: Limiter,
        anonymous: int,
        key: int,
        exempt: Collection[str] = (),
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.anonymous = anonymous
        self.key = key
        self.exempt = frozenset(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        who, is_key = identity(scope)
        limit = self.key if is_key else self.anonymous
        if limit <= 0:
            await self.app(scope, receive, send)
            return
        hit = await self.limiter.hit(who)
        reset = max(1, math.ceil(hit.reset_s))
        budget = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - hit.count)),
            "X-RateLimit-Reset": str(reset),
        }
        if not hit.allowed(limit):
            kind = "API key" if is_key else "anonymous client"
            response = error_response(
                429,
                RATE_LIMITED,
                f"rate limit of {limit} requests per minute for this {kind} exceeded;"
                f" retry in {reset} s",
                headers={"Retry-After": str(reset), **budget},
                retryAfter=reset,
            )
            await response(scope, receive, send)
            return

        async def send_with_budget(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in budget.items():
                    headers[name] = value
            await send(message)

        scope.setdefault("state", {})["rate_limit"] = {
            "limit": limit,
            "remaining": max(0, limit - hit.count),
            "resetSeconds": reset,
        }
        await self.app(scope, receive, send_with_budget)
