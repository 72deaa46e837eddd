"""Health checks: `/livez` without the database, `/readyz` (and its alias `/healthz`) with
it; none of them is rate-limited nor reads API keys. Outages are in test_outage.py."""

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from api.settings import load_settings
from db.pool import Database, log_statements


@pytest.fixture
async def limited(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The API allowing two anonymous requests a minute."""
    settings = dataclasses.replace(load_settings(), rate_limit_anonymous=2)
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_livez_answers_without_the_database() -> None:
    app = create_app(load_settings(), url="postgresql://nobody@127.0.0.1:1/none")
    transport = httpx.ASGITransport(app=app)  # no lifespan: the pool is never opened
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        live = await http.get("/livez")
        ready = await http.get("/readyz")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert ready.status_code == 503 and ready.headers["retry-after"]


async def test_readyz_checks_the_database_and_migrations(limited: httpx.AsyncClient) -> None:
    async with log_statements() as log:
        ready = await limited.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "pendingMigrations": []}
    assert log.count == 1
    assert (await limited.get("/healthz")).json() == ready.json()


async def test_health_checks_are_never_rate_limited(limited: httpx.AsyncClient) -> None:
    for _ in range(5):
        for path in ("/livez", "/readyz", "/healthz"):
            response = await limited.get(path, headers={"Authorization": "Bearer nope"})
            assert response.status_code == 200, (path, response.text)
            assert "x-ratelimit-limit" not in response.headers
    graphql = [await limited.get("/graphql?query={__typename}") for _ in range(3)]
    assert [r.status_code for r in graphql] == [200, 200, 429]
