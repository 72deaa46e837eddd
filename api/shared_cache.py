"""Answers and persisted documents shared by every replica, in Redis (`REDIS_URL`).

Without Redis each process keeps its own (api/response_cache.py, api/persisted_queries.py).
With it, a process that misses in memory asks Redis, and what it stores it also writes there,
so one replica's work serves the others:

- an answer under `<prefix>:answer:<data version>:<request key>`, kept `ANSWER_TTL_S`; the
  data version is in the key, so an answer is never served once a write has moved it, and
  the old version's keys simply expire;
- a persisted query's document under `<prefix>:apq:<sha256>`, kept `DOCUMENT_TTL_S`.

Redis is a cache here, never the truth: when it fails or takes longer than `TIMEOUT_S`, the
request goes on as a miss and a warning is logged.
"""

import logging
from typing import Any

ANSWER_TTL_S = 3600
DOCUMENT_TTL_S = 30 * 24 * 3600
TIMEOUT_S = 0.25

log = logging.getLogger("redress.cache")


def fail_fast_pool(url: str, timeout_s: float, *, retries: int) -> Any:
    """A redis-py connection pool for `url` whose connects and commands give up after
    `timeout_s` seconds, retried `retries` times without backoff: a slow or absent Redis
    must not slow every request. Returns `redis.asyncio.ConnectionPool`."""
    import redis.asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return redis.asyncio.ConnectionPool.from_url(
        url,
        socket_connect_timeout=timeout_s,
        socket_timeout=timeout_s,
        retry=Retry(NoBackoff(), retries),
    )


class SharedStore:
    """Byte values by name in Redis at `url` (`redis://`, `rediss://` or `unix://`), under
    `prefix`; every failure is a miss."""

    def __init__(self, url: str, *, prefix: str = "redress") -> None:
        import redis.asyncio

        self.prefix = prefix
        self.pool = fail_fast_pool(url, TIMEOUT_S, retries=0)
        self.client = redis.asyncio.Redis(connection_pool=self.pool)

    async def get(self, name: str) -> bytes | None:
        """The value stored under `name`, or None (absent, or Redis failed)."""
        from redis.exceptions import RedisError

        try:
            value = await self.client.get(f"{self.prefix}:{name}")
        except (RedisError, OSError) as error:  # TimeoutError is an OSError
            log.warning("shared cache read failed: %s", str(error) or type(error).__name__)
            return None
        return value if isinstance(value, bytes) else None

    async def put(self, name: str, value: bytes, ttl_s: int) -> None:
        """Store `value` under `name` for `ttl_s` seconds; a failure is logged and ignored."""
        from redis.exceptions import RedisError

        try:
            await self.client.set(f"{self.prefix}:{name}", value, ex=ttl_s)
        except (RedisError, OSError) as error:
            log.warning("shared cache write failed: %s", str(error) or type(error).__name__)

    async def close(self) -> None:
        """Close the connections to Redis."""
        await self.pool.aclose()
