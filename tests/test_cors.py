"""CORS with origins configured: preflights for what clients send, and exposed headers."""

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from api.app import create_app
from api.settings import load_settings
from db.pool import Database

ORIGIN = "https://app.example.org"
ASKED = "x-request-id, authorization, content-type, apollo-require-preflight, if-none-match"


@pytest.fixture
async def cors_client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    settings = dataclasses.replace(load_settings(), cors_origins=(ORIGIN,), rate_limit_anonymous=50)
    app = create_app(settings, database=database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        yield http


def _names(value: str) -> set[str]:
    return {name.strip().lower() for name in value.split(",")}


async def test_a_preflight_for_the_headers_clients_send_is_allowed(cors_client):
    response = await cors_client.options(
        "/graphql",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": ASKED,
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert _names(ASKED) <= _names(response.headers["access-control-allow-headers"])
    assert "POST" in response.headers["access-control-allow-methods"]
    assert response.headers["x-request-id"]


async def test_a_preflight_from_another_origin_is_refused(cors_client):
    response = await cors_client.options(
        "/graphql",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_a_real_request_exposes_etag_request_id_and_rate_limit_headers(cors_client):
    response = await cors_client.get(
        "/graphql",
        params={"query": '{ legislator(bioguideId: "P000617") { name { officialFull } } }'},
        headers={"origin": ORIGIN, "accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["legislator"]["name"]["officialFull"] == "Ayanna Pressley"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = _names(response.headers["access-control-expose-headers"])
    assert {
        "etag",
        "x-request-id",
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    } <= exposed
    for name in ("etag", "x-request-id", "x-ratelimit-remaining"):
        assert response.headers[name], name  # and each is really sent
