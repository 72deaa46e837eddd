"""The response cache: hits for anonymous and reader requests, never a stale answer.

Every write moves the data version (migration 0009) in its own transaction, and the cache keys
on it, so a read after an editor's mutation, an import or a write at psql sees the change.
"""

import hashlib
import json
from pathlib import Path

from db.load import import_paths
from db.pool import log_statements
from db.versions import data_version, tables_without_version_trigger
from tests.editors import MARKEY_KEY, editing_api

ROOT = Path(__file__).resolve().parent.parent

STATEMENT = "query($k: String!) { statement(externalKey: $k) { id version quote context } }"
UPDATE = """mutation($input: UpdateStatementInput!) { updateStatement(input: $input) {
  statement { id version context } } }"""
LEGISLATOR = '{ legislator(bioguideId: "M000133") { bioguideId name { first last } } }'


def _cache(api):
    """The response cache of the app under test."""
    app = api.http._transport.app  # httpx.ASGITransport
    for route in app.routes:
        if getattr(route, "path", None) == "/graphql":
            return route.app.cache
    raise AssertionError("no /graphql route")


async def test_a_repeated_query_is_answered_from_the_cache_with_one_statement(fresh_url):
    async with editing_api(fresh_url) as api:
        first = await api.ok(LEGISLATOR, as_=None)
        async with log_statements() as log:
            again = await api.ok(LEGISLATOR, as_=None)
        assert again == first
        assert log.statements == ["SELECT version FROM data_version"]
        assert _cache(api).hits == 1


async def test_no_stale_answer_after_an_editors_mutation(fresh_url):
    async with editing_api(fresh_url) as api:
        before = (await api.ok(STATEMENT, {"k": MARKEY_KEY}, as_=None))["statement"]
        assert (await api.ok(STATEMENT, {"k": MARKEY_KEY}, as_="reader"))["statement"] == before
        version = await data_version(api.db)
        await api.ok(
            UPDATE,
            {
                "input": {
                    "id": before["id"],
                    "expectedVersion": before["version"],
                    "context": "Edited to test the response cache.",
                }
            },
        )
        assert await data_version(api.db) > version
        for role in (None, "reader"):
            after = (await api.ok(STATEMENT, {"k": MARKEY_KEY}, as_=role))["statement"]
            assert after["context"] == "Edited to test the response cache."
            assert after["version"] == before["version"] + 1


async def test_no_stale_answer_after_a_write_at_psql(fresh_url):
    async with editing_api(fresh_url) as api:
        before = await api.ok(LEGISLATOR, as_=None)
        await api.db.execute(
            "UPDATE legislators SET first_name = 'Edward J.' WHERE bioguide_id = 'M000133'"
        )
        after = await api.ok(LEGISLATOR, as_=None)
        assert before["legislator"]["name"]["first"] != "Edward J."
        assert after["legislator"]["name"]["first"] == "Edward J."


async def test_no_stale_answer_after_an_import(fresh_url, tmp_path: Path):
    shipped = ROOT / "data" / "incidents" / "cbp_deaths_in_custody.csv"
    header = shipped.read_text().splitlines()[0]
    # A made-up record, for this throwaway database only.
    row = "990001,Synthetic Test Record,40,2026-02-01,Testville,TX,Unknown,1. In Custody"
    row += ",0,0,1,0,0,0,0,0,0,test,2026-02-01,2026,,,0"
    csv = tmp_path / "cbp_deaths_in_custody.csv"
    csv.write_text(f"{header}\n{row}\n")
    async with editing_api(fresh_url) as api:
        query = "{ incidents { totalCount } }"
        before = (await api.ok(query, as_=None))["incidents"]["totalCount"]
        assert (await api.ok(query, as_=None))["incidents"]["totalCount"] == before
        assert _cache(api).hits == 1
        await import_paths(fresh_url, [csv], fmt="incidents-csv")
        assert (await api.ok(query, as_=None))["incidents"]["totalCount"] == before + 1


async def test_every_table_moves_the_data_version(fresh_url):
    async with editing_api(fresh_url) as api:
        assert await tables_without_version_trigger(api.db) == []


async def test_mutations_errors_and_editors_are_never_cached(fresh_url):
    async with editing_api(fresh_url) as api:
        cache = _cache(api)
        await api.ok(LEGISLATOR, as_="editor")
        await api.ok(LEGISLATOR, as_="admin")
        missing = '{ legislator(bioguideId: "X000000") { bioguideId } }'
        await api.post(missing, as_=None)
        await api.post("{ nope }", as_=None)
        assert len(cache.entries) == 0
        markey = (await api.ok(STATEMENT, {"k": MARKEY_KEY}))["statement"]
        edit = {"id": markey["id"], "expectedVersion": markey["version"], "context": "x"}
        await api.ok(UPDATE, {"input": edit})
        conflict = await api.post(UPDATE, {"input": edit})
        assert conflict["errors"][0]["extensions"]["code"] == "CONFLICT"
        assert len(cache.entries) == 0


async def test_the_rate_limit_budget_is_filled_in_on_every_hit(fresh_url):
    async with editing_api(fresh_url) as api:
        remaining = []
        for _ in range(3):
            response = await api.http.post("/graphql", json={"query": LEGISLATOR})
            remaining.append(response.json()["extensions"]["cost"]["rateLimit"]["remaining"])
        assert remaining == sorted(remaining, reverse=True)
        assert len(set(remaining)) == 3
        assert _cache(api).hits == 2


async def test_get_answers_carry_an_etag_and_revalidate_with_304(fresh_url):
    async with editing_api(fresh_url) as api:
        params = {"query": LEGISLATOR}
        first = await api.http.get("/graphql", params=params)
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "public, no-cache"
        same = await api.http.get("/graphql", params=params, headers={"If-None-Match": etag})
        assert same.status_code == 304
        assert same.content == b""
        await api.db.execute("UPDATE legislators SET nickname = 'Ed' WHERE bioguide_id = 'M000133'")
        changed = await api.http.get("/graphql", params=params, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag
        assert changed.json()["data"] == first.json()["data"]  # the fields asked for are the same


async def test_automatic_persisted_queries(fresh_url):
    async with editing_api(fresh_url) as api:
        digest = hashlib.sha256(LEGISLATOR.encode()).hexdigest()
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        unknown = await api.http.post("/graphql", json={"extensions": extensions})
        assert unknown.status_code == 200
        assert unknown.json() == {
            "errors": [
                {
                    "message": "PersistedQueryNotFound",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                }
            ]
        }
        registered = await api.http.post(
            "/graphql", json={"query": LEGISLATOR, "extensions": extensions}
        )
        expected = registered.json()["data"]
        by_hash = await api.http.post("/graphql", json={"extensions": extensions})
        assert by_hash.json()["data"] == expected
        by_get = await api.http.get("/graphql", params={"extensions": json.dumps(extensions)})
        assert by_get.status_code == 200
        assert by_get.json()["data"] == expected
        assert "etag" in by_get.headers
        wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
        mismatch = await api.http.post("/graphql", json={"query": LEGISLATOR, "extensions": wrong})
        assert mismatch.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
