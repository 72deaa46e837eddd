"""Every response carries one `X-Request-Id`, refusals and failures included."""

import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.graphql import GraphQLEndpoint
from api.settings import load_settings
from db.pool import Database

QUERY = {"query": "{ __typename }"}
GENERATED = re.compile(r"[0-9a-f]{32}")


def _client(database: Database, **settings: Any) -> httpx.AsyncClient:
    base = dataclasses.replace(load_settings(), **settings)
    app = create_app(base, database=database)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def make(database: Database) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    opened: list[httpx.AsyncClient] = []

    def factory(**settings: Any) -> httpx.AsyncClient:
        opened.append(_client(database, **settings))
        return opened[-1]

    yield factory
    for http in opened:
        await http.aclose()


def _one_id(response: httpx.Response) -> str:
    ids = response.headers.get_list("x-request-id")
    assert len(ids) == 1, (response.status_code, ids)
    return ids[0]


async def test_a_plain_client_id_is_kept_and_a_new_one_made_otherwise(make):
    http = make()
    kept = await http.post("/graphql", json=QUERY, headers={"x-request-id": "trace-42.a:b"})
    assert _one_id(kept) == "trace-42.a:b"
    for bad in ("has space", "x" * 65, "ünïcode".encode(), "a;b"):
        response = await http.post("/graphql", json=QUERY, headers={"x-request-id": bad})
        assert GENERATED.fullmatch(_one_id(response)), bad
    first = await http.post("/graphql", json=QUERY)
    second = await http.post("/graphql", json=QUERY)
    assert _one_id(first) != _one_id(second)


async def test_refusals_carry_the_id(make):
    cases = [
        (make(), "post", "/graphql", {"headers": {"authorization": "Bearer nope"}}, 401),
        (make(), "get", "/no/such/path", {}, 404),
        (make(), "delete", "/graphql", {}, 405),
        (make(max_body_bytes=10), "post", "/graphql", {"json": QUERY}, 413),
        (make(request_timeout_s=1e-9), "post", "/graphql", {"json": QUERY}, 503),
    ]
    for http, method, path, options, status in cases:
        response = await http.request(method.upper(), path, **options)
        assert response.status_code == status, (path, response.text)
        rid = _one_id(response)
        assert GENERATED.fullmatch(rid)
        assert response.json()["errors"][0]["extensions"]["code"]


async def test_rate_limit_refusals_carry_the_id(make):
    http = make(rate_limit_anonymous=1)
    assert (await http.post("/graphql", json=QUERY)).status_code == 200
    refused = await http.post("/graphql", json=QUERY, headers={"x-request-id": "mine-429"})
    assert refused.status_code == 429
    assert _one_id(refused) == "mine-429"


async def test_an_unexpected_error_is_json_500_with_the_id_in_body_and_header(
    make, monkeypatch, caplog
):
    async def broken(self, request):
        raise RuntimeError("boom: a bug")

    monkeypatch.setattr(GraphQLEndpoint, "_respond", broken)
    http = make()
    response = await http.post("/graphql", json=QUERY, headers={"x-request-id": "bug-1"})
    assert response.status_code == 500
    assert _one_id(response) == "bug-1"
    error = response.json()["errors"][0]
    assert error == {
        "message": "Internal server error.",
        "extensions": {"code": "INTERNAL", "requestId": "bug-1"},
    }
    assert "boom" not in response.text
    assert "boom: a bug" in caplog.text  # the cause is logged, not sent
