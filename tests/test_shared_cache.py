"""Caches shared by replicas through Redis (api/shared_cache.py): two API processes' apps on
one database share persisted queries and answers, never an answer of an older data version,
and go on without Redis when it fails."""

import dataclasses
import hashlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.datastructures import Secret

from api.app import create_app
from api.settings import load_settings
from db.pool import Database, connect
from tests.conftest import graphql
from tests.test_ratelimit import REDIS_URL, needs_redis

QUERY = '{ legislator(bioguideId: "P000617") { name { last } } }'


@pytest.fixture
async def db(fresh_url: str) -> AsyncIterator[Database]:
    database = await connect(fresh_url, max_size=4)
    yield database
    await database.close()


def _replica(database: Database, redis_url: str, prefix: str) -> httpx.AsyncClient:
    """One API process's app: its own memory caches, Redis shared under `prefix`."""
    settings = dataclasses.replace(
        load_settings(),
        redis_url=Secret(redis_url),
        rate_limit_anonymous=0,
        rate_limit_key=0,
        response_cache_mb=8,
        cache_prefix=prefix,
    )
    app = create_app(settings, database=database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://replica")


def _cache(client: httpx.AsyncClient):
    app = client._transport.app  # type: ignore[attr-defined]
    return next(r.endpoint.cache for r in app.routes if getattr(r, "path", "") == "/graphql")


@needs_redis
async def test_a_persisted_query_registered_on_one_replica_runs_on_another(db):
    prefix = f"redress-test-{uuid.uuid4().hex}"
    digest = hashlib.sha256(QUERY.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async with _replica(db, REDIS_URL, prefix) as one, _replica(db, REDIS_URL, prefix) as two:
        registered = await one.post("/graphql", json={"query": QUERY, "extensions": persisted})
        assert registered.json()["data"]["legislator"]["name"]["last"] == "Pressley"
        by_hash = await two.post("/graphql", json={"extensions": persisted})
        assert by_hash.json()["data"] == registered.json()["data"]


@needs_redis
async def test_an_answer_computed_on_one_replica_is_served_by_another(db):
    prefix = f"redress-test-{uuid.uuid4().hex}"
    async with _replica(db, REDIS_URL, prefix) as one, _replica(db, REDIS_URL, prefix) as two:
        first = await graphql(one, QUERY)
        assert _cache(one).hits == 0
        second = await graphql(two, QUERY)
        assert second == first
        assert _cache(two).hits == 1  # not in its memory: from Redis
        # A write moves the data version: no replica serves the old answer.
        await db.execute(
            "UPDATE legislators SET last_name = 'Pressley-Test' WHERE bioguide_id = 'P000617'"
        )
        for replica in (one, two):
            body = await graphql(replica, QUERY)
            assert body["data"]["legislator"]["name"]["last"] == "Pressley-Test"


async def test_without_redis_each_replica_answers_alone(db):
    # A port where nothing listens: every shared read and write fails fast, and is a miss.
    async with _replica(db, "redis://127.0.0.1:9/0", "unused") as one:
        for _ in range(2):
            body = await graphql(one, QUERY)
            assert body["data"]["legislator"]["name"]["last"] == "Pressley"
        assert _cache(one).hits == 1  # the second, from its own memory
        digest = hashlib.sha256(QUERY.encode()).hexdigest()
        persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        missing = await one.post("/graphql", json={"extensions": persisted})
        assert missing.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
