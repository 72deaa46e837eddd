"""Rate limits per key and per client IP, counted in memory or in Redis."""

import asyncio
import socket
import time
import types
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from limits.aio.storage import MemoryStorage
from starlette.applications import Starlette
from starlette.datastructures import Secret

import api.ratelimit
from api.app import create_app, default_limiter
from api.ratelimit import REDIS_TIMEOUT_S, Hit, Limiter, MemoryLimiter, RedisLimiter
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


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A clock the test moves, for the `limits` memory storage and for api.ratelimit."""
    import limits.aio.storage.memory

    now = [1_000_000.0]
    fake = types.SimpleNamespace(time=lambda: now[0])
    monkeypatch.setattr(limits.aio.storage.memory, "time", fake)
    monkeypatch.setattr(api.ratelimit, "time", fake)
    return now


async def test_the_memory_window_opens_with_the_first_request_and_resets(
    clock: list[float],
) -> None:
    limiter = MemoryLimiter(window_s=60)
    assert [await limiter.hit("ip:a", 4) for _ in range(3)] == [
        Hit(True, 3, 60),
        Hit(True, 2, 60),
        Hit(True, 1, 60),
    ]
    clock[0] += 20
    assert await limiter.hit("ip:a", 4) == Hit(True, 0, 40)
    assert await limiter.hit("ip:a", 4) == Hit(False, 0, 40)
    assert await limiter.hit("ip:b", 4) == Hit(True, 3, 60)
    clock[0] += 40
    assert await limiter.hit("ip:a", 4) == Hit(True, 3, 60)


async def test_the_same_identity_and_limit_share_a_count() -> None:
    """Authentication counts refused keys against `ip:<address>` and the anonymous limit,
    as the rate limiter does: both draw on one budget."""
    limiter = MemoryLimiter()
    assert (await limiter.hit("ip:a", 3)).remaining == 2
    assert (await limiter.hit("ip:a", 3)).remaining == 1
    assert (await limiter.hit("ip:a", 5)).remaining == 4  # another limit, another count


async def test_expired_memory_windows_are_swept_once_a_window(
    clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The hook SweptMemoryStorage overrides must exist, or the override would do nothing.
    assert hasattr(MemoryStorage, "_MemoryStorage__schedule_expiry")
    sweeps = []
    expire = MemoryStorage._MemoryStorage__expire_events

    async def counted(storage: MemoryStorage) -> None:
        sweeps.append(clock[0])
        await expire(storage)

    monkeypatch.setattr(MemoryStorage, "_MemoryStorage__expire_events", counted)
    limiter = MemoryLimiter(window_s=60)
    for n in range(100):
        await limiter.hit(f"ip:{n}", 10)
        await asyncio.sleep(0)  # let a sweep run, if one was started
    assert len(sweeps) == 1
    clock[0] += 61
    await limiter.hit("ip:c", 10)
    await asyncio.sleep(0)
    assert len(sweeps) == 2
    assert set(limiter.storage.storage) == {limiter.item(10).key_for("ip:c")}


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own in the shared Redis, deleted afterwards."""
    import redis.asyncio

    prefix = f"redress-test:{uuid.uuid4().hex}"
    yield prefix
    client = redis.asyncio.from_url(REDIS_URL)
    try:
        found = [k async for k in client.scan_iter(match=prefix + ":*")]
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
        # The `limits` library's key: prefix, namespace, identity, limit, window.
        key = f"{redis_prefix}:redress/ip:127.0.0.2/4/60/second"
        try:
            assert int(await client.get(key)) == 6
            ttl = await client.pttl(key)
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
        hit = await limiter.hit(f"key:{record.id}", 2)
        assert (hit.allowed, hit.remaining) == (False, 0) and 0 < hit.reset_s <= 60
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


async def test_a_redis_that_does_not_answer_lets_requests_through_in_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pytest.importorskip("redis")

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accept, read, never answer
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    limiter = RedisLimiter(f"redis://127.0.0.1:{port}/0")
    try:
        started = time.monotonic()
        hit = await limiter.hit("ip:a", 5)
        took = time.monotonic() - started
    finally:
        await limiter.close()
        server.close()
    assert hit == Hit(True, 5, 60)
    assert took < REDIS_TIMEOUT_S + 0.25
    (warning,) = [r for r in caplog.records if r.name == "redress.ratelimit"]
    assert "Redis failed" in warning.getMessage()
