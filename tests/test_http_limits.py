"""Limits on the request: body size, total time, CORS, and the production switches."""

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import anyio
import httpx
import pytest
from asgi_correlation_id import CorrelationIdMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.auth import Authentication
from api.http_limits import BodySizeLimit, RequestTimeout
from api.ratelimit import RateLimit
from api.settings import load_settings, origins
from db.pool import Database
from tests.conftest import error_codes

QUERY = '{ legislator(bioguideId: "P000617") { name { last } } }'
ALLOWED = "https://newsroom.example.org"
REFUSED = "https://elsewhere.example.com"


def client_of(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def api(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The API with its default settings."""
    async with client_of(create_app(load_settings(), database=database)) as http:
        yield http


def five_mb_query() -> bytes:
    """A syntactically fine 5 MB query: one field after 5 MB of comment."""
    return json.dumps({"query": "#" + "x" * (5 * 1024 * 1024) + "\n{ __typename }"}).encode()


def assert_too_large(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "maxBytes": limit}


async def test_the_default_limit_is_one_megabyte() -> None:
    assert load_settings().max_body_bytes == 1_048_576


async def test_a_5_mb_query_gets_413(api: httpx.AsyncClient) -> None:
    body = five_mb_query()
    response = await api.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert_too_large(response, 1_048_576)
    # The server keeps answering.
    ok = await api.post("/graphql", json={"query": QUERY})
    assert ok.status_code == 200 and ok.json()["data"]["legislator"]["name"]["last"] == "Pressley"


async def test_a_streamed_body_is_cut_off_at_the_limit(api: httpx.AsyncClient) -> None:
    body = five_mb_query()
    chunk = 64 * 1024
    sent = []

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(body), chunk):
            sent.append(start)
            yield body[start : start + chunk]

    # No Content-Length: the limit is enforced while the body arrives, chunk by chunk.
    response = await api.post(
        "/graphql", content=stream(), headers={"Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_too_large(response, 1_048_576)
    # Reading stopped at the first chunk past 1 MB: 17 of the 81 chunks.
    assert len(sent) == 1_048_576 // chunk + 1


async def test_a_body_under_the_limit_is_served(database: Database) -> None:
    payload = json.dumps({"query": QUERY}).encode()
    settings = replace(load_settings(), max_body_bytes=len(payload))
    async with client_of(create_app(settings, database=database)) as http:
        exact = await http.post(
            "/graphql", content=payload, headers={"Content-Type": "application/json"}
        )
        assert exact.status_code == 200
        over = await http.post(
            "/graphql", content=payload + b" ", headers={"Content-Type": "application/json"}
        )
        assert_too_large(over, len(payload))


async def test_a_request_that_runs_too_long_gets_an_error_not_a_hang() -> None:
    never = anyio.Event()

    async def hangs(scope: Scope, receive: Receive, send: Send) -> None:
        await never.wait()

    async with client_of(RequestTimeout(hangs, seconds=0.05)) as http:
        response = await http.post("/graphql", json={"query": QUERY})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    (error,) = response.json()["errors"]
    extensions = {k: v for k, v in error["extensions"].items() if k != "requestId"}
    assert extensions == {"code": "TIMEOUT", "timeoutSeconds": 0.05, "retryAfter": 2}


async def test_a_stream_under_a_streaming_path_outlives_the_deadline_once_started() -> None:
    async def slow_stream(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(5):
            await anyio.sleep(0.05)
            await send({"type": "http.response.body", "body": b"line\n", "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    app = RequestTimeout(slow_stream, seconds=0.1, streaming=("/export/",))
    async with client_of(app) as http:
        response = await http.get("/export/vote-positions.ndjson")
        assert response.status_code == 200
        assert response.text == "line\n" * 5
        # Anywhere else the deadline still ends the request, even after it started.
        with pytest.raises(RuntimeError, match="after its response had started"):
            await http.get("/graphql")


async def test_a_stream_whose_client_stops_reading_is_cut_off_and_cleaned_up() -> None:
    released = anyio.Event()
    never = anyio.Event()

    async def endless_stream(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            while True:
                await send({"type": "http.response.body", "body": b"x" * 1024, "more_body": True})
        finally:
            released.set()  # what the export's snapshot does: let go of its connection

    sent: list[Message] = []

    async def client_that_stops_reading(message: Message) -> None:
        if len(sent) == 3:
            await never.wait()  # the socket's buffers are full: this send never completes
        sent.append(message)

    async def nothing() -> Message:
        await never.wait()
        return {"type": "http.disconnect"}

    app = RequestTimeout(endless_stream, seconds=30, streaming=("/export/",), stall_s=0.05)
    scope = {"type": "http", "path": "/export/vote-positions.ndjson", "headers": []}
    with anyio.fail_after(10):  # never a hang
        await app(scope, nothing, client_that_stops_reading)
    assert released.is_set()
    assert len(sent) == 3


async def test_a_client_that_stalls_mid_body_gets_a_timeout(database: Database) -> None:
    never = anyio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename'
        await never.wait()

    settings = replace(load_settings(), request_timeout_s=0.2)
    async with client_of(create_app(settings, database=database)) as http:
        response = await http.post(
            "/graphql", content=stalls(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 503
        assert error_codes(response.json()) == ["TIMEOUT"]
        assert (await http.post("/graphql", json={"query": QUERY})).status_code == 200


def test_the_pipeline_order(database: Database) -> None:
    plain = create_app(load_settings(), database=database)
    order = [m.cls for m in plain.user_middleware]
    assert order[0] is CorrelationIdMiddleware  # outermost: every answer gets its request id
    assert order[-4:] == [RequestTimeout, Authentication, RateLimit, BodySizeLimit]
    with_cors = create_app(replace(load_settings(), cors_origins=(ALLOWED,)), database=database)
    cors_order = [m.cls for m in with_cors.user_middleware]
    assert cors_order[0] is CorrelationIdMiddleware
    assert cors_order[-5] is CORSMiddleware  # outside the limits: preflights are not refused


async def test_a_request_within_the_timeout_is_untouched(database: Database) -> None:
    settings = load_settings()
    assert settings.request_timeout_s == 30.0
    async with client_of(create_app(settings, database=database)) as http:
        response = await http.post("/graphql", json={"query": QUERY})
    assert response.status_code == 200


@pytest.fixture
async def cors(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The API allowing one origin."""
    settings = replace(load_settings(), cors_origins=(ALLOWED,))
    async with client_of(create_app(settings, database=database)) as http:
        yield http


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_cors_allows_a_listed_origin(cors: httpx.AsyncClient) -> None:
    response = await cors.options("/graphql", headers=preflight(ALLOWED))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers

    actual = await cors.post("/graphql", json={"query": QUERY}, headers={"Origin": ALLOWED})
    assert actual.status_code == 200
    assert actual.headers["access-control-allow-origin"] == ALLOWED
    assert "Retry-After" in actual.headers["access-control-expose-headers"]


async def test_cors_refuses_an_unlisted_origin(cors: httpx.AsyncClient) -> None:
    response = await cors.options("/graphql", headers=preflight(REFUSED))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    actual = await cors.post("/graphql", json={"query": QUERY}, headers={"Origin": REFUSED})
    assert "access-control-allow-origin" not in actual.headers


async def test_cors_is_off_by_default(api: httpx.AsyncClient) -> None:
    assert load_settings().cors_origins == ()
    response = await api.post("/graphql", json={"query": QUERY}, headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    refused = await api.options("/graphql", headers=preflight(ALLOWED))
    assert "access-control-allow-origin" not in refused.headers


async def test_refusals_carry_cors_headers_for_allowed_origins(database: Database) -> None:
    settings = replace(load_settings(), cors_origins=(ALLOWED,), rate_limit_anonymous=1)
    async with client_of(create_app(settings, database=database)) as http:
        await http.post("/graphql", json={"query": QUERY}, headers={"Origin": ALLOWED})
        limited = await http.post("/graphql", json={"query": QUERY}, headers={"Origin": ALLOWED})
    assert limited.status_code == 429
    assert limited.headers["access-control-allow-origin"] == ALLOWED


def test_cors_origins_are_read_as_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    assert origins(" https://a.example , https://b.example/ ,, ") == (
        "https://a.example",
        "https://b.example",
    )
    monkeypatch.setenv("REDRESS_CORS_ORIGINS", f"{ALLOWED},http://localhost:3000")
    assert load_settings().cors_origins == (ALLOWED, "http://localhost:3000")


def test_limit_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDRESS_RATE_LIMIT_ANONYMOUS", "30")
    monkeypatch.setenv("REDRESS_RATE_LIMIT_KEY", "300")
    monkeypatch.setenv("REDRESS_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("REDRESS_REQUEST_TIMEOUT_S", "2.5")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/1")
    settings = load_settings()
    assert (settings.rate_limit_anonymous, settings.rate_limit_key) == (30, 300)
    assert (settings.max_body_bytes, settings.request_timeout_s) == (2048, 2.5)
    assert str(settings.redis_url) == "redis://127.0.0.1:6379/1"
    assert "6379" not in repr(settings.redis_url)


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_production_turns_graphiql_and_introspection_off(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDRESS_ENV", "production")
    monkeypatch.delenv("REDRESS_GRAPHIQL", raising=False)
    monkeypatch.delenv("REDRESS_INTROSPECTION", raising=False)
    settings = load_settings()
    assert (settings.graphiql, settings.introspection) == (False, False)
    async with client_of(create_app(settings, database=database)) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert "graphiql" not in page.text.lower()
        assert not page.headers.get("content-type", "").startswith("text/html")

        response = await http.post("/graphql", json={"query": INTROSPECTION})
        body: dict[str, Any] = response.json()
        assert body.get("data") is None
        assert "introspection" in body["errors"][0]["message"].lower()
        assert error_codes(body)[0] == "BAD_USER_INPUT"
        # Ordinary queries still run.
        ok = await http.post("/graphql", json={"query": QUERY})
        assert ok.json()["data"]["legislator"]["name"]["last"] == "Pressley"


async def test_development_serves_graphiql_and_introspection(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDRESS_ENV", raising=False)
    monkeypatch.delenv("REDRESS_GRAPHIQL", raising=False)
    monkeypatch.delenv("REDRESS_INTROSPECTION", raising=False)
    settings = load_settings()
    assert (settings.graphiql, settings.introspection) == (True, True)
    async with client_of(create_app(settings, database=database)) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        response = await http.post("/graphql", json={"query": INTROSPECTION})
        assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}
