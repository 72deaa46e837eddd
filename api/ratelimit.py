"""Rate limits per API key, or per client IP for anonymous requests, as ASGI middleware.

The counting is the `limits` library's fixed-window strategy: each identity gets a window
(a minute by default) that opens with its first request and a budget of requests in it. The
counts live in this process (`MemoryLimiter`, `limits.aio.storage.MemoryStorage`) or in
Redis (`RedisLimiter`, `limits.aio.storage.RedisStorage` over redis-py), where every replica
of the API shares them.
"""

import asyncio
import logging
import math
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.http_limits import error_response
from api.shared_cache import fail_fast_pool
from schema.permissions import Principal

log = logging.getLogger("redress.ratelimit")

RATE_LIMITED = "RATE_LIMITED"
WINDOW_S = 60
REDIS_TIMEOUT_S = 0.5


@dataclass(frozen=True)
class Hit:
    """One request counted against an identity's limit.

    `allowed`: whether it is within the limit; `remaining`: requests left in the window
    after it (0 or more); `reset_s`: seconds until the window ends (0 or more, a float).
    """

    allowed: bool
    remaining: int
    reset_s: float


class Limiter(Protocol):
    """Counts requests per identity in fixed windows."""

    async def hit(self, identity: str, limit: int) -> Hit:
        """Count one request for `identity` (`key:<id>` or `ip:<address>`) against `limit`
        requests a window (1 or more)."""
        ...

    async def close(self) -> None:
        """Release what the limiter holds."""
        ...


class FixedWindowLimiter:
    """Counts with the `limits` library's fixed-window strategy in `storage`.

    `window_s` is the window's length in whole seconds (1 or more). Counts are kept per
    identity and limit: callers that count one identity against the same limit share them.
    """

    def __init__(self, storage: Storage, *, window_s: int = WINDOW_S) -> None:
        if window_s < 1:
            raise ValueError(f"a rate limit window is at least 1 s, not {window_s}")
        self.storage = storage
        self.window_s = window_s
        self.strategy = FixedWindowRateLimiter(storage)

    def item(self, limit: int) -> RateLimitItem:
        """The `limits` item for `limit` requests a window."""
        return RateLimitItemPerSecond(limit, self.window_s, namespace="redress")

    async def hit(self, identity: str, limit: int) -> Hit:
        """Count one request for `identity` against `limit` requests a window.

        Raises what the storage raises (for Redis, `redis.exceptions.RedisError` or `OSError`).
        """
        item = self.item(limit)
        allowed = await self.strategy.hit(item, identity)
        reset_at, remaining = await self.strategy.get_window_stats(item, identity)
        return Hit(allowed, remaining, max(0.0, reset_at - time.time()))

    async def close(self) -> None:
        """Nothing to release."""


class SweptMemoryStorage(MemoryStorage):
    """`limits`' MemoryStorage, sweeping expired counts at most once every `sweep_s` seconds.

    limits 5.8 starts a sweep of every stored count after each increment: with many
    identities in a window, each request would cost time in proportion to their number
    (about 1 ms a request at 1,000 identities, measured). Counts are right without sweeps,
    since an expired count is dropped when it is read; sweeps only free memory. This
    overrides the storage's private scheduling hook, which tests/test_ratelimit.py checks.
    """

    def __init__(self, *, sweep_s: float) -> None:
        super().__init__()
        self.sweep_s = sweep_s
        self.next_sweep = 0.0

    async def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.time()
        if now < self.next_sweep:
            return
        self.next_sweep = now + self.sweep_s
        # The name, mangled, of MemoryStorage's private `__schedule_expiry`.
        await super()._MemoryStorage__schedule_expiry()  # type: ignore[misc]


class MemoryLimiter(FixedWindowLimiter):
    """Counts in this process: right for one replica. Expired windows are swept once a
    window, so memory holds the identities of the last two windows at most."""

    def __init__(self, *, window_s: int = WINDOW_S) -> None:
        super().__init__(SweptMemoryStorage(sweep_s=window_s), window_s=window_s)


class RedisLimiter(FixedWindowLimiter):
    """Counts in Redis at `url` (`redis://`, `rediss://` or `unix://`), shared by every
    replica; keys are `<prefix>:redress/<identity>/<limit>/<window_s>/second`.

    If Redis fails or takes longer than `REDIS_TIMEOUT_S` (0.5 s) to count a request, the
    request is let through with its full budget and a warning is logged.
    """

    def __init__(
        self, url: str, *, window_s: int = WINDOW_S, prefix: str = "redress:ratelimit"
    ) -> None:
        # Fail fast, retry once. The pool is ours, parsed by redis-py from `url`; `limits` is
        # told only that it is Redis.
        self.pool = fail_fast_pool(url, REDIS_TIMEOUT_S, retries=1)
        # Passed through to redis-py; `limits` types its options as scalars only.
        options: dict[str, Any] = {"connection_pool": self.pool}
        storage = RedisStorage(
            "async+redis://", implementation="redispy", key_prefix=prefix, **options
        )
        super().__init__(storage, window_s=window_s)

    async def hit(self, identity: str, limit: int) -> Hit:
        """Count one request for `identity` against `limit` requests a window; when Redis
        cannot count it within `REDIS_TIMEOUT_S`, allow it with the full budget."""
        from redis.exceptions import RedisError

        try:
            async with asyncio.timeout(REDIS_TIMEOUT_S):
                return await super().hit(identity, limit)
        except (RedisError, OSError) as error:  # TimeoutError is an OSError
            reason = str(error) or type(error).__name__
            log.warning("rate limiting is off for this request: Redis failed: %s", reason)
            return Hit(True, limit, float(self.window_s))

    async def close(self) -> None:
        """Close the connections to Redis."""
        await self.pool.aclose()


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
    are never counted nor refused. Within the limit, the budget is left for the GraphQL view in
    `scope["state"]["rate_limit"]` as `{"limit": int, "remaining": int, "resetSeconds": int}`.
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
        hit = await self.limiter.hit(who, limit)
        reset = max(1, math.ceil(hit.reset_s))
        remaining = max(0, hit.remaining) if hit.allowed else 0
        budget = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset),
        }
        if not hit.allowed:
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
            "remaining": remaining,
            "resetSeconds": reset,
        }
        await self.app(scope, receive, send_with_budget)
