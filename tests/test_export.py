"""Bulk export over HTTP (docs/export.md): the API's ids and field names, live rows only, one
snapshot whose feed cursor leaves no gap, gzip, RFC 4180 CSV, a manifest whose checksums match
the files, and JSON errors."""

import asyncio
import base64
import csv
import dataclasses
import gzip
import hashlib
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.export import enum_names
from api.settings import load_settings
from db.changes import FEED, prune
from db.export import EXPORTS, Export, plan
from db.pool import connect
from schema.root import schema
from tests.conftest import graphql

PLANS = {name: plan(name, enum_names(schema._schema)) for name in EXPORTS}
NODE_TYPES = [name for name, export in PLANS.items() if export.parent is None]
CHILD_LISTS = [name for name, export in PLANS.items() if export.parent is not None]


@asynccontextmanager
async def api(url: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app over a pool to `url`, rate limits off unless `settings` say otherwise."""
    database = await connect(url, max_size=4)
    chosen = {"rate_limit_anonymous": 0, "rate_limit_key": 0, "response_cache_mb": 0, **settings}
    app = create_app(dataclasses.replace(load_settings(), **chosen), database=database)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as http:
            yield http
    finally:
        await database.close()


async def download(http: httpx.AsyncClient, path: str) -> httpx.Response:
    """GET an export without compression, asserting it succeeded."""
    response = await http.get(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200, response.text
    assert "content-encoding" not in response.headers
    return response


def records(response: httpx.Response) -> list[dict[str, Any]]:
    """The records of an NDJSON body: one JSON object a line, each line ended by `\\n`."""
    assert response.text.endswith("\n") or response.text == ""
    return [json.loads(line) for line in response.text.splitlines()]


def selection(export: Export, type_fields: dict[str, Any]) -> str:
    """The GraphQL selection of an export's fields that the type has."""
    parts = []
    for f in export.fields:
        if f.name not in type_fields:
            continue
        if f.kind == "object":
            parts.append(f"{f.name} {{ {' '.join(export.entity.columns[f.name].fields)} }}")
        elif f.kind in ("ref", "parent"):
            parts.append(f"{f.name} {{ ... on Node {{ id }} }}")
        else:
            parts.append(f.name)
    return " ".join(parts)


def as_exported(export: Export, answer: dict[str, Any]) -> dict[str, Any]:
    """An API answer with each related object written as its id, as the export writes it."""
    refs = {f.name for f in export.fields if f.kind in ("ref", "parent")}
    return {k: (v["id"] if v is not None else None) if k in refs else v for k, v in answer.items()}


def sample(rows: list[Any]) -> list[Any]:
    """A few rows spread over the list: first, second, thirds, middle, last."""
    n = len(rows)
    return [rows[i] for i in sorted({0, min(1, n - 1), n // 3, n // 2, 2 * n // 3, n - 1})]


async def test_the_manifest_lists_every_entity_in_both_formats(client):
    manifest = (await client.get("/export/manifest.json")).json()
    assert [(f["entity"], f["format"]) for f in manifest["files"]] == [
        (name, fmt) for name in EXPORTS for fmt in ("ndjson", "csv")
    ]
    assert set(NODE_TYPES) == {
        "legislators",
        "committees",
        "bills",
        "votes",
        "statements",
        "incidents",
        "people",
        "organizations",
        "sources",
        "topics",
    }
    assert {"vote-positions", "cosponsorships", "terms"} <= set(CHILD_LISTS)


@pytest.mark.parametrize("name", NODE_TYPES)
async def test_node_records_equal_what_the_api_answers_by_id(client, name):
    export = PLANS[name]
    type_name = export.entity.type_name
    exported = records(await download(client, f"/export/{name}.ndjson"))
    assert exported, f"the shipped data holds {name}"
    fields = schema._schema.get_type(type_name).fields
    wanted = selection(export, fields)
    query = f"query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {wanted} }} }} }}"
    for record in sample(exported):
        assert list(record) == export.names  # every field, in the declared order
        body = await graphql(client, query, {"id": record["id"]})
        assert "errors" not in body, body
        assert as_exported(export, body["data"]["node"]) == record


@pytest.mark.parametrize("name", CHILD_LISTS)
async def test_child_records_equal_the_api_list_of_their_parent(client, name):
    export = PLANS[name]
    parent = export.parent
    assert parent is not None
    exported = records(await download(client, f"/export/{name}.ndjson"))
    assert exported, f"the shipped data holds {name}"
    fields = schema._schema.get_type(export.entity.type_name).fields
    query = f"""query($id: ID!, $after: String) {{ node(id: $id) {{
      ... on {parent.entity.type_name} {{ {parent.connection}(first: 100, after: $after) {{
        pageInfo {{ hasNextPage endCursor }} nodes {{ {selection(export, fields)} }} }} }} }} }}"""
    for parent_id in {exported[0][parent.field], exported[-1][parent.field]}:
        answered, after = [], None
        while True:
            body = await graphql(client, query, {"id": parent_id, "after": after})
            assert "errors" not in body, body
            page = body["data"]["node"][parent.connection]
            answered += [
                {**as_exported(export, node), parent.field: parent_id} for node in page["nodes"]
            ]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        mine = [r for r in exported if r[parent.field] == parent_id]
        assert all(list(r) == export.names for r in mine)
        assert sorted(map(json.dumps, answered)) == sorted(map(json.dumps, mine))


async def test_counts_equal_the_live_rows(client, database):
    for name, export in PLANS.items():
        response = await download(client, f"/export/{name}.ndjson")
        table, alias = export.entity.table, export.entity.alias
        deletable = await database.fetchval(
            "SELECT count(*) > 0 FROM information_schema.columns"
            " WHERE table_name = $1 AND column_name = 'deleted_at'",
            table,
        )
        live = f" WHERE {alias}.deleted_at IS NULL" if deletable else ""
        expected = await database.fetchval(f"SELECT count(*) FROM {table} {alias}{live}")
        assert len(records(response)) == int(response.headers["X-Redress-Records"]) == expected


def cell(value: Any) -> str:
    """A JSON value as docs/export.md says a CSV cell holds it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


@pytest.mark.parametrize("name", ["legislators", "bills", "statements", "incidents", "terms"])
async def test_csv_parses_and_holds_the_same_records_as_ndjson(client, name):
    export = PLANS[name]
    as_csv = await download(client, f"/export/{name}.csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.endswith(b"\r\n")  # RFC 4180: CRLF after every record
    header, *rows = list(csv.reader(io.StringIO(as_csv.text, newline="")))
    assert header == export.names
    exported = records(await download(client, f"/export/{name}.ndjson"))
    assert len(rows) == len(exported)
    for row, record in zip(rows, exported, strict=True):
        for f, text in zip(export.fields, row, strict=True):
            value = record[f.name]
            if f.kind in ("object", "array") and value is not None:
                assert json.loads(text) == value
            else:
                assert text == cell(value)


async def test_gzip_when_accepted_and_never_otherwise(client):
    plain = await download(client, "/export/committees.ndjson")
    async with client.stream(
        "GET", "/export/committees.ndjson", headers={"Accept-Encoding": "br, gzip;q=0.5"}
    ) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(raw) == plain.content
    assert len(raw) < len(plain.content)
    head = await client.head("/export/committees.ndjson", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200
    assert head.headers["X-Redress-Records"] == plain.headers["X-Redress-Records"]
    assert head.content == b""
    refused = await client.get("/export/committees.csv", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    assert refused.headers["vary"] == "Accept-Encoding"


async def test_manifest_checksums_match_the_files_at_the_same_data_version(client):
    manifest_response = await client.get("/export/manifest.json")
    assert manifest_response.status_code == 200
    manifest = manifest_response.json()
    assert manifest_response.headers["Cache-Control"] == "no-store"
    version = manifest["dataVersion"]
    assert manifest_response.headers["X-Redress-Data-Version"] == str(version)
    assert manifest["changesCursor"] == manifest_response.headers["X-Redress-Changes-Cursor"]
    for entry in manifest["files"]:
        response = await download(client, f"/export/{entry['path']}")
        assert response.headers["X-Redress-Data-Version"] == str(version)
        assert response.headers["Cache-Control"] == "no-store"
        assert hashlib.sha256(response.content).hexdigest() == entry["sha256"], entry["path"]
        assert len(response.content) == entry["bytes"]
        lines = response.content.count(b"\n") if entry["format"] == "ndjson" else None
        assert entry["records"] == int(response.headers["X-Redress-Records"])
        assert lines in (None, entry["records"])
    again = await client.get("/export/manifest.json")
    assert again.content == manifest_response.content  # computed once per data version


async def test_unknown_exports_are_404_json(client):
    for path in ("/export/senators.ndjson", "/export/bills.xml", "/export/bills"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_soft_deleted_record_is_left_out(fresh_url):
    async with api(fresh_url) as http:
        before = records(await download(http, "/export/statements.ndjson"))
        manifest = (await http.get("/export/manifest.json")).json()
        conn = await asyncpg.connect(fresh_url)
        try:
            await conn.execute(
                "UPDATE statements SET deleted_at = now(), deleted_reason = 'test' WHERE id ="
                " (SELECT min(id) FROM statements)"
            )
        finally:
            await conn.close()
        response = await download(http, "/export/statements.ndjson")
        after = records(response)
        assert [r["id"] for r in after] == [r["id"] for r in before[1:]]
        assert int(response.headers["X-Redress-Data-Version"]) > manifest["dataVersion"]
        fresh = (await http.get("/export/manifest.json")).json()
        counts = {f["path"]: f["records"] for f in fresh["files"]}
        assert counts["statements.ndjson"] == counts["statements.csv"] == len(before) - 1


async def _feed_after(http: httpx.AsyncClient, cursor: str, wanted: set[str]) -> list[str]:
    """The node ids of the feed after `cursor`, once every id of `wanted` shows: an open
    transaction anywhere on the server holds the feed back (docs/changes.md)."""
    query = """query($after: String) { changes(after: $after, first: 100) {
      edges { node { nodeId } } pageInfo { hasNextPage } } }"""
    for _ in range(600):
        body = await graphql(http, query, {"after": cursor})
        assert "errors" not in body, body
        seen = [edge["node"]["nodeId"] for edge in body["data"]["changes"]["edges"]]
        if wanted <= set(seen):
            return seen
        await asyncio.sleep(0.1)
    return seen


async def test_following_the_feed_from_the_export_cursor_leaves_no_gap(fresh_url):
    async with api(fresh_url) as http:
        bills = records(await download(http, "/export/bills.ndjson"))
        a, b, c = (bill["id"] for bill in bills[:3])
        writer, holder = await asyncpg.connect(fresh_url), await asyncpg.connect(fresh_url)
        try:
            keys = {g: int(base64.b64decode(g).decode().split(":")[1]) for g in (a, b, c)}
            update = "UPDATE bills SET official_title = $2 WHERE id = $1"
            await writer.execute(update, keys[a], "A, committed before the export")
            # C: a transaction that began before the export and commits after it.
            open_c = holder.transaction()
            await open_c.start()
            await holder.execute(update, keys[c], "C, committed after the export began")
            response = await download(http, "/export/bills.ndjson")
            cursor = response.headers["X-Redress-Changes-Cursor"]
            await open_c.commit()
            await writer.execute(update, keys[b], "B, written after the export")
        finally:
            await writer.close()
            await holder.close()
        exported = {r["id"]: r for r in records(response)}
        assert exported[a]["officialTitle"] == "A, committed before the export"
        assert exported[c]["officialTitle"] != "C, committed after the export began"
        following = await _feed_after(http, cursor, {b, c})
        assert {b, c} <= set(following)


async def test_a_database_outage_is_503_json_with_retry_after():
    async with api("postgresql://postgres@127.0.0.1:1/unreachable") as http:
        for path in ("/export/bills.ndjson", "/export/manifest.json"):
            response = await http.get(path)
            assert response.status_code == 503
            assert response.headers["Retry-After"]
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"


async def test_an_export_is_one_request_to_the_rate_limit_and_keys_are_checked(seeded_url):
    async with api(seeded_url, rate_limit_anonymous=2) as http:
        first = await http.get("/export/topics.ndjson")
        assert first.headers["X-RateLimit-Remaining"] == "1"
        assert (await http.get("/export/topics.csv")).status_code == 200
        limited = await http.get("/export/topics.ndjson")
        assert limited.status_code == 429
        assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    async with api(seeded_url) as http:
        refused = await http.get(
            "/export/topics.ndjson", headers={"Authorization": "Bearer rdr_" + "A" * 43}
        )
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_once_everything_is_pruned_the_cursor_is_the_retention_horizon(fresh_url):
    conn = await asyncpg.connect(fresh_url)
    try:
        await conn.execute("UPDATE changes SET at = at - interval '100 days'")
        last = await conn.fetchrow("SELECT tx, id FROM changes ORDER BY tx DESC, id DESC LIMIT 1")
    finally:
        await conn.close()
    database = await connect(fresh_url)
    try:
        for _ in range(600):  # only settled changes are pruned: another test's may hold some
            await prune(database, timedelta(days=90))
            if await database.fetchval("SELECT count(*) FROM changes") == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        await database.close()
    async with api(fresh_url) as http:
        manifest = (await http.get("/export/manifest.json")).json()
        assert manifest["changesCursor"] == FEED.encode({"_k0": last["tx"], "_k1": last["id"]})
        body = await graphql(
            http,
            "query($c: String) { changes(after: $c) { edges { cursor } } }",
            {"c": manifest["changesCursor"]},
        )
    assert "errors" not in body, body
    assert body["data"]["changes"]["edges"] == []
