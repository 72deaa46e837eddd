"""Authentication: `Authorization: Bearer <key>` becomes the request's Principal."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.app import create_app
from api.auth import Authentication
from api.graphql import GraphQLEndpoint
from api.settings import load_settings
from db import keys
from db.pool import Database, connect
from schema.permissions import ANONYMOUS, Principal, Role
from schema.root import build_schema

QUERY = '{ legislator(bioguideId: "P000617") { name { last } } }'


@pytest.fixture
async def db(fresh_url: str) -> AsyncIterator[Database]:
    """A pool on a database of its own: these tests write keys."""
    database = await connect(fresh_url, max_size=2)
    yield database
    await database.close()


@pytest.fixture
async def api(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The whole API, with the default settings."""
    app = create_app(load_settings(), database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture
async def probe(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The authentication middleware before a route that shows the Principal it set."""

    async def whoami(request: Request) -> JSONResponse:
        p: Principal = request.state.principal
        return JSONResponse(
            {"role": p.role.name, "key_id": p.key_id, "key_name": p.key_name, "client": p.client}
        )

    app = Starlette(
        routes=[Route("/whoami", whoami)],
        middleware=[Middleware(Authentication, database=lambda: db)],
    )
    transport = httpx.ASGITransport(app=app, client=("127.0.0.9", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body: dict[str, Any] = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert "data" not in body


@pytest.mark.parametrize(
    ("role", "expected"),
    [("reader", "READER"), ("editor", "EDITOR"), ("admin", "ADMIN")],
)
async def test_each_role_becomes_its_principal(
    db: Database, probe: httpx.AsyncClient, api: httpx.AsyncClient, role: str, expected: str
) -> None:
    record, key = await keys.create(db, f"{role} key", role)
    response = await probe.get("/whoami", headers=bearer(key))
    assert response.status_code == 200
    assert response.json() == {
        "role": expected,
        "key_id": record.id,
        "key_name": f"{role} key",
        "client": "127.0.0.9",
    }
    # A key also reads through the whole API.
    read = await api.post("/graphql", json={"query": QUERY}, headers=bearer(key))
    assert read.status_code == 200
    assert read.json()["data"] == {"legislator": {"name": {"last": "Pressley"}}}


async def test_no_header_is_anonymous_and_may_read(
    probe: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    response = await probe.get("/whoami")
    assert response.json() == {
        "role": "ANONYMOUS",
        "key_id": None,
        "key_name": None,
        "client": "127.0.0.9",
    }
    read = await api.post("/graphql", json={"query": QUERY})
    assert read.status_code == 200
    assert read.json()["data"] == {"legislator": {"name": {"last": "Pressley"}}}


async def test_a_revoked_key_fails_on_the_very_next_request(
    db: Database, api: httpx.AsyncClient
) -> None:
    record, key = await keys.create(db, "soon gone", "editor")
    ok = await api.post("/graphql", json={"query": QUERY}, headers=bearer(key))
    assert ok.status_code == 200
    assert await keys.revoke(db, record.id) is not None
    assert_unauthenticated(await api.post("/graphql", json={"query": QUERY}, headers=bearer(key)))
    assert_unauthenticated(await api.get("/graphql", params={"query": QUERY}, headers=bearer(key)))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer not-a-key",
        "Basic dXNlcjpwYXNz",
        "rdr_" + "A" * 43,
        "Bearer rdr_" + "A" * 42,
        "Bearer rdr_" + "A" * 43 + " extra",
        "Bearer rdr_' OR 1=1 --" + "A" * 28,
        "",
    ],
)
async def test_a_malformed_header_is_401(api: httpx.AsyncClient, header: str) -> None:
    response = await api.post("/graphql", json={"query": QUERY}, headers={"Authorization": header})
    assert_unauthenticated(response)


async def test_an_unknown_well_formed_key_is_401(api: httpx.AsyncClient) -> None:
    assert_unauthenticated(
        await api.post("/graphql", json={"query": QUERY}, headers=bearer(keys.generate()))
    )


async def test_the_scheme_is_case_insensitive_and_two_headers_are_refused(
    db: Database, probe: httpx.AsyncClient
) -> None:
    _record, key = await keys.create(db, "case", "reader")
    response = await probe.get("/whoami", headers={"Authorization": f"bearer {key}"})
    assert response.json()["role"] == "READER"
    twice = httpx.Headers([("Authorization", f"Bearer {key}"), ("Authorization", f"Bearer {key}")])
    assert_unauthenticated(await probe.get("/whoami", headers=twice))


async def test_the_401_never_echoes_the_key(api: httpx.AsyncClient) -> None:
    key = keys.generate()
    response = await api.post("/graphql", json={"query": QUERY}, headers=bearer(key))
    assert_unauthenticated(response)
    assert key not in response.text and key[4:20] not in response.text


async def test_get_context_carries_the_principal(db: Database) -> None:
    endpoint = GraphQLEndpoint(build_schema(), graphiql=False)
    endpoint.database = db
    principal = Principal(role=Role.EDITOR, key_id=7, key_name="desk", client="127.0.0.1")
    scope = {"type": "http", "method": "POST", "headers": [], "state": {"principal": principal}}
    context = await endpoint.get_context(Request(scope), Response())
    assert context.principal is principal
    bare = await endpoint.get_context(Request({"type": "http", "headers": []}), Response())
    assert bare.principal == ANONYMOUS
