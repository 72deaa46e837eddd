"""Rate limits per key and per client IP, counted in memory or in Redis."""

import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.datastructures import Secret

from api.app import create_app, default_limiter
from api.ratelimit import Limiter, MemoryLimiter, RedisLimiter
from api.settings import load_settings
from db import keys
from db.pool import Database, connect

REDIS_URL = "redis://127.0.0.1:6379/0"
QUERY = '{ legislator(bioguideId: "P000617") { name { last } } }'


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    try:
        import redis  # noqa: F401
    except ImportError:
        return False
    return True


needs_redis = pytest.mark.skipif(not redis_reachable(), reason="no Redis at 127.0.0.1:6379")


@pytest.fixture
async def db(fresh_url: str) -> AsyncIterator[Database]:
    """A pool on a database of its own: these tests write keys."""
    database = await connect(fresh_url, max_size=2)
    yield database
    await database.close()


def limited_app(db: Database, *, anonymous: int, key: int, limiter: Limiter) -> Starlette:
    settings = replace(load_settings(), rate_limit_anonymous=anonymous, rate_limit_key=key)
    return create_app(settings, database=db, limiter=limiter)


def client_of(app: Starlette, ip: str = "127.0.0.2") -> httpx.AsyncClient:
    """An HTTP client for `app` that connects from `ip`."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def ask(http: httpx.AsyncClient, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return await http.post("/graphql", json={"query": QUERY}, headers=headers)


def assert_rate_limited(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/json"
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert response.headers["x-ratelimit-limit"] == str(limit)
    assert response.headers["x-ratelimit-remaining"] == "0"
    body: dict[str, Any] = response.json()
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": retry_after}
    assert f"rate limit of {limit} requests per minute" in error["message"]


async def test_anonymous_clients_get_429_with_retry_after_past_the_limit(db: Database) -> None:
    app = limited_app(db, anonymous=3, key=10, limiter=MemoryLimiter())
    async with client_of(app) as http:
        answers = [await ask(http) for _ in range(3)]
        assert [r.status_code for r in answers] == [200, 200, 200]
        assert [r.headers["x-ratelimit-remaining"] for r in answers] == ["2", "1", "0"]
        assert all(r.headers["x-ratelimit-limit"] == "3" for r in answers)
        assert_rate_limited(await ask(http), 3)
        # Every route but the health checks counts, and stays refused for the window.
        assert_rate_limited(await http.get("/schema.graphql"), 3)
        assert (await http.get("/healthz")).status_code == 200


async def test_each_ip_has_its_own_bucket(db: Database) -> None:
    app = limited_app(db, anonymous=2, key=10, limiter=MemoryLimiter())
    async with client_of(app, "127.0.0.2") as first, client_of(app, "127.0.0.3") as second:
        assert [(await ask(first)).status_code for _ in range(3)] == [200, 200, 429]
        assert [(await ask(second)).status_code for _ in range(3)] == [200, 200, 429]


async def test_each_key_has_its_own_bucket_apart_from_its_ip(db: Database) -> None:
    _a, key_a = await keys.create(db, "a", "reader")
    _b, key_b = await keys.create(db, "b", "editor")
    app = limited_app(db, anonymous=1, key=3, limiter=MemoryLimiter())
    async with client_of(app) as http:
        statuses = [(await ask(http, key_a)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert_rate_limited(await ask(http, key_a), 3)
        # Another key from the same address has its full budget ...
        assert [(await ask(http, key_b)).status_code for _ in range(4)] == [200, 200, 200, 429]
        # ... and so does the address itself, whose anonymous limit is lower.
        assert (await ask(http)).status_code == 200
        assert_rate_limited(await ask(http), 1)


async def test_a_limit_of_zero_turns_limiting_off(db: Database) -> None:
    app = limited_app(db, anonymous=0, key=0, limiter=MemoryLimiter())
    async with client_of(app) as http:
        answers = [await ask(http) for _ in range(5)]
        assert [r.status_code for r in answers] == [200] * 5
        assert "x-ratelimit-limit" not in answers[0].headers


def test_the_default_limits_are_modest_and_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("REDIS_URL", "REDRESS_RATE_LIMIT_ANONYMOUS", "REDRESS_RATE_LIMIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert (settings.rate_limit_anonymous, settings.rate_limit_key) == (600, 6000)
    assert settings.rate_limit_key > settings.rate_limit_anonymous
    assert settings.redis_url is None
    assert isinstance(default_limiter(settings), MemoryLimiter)


async def test_the_memory_window_opens_with_the_first_request_and_resets() -> None:
    now = [1000.0]
    limiter = MemoryLimiter(window_s=60, clock=lambda: now[0])
    assert [(await limiter.hit("ip:a")).count for _ in range(3)] == [1, 2, 3]
    now[0] += 20
    late = await limiter.hit("ip:a")
    assert (late.count, late.reset_s) == (4, 40)
    assert (await limiter.hit("ip:b")).count == 1
    now[0] += 40
    fresh = await limiter.hit("ip:a")
    assert (fresh.count, fresh.reset_s) == (1, 60)
    # Expired windows are swept: only the two opened at t=1060 remain after another minute.
    now[0] += 61
    await limiter.hit("ip:c")
    assert set(limiter._windows) == {"ip:c"}


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own in the shared Redis, deleted afterwards."""
    import redis.asyncio

    prefix = f"redress-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.asyncio.from_url(REDIS_URL)
    try:
        found = [k async for k in client.scan_iter(match=prefix + "*")]
        if found:
            await client.delete(*found)
    finally:
        await client.aclose()


@needs_redis
async def test_redis_counts_are_shared_by_replicas(db: Database, redis_prefix: str) -> None:
    import redis.asyncio

    replicas = [RedisLimiter(REDIS_URL, prefix=redis_prefix) for _ in range(2)]
    apps = [limited_app(db, anonymous=4, key=10, limiter=r) for r in replicas]
    try:
        async with client_of(apps[0]) as one, client_of(apps[1]) as two:
            statuses = [(await ask(http)).status_code for http in (one, two, one, two)]
            assert statuses == [200, 200, 200, 200]
            assert_rate_limited(await ask(one), 4)
            assert_rate_limited(await ask(two), 4)
            # Another address still has its budget, on either replica.
            async with client_of(apps[1], "127.0.0.4") as other:
                assert (await ask(other)).status_code == 200

        client = redis.asyncio.from_url(REDIS_URL)
        try:
            assert int(await client.get(redis_prefix + "ip:127.0.0.2")) == 6
            ttl = await client.pttl(redis_prefix + "ip:127.0.0.2")
            assert 0 < ttl <= 60_000
        finally:
            await client.aclose()
    finally:
        for r in replicas:
            await r.close()


@needs_redis
async def test_redis_buckets_per_key(db: Database, redis_prefix: str) -> None:
    record, key = await keys.create(db, "redis", "reader")
    limiter = RedisLimiter(REDIS_URL, prefix=redis_prefix)
    app = limited_app(db, anonymous=1, key=2, limiter=limiter)
    try:
        async with client_of(app) as http:
            assert [(await ask(http, key)).status_code for _ in range(2)] == [200, 200]
            assert_rate_limited(await ask(http, key), 2)
            assert (await ask(http)).status_code == 200
        hit = await limiter.hit(f"key:{record.id}")
        assert hit.count == 4 and 0 < hit.reset_s <= 60
    finally:
        await limiter.close()


@needs_redis
async def test_redis_url_setting_selects_the_redis_limiter() -> None:
    settings = replace(load_settings(), redis_url=Secret(REDIS_URL))
    limiter = default_limiter(settings)
    try:
        assert isinstance(limiter, RedisLimiter)
    finally:
        await limiter.close()


async def test_an_unreachable_redis_lets_requests_through(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("redis")
    # Nothing listens on port 1: every count fails, and the API stays up.
    limiter = RedisLimiter("redis://127.0.0.1:1/0")
    app = limited_app(db, anonymous=1, key=1, limiter=limiter)
    try:
        async with client_of(app) as http:
            assert [(await ask(http)).status_code for _ in range(3)] == [200, 200, 200]
    finally:
        await limiter.close()
    warnings = [r for r in caplog.records if r.name == "redress.ratelimit"]
    assert len(warnings) == 3 and "Redis failed" in warnings[0].getMessage()
