"""Helpers for the write-path tests: the real app over a fresh clone of the shipped data,
with one real API key per role, sent as `Authorization: Bearer <key>`.

The shipped curated file (data/curated/qualified-immunity-ice.yaml) is what the tests edit:
topic `qualified-immunity-ice` with bills hr1470-117, s492-117 and hr1280-117; four
statements (Stephen Miller, Sen. Ed Markey M000133, the National Lawyers Guild, Reuters)
each citing the article "How Democrats Can End Qualified Immunity for ICE Agents"; and the
Renee Good incident with three sources.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from api.app import create_app
from api.settings import load_settings
from db import keys
from db.pool import Database, connect

ARTICLE = "How Democrats Can End Qualified Immunity for ICE Agents"
GUARDIAN = "https://www.theguardian.com/us-news/2026/jan/28/deaths-ice-2026-"
TOPIC = "qualified-immunity-ice"
MILLER_KEY = "qualified-immunity-ice:stephen-miller:federal-immunity"
MARKEY_KEY = "qualified-immunity-ice:markey:power-to-end-this"
GOOD_KEY = "ice-deaths:2026-01-07:good-renee-nicole"

ROLES = ("reader", "editor", "admin")


@dataclass
class Api:
    """The app over one database, and a key (and its id) for each role."""

    http: httpx.AsyncClient
    db: Database
    keys: dict[str, str]
    key_ids: dict[str, int]

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: str | None = "editor",
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST an operation as the key of role `as_` (None: anonymously); the JSON body."""
        headers = dict(headers or {})
        if as_:
            headers["Authorization"] = f"Bearer {self.keys[as_]}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code in (200, 400), response.text
        body: dict[str, Any] = response.json()
        return body

    async def ok(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = "editor"
    ) -> dict[str, Any]:
        """Like `post`, asserting there were no errors; the `data`."""
        body = await self.post(query, variables, as_=as_)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def id_of(self, field: str, argument: str, value: str) -> str:
        """The global id of a record found by a root lookup, e.g. ("topic", "slug", ...)."""
        data = await self.ok(
            f"query($v: String!) {{ {field}({argument}: $v) {{ id }} }}", {"v": value}
        )
        return str(data[field]["id"])

    async def node(self, global_id: str, fields: str = "id") -> dict[str, Any]:
        """`node(id:)` with `fields` on every editable type; the whole response body."""
        spread = " ".join(
            f"... on {t} {{ {fields} }}"
            for t in ("Statement", "Incident", "Person", "Organization", "Source", "Topic")
        )
        return await self.post(
            f"query($id: ID!) {{ node(id: $id) {{ {spread} }} }}", {"id": global_id}, as_=None
        )


@asynccontextmanager
async def editing_api(url: str) -> AsyncIterator[Api]:
    """The app over the database at `url`, with a reader, an editor and an admin key."""
    db = await connect(url, max_size=4)
    try:
        created = {role: await keys.create(db, f"test {role}", role) for role in ROLES}
        app = create_app(load_settings(), database=db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield Api(
                http,
                db,
                {role: secret for role, (_, secret) in created.items()},
                {role: key.id for role, (key, _) in created.items()},
            )
    finally:
        await db.close()


def errors_of(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(code, field) of each error in a response."""
    return [(e["extensions"]["code"], e["extensions"].get("field")) for e in body.get("errors", [])]
