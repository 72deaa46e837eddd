"""Incident.representatives (docs/scorecards.md, "Who represents it"): the state's senators,
and an at-large House member, serving when the incident happened, as the stored terms say.
Expected members are read from the raw terms table, never hard-coded."""

from datetime import date
from pathlib import Path

import asyncpg

from db.load import load_files
from db.pool import log_statements
from tests.conftest import graphql
from tests.editors import editing_api

GOOD = "ice-deaths:2026-01-07:good-renee-nicole"

QUERY = """query($key: String!) { incident(externalKey: $key) {
  occurred { text precision } location { state }
  representatives { totalCount nodes { bioguideId } } } }"""


async def serving(url: str, state: str, first: date, last: date) -> list[tuple[int, str]]:
    """(chamber rank, bioguide id) of members with a Senate term, or an at-large House term
    (district 0), for `state` overlapping [first, last], each once in the seat of their
    latest such term; senators first, then by record."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            """SELECT DISTINCT CASE t.chamber WHEN 'senate' THEN 0 ELSE 1 END AS rank, l.id,
                      l.bioguide_id
                 FROM legislator_terms t JOIN legislators l ON l.id = t.legislator_id
                WHERE t.state = $1 AND (t.chamber = 'senate' OR t.district = 0)
                  AND t.start_date <= $3 AND t.end_date >= $2
                  AND t.start_date = (SELECT max(o.start_date) FROM legislator_terms o
                        WHERE o.legislator_id = t.legislator_id AND o.state = $1
                          AND (o.chamber = 'senate' OR o.district = 0)
                          AND o.start_date <= $3 AND o.end_date >= $2)
                ORDER BY 1, 2""",
            state,
            first,
            last,
        )
    finally:
        await conn.close()
    return [(r["rank"], r["bioguide_id"]) for r in rows]


async def test_renee_good_gives_minnesotas_senators_on_that_day(client, seeded_url):
    body = await graphql(client, QUERY, {"key": GOOD})
    assert "errors" not in body, body
    incident = body["data"]["incident"]
    assert incident["occurred"] == {"text": "2026-01-07", "precision": "DAY"}
    assert incident["location"]["state"] == "MN"
    expected = await serving(seeded_url, "MN", date(2026, 1, 7), date(2026, 1, 7))
    assert [rank for rank, _ in expected] == [0, 0], "the terms data has two MN senators then"
    got = incident["representatives"]
    assert [n["bioguideId"] for n in got["nodes"]] == [b for _, b in expected]
    assert got["totalCount"] == 2


SYNTHETIC = """format: redress-curated/1
about: Clearly synthetic test records, never shipped.
sources:
  - title: Synthetic test source
incidents:
  - key: test:synthetic:wyoming-month
    kind: other
    occurred_on: 2025-06
    location: {state: WY}
    sources: [Synthetic test source]
  - key: test:synthetic:wyoming-undated
    kind: other
    location: {state: WY}
    sources: [Synthetic test source]
  - key: test:synthetic:delaware-moving-day
    kind: other
    occurred_on: 2025-01-03
    location: {state: DE}
    sources: [Synthetic test source]
  - key: test:synthetic:no-state
    kind: other
    occurred_on: 2025-06-01
    sources: [Synthetic test source]
"""


async def test_month_dates_at_large_seats_unknown_dates_and_no_state(fresh_url, tmp_path: Path):
    path = tmp_path / "synthetic.yaml"
    path.write_text(SYNTHETIC)
    await load_files(fresh_url, [path])
    async with editing_api(fresh_url) as api:
        month = await graphql(api.http, QUERY, {"key": "test:synthetic:wyoming-month"})
        undated = await graphql(api.http, QUERY, {"key": "test:synthetic:wyoming-undated"})
        nowhere = await graphql(api.http, QUERY, {"key": "test:synthetic:no-state"})
        moving = await graphql(api.http, QUERY, {"key": "test:synthetic:delaware-moving-day"})
    # On 3 January 2025 one Delaware member's House term ends and her Senate term begins (as
    # the shipped terms say): she is listed once, as a senator.
    delaware = await serving(fresh_url, "DE", date(2025, 1, 3), date(2025, 1, 3))
    listed = [n["bioguideId"] for n in moving["data"]["incident"]["representatives"]["nodes"]]
    assert listed == [b for _, b in delaware]
    assert (0, "B001303") in delaware and (1, "B001303") not in delaware
    assert (
        len(listed)
        == len(set(listed))
        == moving["data"]["incident"]["representatives"]["totalCount"]
    )
    june = await serving(fresh_url, "WY", date(2025, 6, 1), date(2025, 6, 30))
    today = await serving(fresh_url, "WY", date.today(), date.today())
    assert 1 in [rank for rank, _ in june], "Wyoming's House seat is at large (district 0)"
    for body, expected in ((month, june), (undated, today)):
        assert "errors" not in body, body
        nodes = body["data"]["incident"]["representatives"]["nodes"]
        assert [n["bioguideId"] for n in nodes] == [b for _, b in expected]
    assert nowhere["data"]["incident"]["representatives"] == {"totalCount": 0, "nodes": []}


async def test_representatives_of_a_page_of_incidents_take_one_statement(client):
    query = """query($n: Int) { incidents(first: $n) { nodes {
      representatives(first: $n) { totalCount nodes { bioguideId } } } } }"""
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    # incidents, then one page and one count of representatives for all of them
    assert counts == {1: 3, 100: 3}


async def test_the_compiled_path_gives_the_same_answer(client):
    # The suite runs in verify mode (tests/conftest.py): a difference between the compiled
    # statement and the resolvers would be an INTERNAL error here.
    body = await graphql(
        client,
        """{ topic(slug: "qualified-immunity-ice") { incidents { nodes {
             representatives(first: 1) { totalCount pageInfo { hasNextPage endCursor }
               edges { cursor node { bioguideId name { officialFull } } } } } } } }""",
    )
    assert "errors" not in body, body
    page = body["data"]["topic"]["incidents"]["nodes"][0]["representatives"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert len(page["edges"]) == 1
