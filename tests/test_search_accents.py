"""Accent-insensitive text matching, both ways, on every text filter (docs/search.md).

Shipped-data tests use real names and texts; the records created in `fresh_url` databases are
clearly synthetic ("Synthetic" in every name and text) and attributed to synthetic people.
"""

import unicodedata
from pathlib import Path

import asyncpg
import pytest

from db import bills, committees, legislators, organizations, people, sources, statements, topics
from db.migrate import MIGRATIONS_DIR
from db.search import FOLDED_RANGES, fold_function_sql, prefix_query
from tests.conftest import graphql
from tests.editors import editing_api

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CASE = SHARED / "cases" / "accent-insensitive-name-search"

# /work/shared/cases/accent-insensitive-name-search/query.json, with its right answer.
CASE_QUERY = """{
  a: legislators(filter: {name: "velazquez"}) { nodes { bioguideId } }
  b: legislators(filter: {name: "velázquez"}) { nodes { bioguideId } }
  c: legislators(filter: {name: "barragan"}) { nodes { bioguideId } }
  d: legislators(filter: {name: "hernandez"}) { nodes { bioguideId } }
  e: legislators(filter: {name: "jose hernandez"}) { nodes { bioguideId } }
}"""
CASE_ANSWER = {
    "a": ["V000081"],
    "b": ["V000081"],
    "c": ["B001300"],
    "d": ["H001103"],
    "e": ["H001103"],
}


def _ids(connection: dict, key: str) -> list[str]:
    return [node[key] for node in connection["nodes"]]


async def _legislators(client, name: str) -> list[str]:
    body = await graphql(
        client,
        "query($n: String!) { legislators(filter: {name: $n}) { nodes { bioguideId } } }",
        {"n": name},
    )
    assert "errors" not in body, body
    return _ids(body["data"]["legislators"], "bioguideId")


def _plain_fold(char: str) -> str | None:
    """What unicodedata alone says `char` folds to: its NFKD letters without combining marks,
    when those are all ASCII letters."""
    kept = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return kept.lower() if kept and kept.isascii() and kept.isalpha() and kept != char else None


async def test_fold_text_agrees_with_unicodedata_on_the_latin_blocks(seeded_url):
    letters = [
        chr(code)
        for first, last in FOLDED_RANGES
        for code in range(first, last + 1)
        if unicodedata.category(chr(code)) in ("Lu", "Ll", "Lt")
    ]
    conn = await asyncpg.connect(seeded_url)
    try:
        rows = await conn.fetch("SELECT c, fold_text(c) AS f FROM unnest($1::text[]) c", letters)
    finally:
        await conn.close()
    folded = {row["c"]: row["f"] for row in rows}
    decomposed = {c: _plain_fold(c) for c in letters if _plain_fold(c) is not None}
    assert len(decomposed) > 500
    assert {c: folded[c] for c in decomposed} == decomposed
    for char in letters:
        # Letters without a decomposition fold to ASCII (ø → o) or stay as they are (ŋ).
        assert folded[char].isascii() or folded[char] == char.lower(), char


async def test_letters_without_a_decomposition_and_edge_inputs(seeded_url):
    cases = {
        "Straße": "strasse",
        "STRAẞE": "strasse",
        "Øresund": "oresund",
        "søren": "soren",
        "Æsir Œuvre": "aesir oeuvre",
        "Đorđe Łódź": "dorde lodz",
        "Þórr": "thorr",
        "Nydia M. VELÁZQUEZ": "nydia m. velazquez",
        "Vela\u0301zquez": "velazquez",  # decomposed (NFD): base letter + combining acute
        "O'Rourke “quoted”": "o'rourke “quoted”",
        "plain ascii": "plain ascii",
    }
    conn = await asyncpg.connect(seeded_url)
    try:
        for text, expected in cases.items():
            assert await conn.fetchval("SELECT fold_text($1)", text) == expected, text
        assert await conn.fetchval("SELECT fold_text(NULL)") is None
    finally:
        await conn.close()


def test_the_migration_holds_the_generated_function():
    migration = (MIGRATIONS_DIR / "0012_accent_folding.sql").read_text()
    assert fold_function_sql() in migration


def test_prefix_query_keeps_a_decomposed_letter_in_its_word():
    assert prefix_query("Vela\u0301zquez") == "velázquez:*"
    assert prefix_query("jose  hernández") == "jose:* & hernández:*"


async def test_the_accent_insensitive_name_search_case(client):
    body = await graphql(client, CASE_QUERY)
    assert "errors" not in body, body
    assert {k: _ids(v, "bioguideId") for k, v in body["data"].items()} == CASE_ANSWER


@pytest.mark.skipif(not CASE.exists(), reason="../shared is not present")
async def test_the_case_query_file_as_shipped(client):
    response = await client.post(
        "/graphql",
        content=(CASE / "query.json").read_bytes(),
        headers={"content-type": "application/json"},
    )
    body = response.json()
    assert "errors" not in body, body
    assert {k: _ids(v, "bioguideId") for k, v in body["data"].items()} == CASE_ANSWER


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # Stored without accents (legislators-current.yaml), typed with them.
        ("raúl ruiz", ["R000599"]),
        ("rubén gallego", ["G000574"]),
        ("díaz barragán", ["B001300"]),
        # Upper case and decomposed input.
        ("VELÁZQUEZ", ["V000081"]),
        ("vela\u0301zquez", ["V000081"]),
        ("garcía chuy", ["G000586"]),
    ],
)
async def test_legislator_names_match_both_ways(client, typed, expected):
    assert await _legislators(client, typed) == expected


async def _people(http, name: str) -> list[str]:
    body = await graphql(
        http, "query($n: String!) { people(filter: {name: $n}) { nodes { slug } } }", {"n": name}
    )
    assert "errors" not in body, body
    return _ids(body["data"]["people"], "slug")


async def test_people_names_match_both_ways(client):
    # "Manual González Morán" and "Perez, Isidro" as the CBP and ICE death lists spell them.
    assert await _people(client, "gonzalez moran") == ["manual-gonzalez-moran-2022-10-04"]
    assert await _people(client, "González Morán") == ["manual-gonzalez-moran-2022-10-04"]
    assert await _people(client, "pérez isidro") == ["perez-isidro-2025-06-26"]
    assert await _people(client, "roberto perez") == ["roberto-perez-perez-2011-01-13"]


PERSON = "mutation($i: PersonInput!) { createPerson(input: $i) { person { id slug } } }"


async def test_a_synthetic_person_with_sharp_s_and_o_with_stroke(fresh_url):
    async with editing_api(fresh_url) as api:
        for slug, name in (
            ("test-strasse-oster-synthetic", "Test Straße Øster Synthetic"),
            ("test-perez-synthetic", "Test Perez Synthetic"),
        ):
            await api.ok(PERSON, {"i": {"slug": slug, "name": name}})
        for typed in ("strasse oster", "straße øster", "STRASSE ØSTER synth"):
            assert await _people(api.http, typed) == ["test-strasse-oster-synthetic"], typed
        assert await _people(api.http, "test pérez synthetic") == ["test-perez-synthetic"]


async def test_organization_names_match_both_ways(fresh_url):
    create = (
        "mutation($i: OrganizationInput!) { createOrganization(input: $i)"
        " { organization { slug } } }"
    )
    query = "query($n: String!) { organizations(filter: {name: $n}) { nodes { slug } } }"
    async with editing_api(fresh_url) as api:
        await api.ok(
            create,
            {
                "i": {
                    "slug": "fundacion-sintetica",
                    "name": "Fundación Sintética de Prueba",
                    "abbreviation": "FSÉ",
                    "kind": "OTHER",
                }
            },
        )
        await api.ok(
            create, {"i": {"slug": "synthetic-cafe", "name": "Synthetic Cafe Test", "kind": "NEWS"}}
        )
        for typed, expected in (
            ("fundacion sintetica", ["fundacion-sintetica"]),
            ("fse", ["fundacion-sintetica"]),
            ("synthetic café", ["synthetic-cafe"]),
        ):
            data = await api.ok(query, {"n": typed})
            assert _ids(data["organizations"], "slug") == expected, typed


async def test_topic_names_match_both_ways(fresh_url):
    create = "mutation($i: TopicInput!) { createTopic(input: $i) { topic { slug } } }"
    query = "query($n: String!) { topics(filter: {name: $n}) { nodes { slug } } }"
    async with editing_api(fresh_url) as api:
        await api.ok(create, {"i": {"slug": "synthetic-nino", "name": "Synthetic Niño Topic"}})
        for typed in ("synthetic nino", "SYNTHETIC NIÑO"):
            assert _ids((await api.ok(query, {"n": typed}))["topics"], "slug") == ["synthetic-nino"]


async def test_source_publishers_match_both_ways(fresh_url):
    create = "mutation($i: SourceInput!) { createSource(input: $i) { source { url } } }"
    query = "query($p: String!) { sources(filter: {publisher: $p}) { nodes { url } } }"
    async with editing_api(fresh_url) as api:
        url = "https://example.org/synthetic-accent-source"
        await api.ok(create, {"i": {"url": url, "publisher": "Éditions Synthétiques Test"}})
        for typed in ("editions synthetiques test", "ÉDITIONS SYNTHÉTIQUES TEST"):
            assert _ids((await api.ok(query, {"p": typed}))["sources"], "url") == [url], typed


async def _statement_ids(http, text: str) -> set[str]:
    body = await graphql(
        http,
        "query($s: String!) { statements(first: 100, filter: {search: $s}) { nodes { id } } }",
        {"s": text},
    )
    assert "errors" not in body, body
    return set(_ids(body["data"]["statements"], "id"))


async def test_statement_search_both_ways(client, fresh_url):
    # Shipped floor speeches say "Mexico"; a search typed "México" finds the same ones.
    plain = await _statement_ids(client, "mexico")
    assert len(plain) >= 5
    assert await _statement_ids(client, "México") == plain

    async with editing_api(fresh_url) as api:
        person = await api.ok(
            PERSON, {"i": {"slug": "test-speaker-synthetic", "name": "Test Speaker Synthetic"}}
        )
        made = await api.ok(
            "mutation($i: StatementInput!) { createStatement(input: $i) { statement { id } } }",
            {
                "i": {
                    "speaker": person["createPerson"]["person"]["id"],
                    "said": {"precision": "DAY", "date": "2026-01-20"},
                    "quote": "Synthetic test quote: the señor ordered a crème brûlée.",
                    "newSources": [{"url": "https://example.org/synthetic-statement"}],
                }
            },
        )
        made_id = made["createStatement"]["statement"]["id"]
        for typed in ("senor creme brulee", "señor crème", '"creme brulee"'):
            assert await _statement_ids(api.http, typed) == {made_id}, typed


async def _incident_keys(http, text: str) -> set[str]:
    body = await graphql(
        http,
        "query($s: String!) { incidents(first: 100, filter: {search: $s})"
        " { nodes { externalKey } } }",
        {"s": text},
    )
    assert "errors" not in body, body
    return set(_ids(body["data"]["incidents"], "externalKey"))


async def test_incident_search_both_ways(client):
    # Facility "Centro Medico Hospital" (ICE deaths list), typed with the accent.
    assert await _incident_keys(client, "Centro Médico") == {
        "ice-deaths:2025-02-23:tineo-martinez-juan-alexis"
    }
    assert await _incident_keys(client, "Río Grande") == await _incident_keys(client, "rio grande")
    # The people in an incident: "Manual González Morán" (CBP deaths list), typed without.
    assert await _incident_keys(client, "gonzalez moran") == {"cbp-death:256"}
    assert await _incident_keys(client, '"roberto perez perez"') == {"cbp-death:8"}


async def test_bill_title_search_both_ways(fresh_url):
    async with editing_api(fresh_url) as api:
        await api.db.execute(
            "INSERT INTO bills (congress, bill_type, number, official_title, short_title)"
            " VALUES (200, 'hr', 990001, 'A synthetic test bill on the señor''s café.',"
            " 'Synthetic Niño Act'), (200, 'hr', 990002, 'A synthetic test bill on a resume.',"
            " NULL)"
        )
        query = "query($s: String!) { bills(filter: {search: $s}) { nodes { billId } } }"
        for typed, expected in (
            ("synthetic senor cafe", ["hr990001-200"]),
            ("niño act", ["hr990001-200"]),
            ("synthetic résumé", ["hr990002-200"]),
        ):
            assert _ids((await api.ok(query, {"s": typed}))["bills"], "billId") == expected, typed


INDEXED = [
    (legislators.listing(legislators.LegislatorFilter(name="velázquez")), "legislators_search_idx"),
    (people.listing(people.PersonFilter(name="pérez")), "people_search_idx"),
    (
        organizations.listing(organizations.OrganizationFilter(name="policía")),
        "organizations_search_idx",
    ),
    (topics.listing(topics.TopicFilter(name="immunité")), "topics_search_idx"),
    (committees.listing(committees.CommitteeFilter(name="judiciário")), "committees_search_idx"),
    (bills.listing(bills.BillFilter(search="immunité")), "bills_search_idx"),
    (statements.listing(statements.StatementFilter(search="México")), "statements_search_idx"),
    (sources.listing(sources.SourceFilter(publisher="Reuters")), "sources_publisher_folded_idx"),
]


@pytest.mark.parametrize(("listing", "index"), INDEXED, ids=[i for _, i in INDEXED])
async def test_each_search_can_use_its_index(seeded_url, listing, index):
    conn = await asyncpg.connect(seeded_url)
    try:
        async with conn.transaction():
            # The shipped tables are small enough that a sequential scan is cheaper.
            await conn.execute("SET LOCAL enable_seqscan = off")
            where = " AND ".join(f"({c})" for c in listing.where)
            plan = await conn.fetchval(
                f"EXPLAIN (FORMAT JSON) SELECT count(*) FROM {listing.from_} WHERE {where}",
                *listing.params,
            )
    finally:
        await conn.close()
    assert f'"Index Name": "{index}"' in plan
