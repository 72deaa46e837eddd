"""Test fixtures: a real PostgreSQL (DATABASE_URL, or an embedded one), never a mock.

The shipped data is loaded once into a template database. Read-only tests share a clone of
it; tests that write get a fresh clone each, so every test is isolated from the others.
"""

import asyncio
import dataclasses
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.runtime import tune_garbage_collector
from api.settings import ROOT, load_settings
from db.load import load_shipped
from db.migrate import migrate
from db.pool import Database, connect

# Every query of the suite runs both ways: the compiled path (docs/compiled.md) and the
# resolver path; a difference is an INTERNAL error. Tests of one path set it themselves.
os.environ.setdefault("REDRESS_COMPILED", "verify")


def pytest_sessionstart(session: pytest.Session) -> None:
    """The collector tuned as `redress serve` tunes it (api/runtime.py): the app in the tests
    runs as served."""
    tune_garbage_collector()


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """An admin URL of the PostgreSQL server the tests run against."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    from db.embedded import start_embedded

    with tempfile.TemporaryDirectory(prefix="redress-test-pg-") as folder:
        url, server = start_embedded(Path(folder))
        yield url
        server.cleanup()


async def _create_database(server_url: str, name: str, template: str | None = None) -> str:
    conn = await asyncpg.connect(server_url)
    try:
        clause = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await conn.close()
    return with_database(server_url, name)


async def _drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def template_name(server_url: str) -> AsyncIterator[str]:
    """A migrated database holding the shipped data; cloned, never used directly."""
    name = f"redress_tpl_{uuid.uuid4().hex[:8]}"
    url = await _create_database(server_url, name)
    await migrate(url)
    await load_shipped(url, ROOT / "data")
    yield name
    await _drop_database(server_url, name)


@pytest.fixture(scope="session")
async def seeded_url(server_url: str, template_name: str) -> AsyncIterator[str]:
    """A clone of the template shared by read-only tests."""
    name = f"redress_ro_{uuid.uuid4().hex[:8]}"
    url = await _create_database(server_url, name, template_name)
    yield url
    await _drop_database(server_url, name)


@pytest.fixture
async def fresh_url(server_url: str, template_name: str) -> AsyncIterator[str]:
    """A clone of the template for one test that writes."""
    name = f"redress_rw_{uuid.uuid4().hex[:8]}"
    url = await _create_database(server_url, name, template_name)
    yield url
    await _drop_database(server_url, name)


@pytest.fixture
async def empty_url(server_url: str) -> AsyncIterator[str]:
    """A migrated database with no data, for one test."""
    name = f"redress_empty_{uuid.uuid4().hex[:8]}"
    url = await _create_database(server_url, name)
    await migrate(url)
    yield url
    await _drop_database(server_url, name)


@pytest.fixture(scope="session")
async def database(seeded_url: str) -> AsyncIterator[Database]:
    """A pool on the shared read-only database."""
    db = await connect(seeded_url, max_size=4)
    yield db
    await db.close()


@pytest.fixture(scope="session")
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the API over the shared read-only database (never rate-limited)."""
    settings = dataclasses.replace(
        load_settings(), rate_limit_anonymous=0, rate_limit_key=0, response_cache_mb=0
    )
    # Batching tests nest pages of 100 three deep: a million nodes, over the default limit.
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("REDRESS_MAX_COST", "2000000")
        app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def graphql(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a GraphQL request and return the decoded JSON body."""
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    """The `extensions.code` of each error in a response."""
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def feed_settled(url: str) -> None:
    """Wait until every change in the database at `url` shows in the change feed: an open
    transaction anywhere on the server (another test's) holds the feed back
    (docs/changes.md)."""
    conn = await asyncpg.connect(url)
    try:
        for _ in range(600):
            held = await conn.fetchval(
                "SELECT count(*) FROM changes"
                " WHERE tx >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
            )
            if held == 0:
                return
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise AssertionError("the feed never settled")
