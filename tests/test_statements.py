"""The statements root field, its filters and orders, FuzzyDate output and the speaker union.

The demo records are the shipped curated seed article (data/curated/qualified-immunity-ice.yaml):
four statements on qualified immunity for ICE agents, by Stephen Miller (January 2026),
Sen. Ed Markey (M000133, date unknown), the National Lawyers Guild and Reuters; filtered by
their topic where a test is about them alone. The shipped Congressional Record files
(data/statements/CREC-2005-07-20-*.json) add the 55 floor speeches of 20 July 2005 whose
speaker has a bioguide id (17 on page H6183, 25 on H6190, 13 on S8504-2): 59 statements.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from api.app import create_app
from api.settings import load_settings
from db import relations as relation_sql
from db.model import LEGISLATOR
from db.pagination import Window
from db.pool import Database, connect, log_statements
from tests.conftest import error_codes, graphql

LEGISLATOR_STATEMENTS = LEGISLATOR.connections["statements"]

TOPIC = "qualified-immunity-ice"
ARTICLE = "How Democrats Can End Qualified Immunity for ICE Agents"
MILLER_QUOTE = "To all ICE officers: You have federal immunity in the conduct of your duties."
MARKEY_QUOTE = "We have the power to end this."
LEAHY_QUOTE = "Mr. LEAHY. I thank the distinguished Presiding Officer."
SEED = f'topic: "{TOPIC}"'
FLOOR_SPEECHES = 55
STATEMENTS = 4 + FLOOR_SPEECHES

SPEAKER = """speakerBioguideId
  speaker { __typename
    ... on Legislator { bioguideId }
    ... on Person { slug name }
    ... on Organization { slug kind } }"""


async def _statements(client, filter_: str = "", extra: str = "") -> dict:
    body = await graphql(
        client,
        f"{{ statements({filter_} first: 100 {extra}) {{ totalCount"
        f" nodes {{ id quote said {{ text precision year month day }} medium {SPEAKER} }} }} }}",
    )
    assert "errors" not in body, body
    return body["data"]["statements"]


@asynccontextmanager
async def _api(url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """A client for the API over the database at `url`, and a pool on it."""
    db = await connect(url, max_size=2)
    try:
        app = create_app(load_settings(), database=db)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http, db
    finally:
        await db.close()


async def _every_statement(client, order: str = "NEWEST") -> list[dict]:
    """Every statement in `order`, a full page at a time."""
    query = f"""query($after: String) {{ statements(orderBy: {order}, first: 100, after: $after) {{
      totalCount nodes {{ id quote said {{ text precision }} }}
      pageInfo {{ hasNextPage endCursor }} }} }}"""
    nodes: list[dict] = []
    after = None
    while True:
        body = await graphql(client, query, {"after": after})
        assert "errors" not in body, body
        page = body["data"]["statements"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len({n["id"] for n in nodes}) == len(nodes) == page["totalCount"] == STATEMENTS
    return nodes


async def _id_of(client, field: str, slug: str) -> str:
    body = await graphql(client, f'{{ {field}(slug: "{slug}") {{ id }} }}')
    assert "errors" not in body, body
    return body["data"][field]["id"]


async def test_every_seed_statement_is_listed_newest_first(client):
    listed = await _statements(client, f"filter: {{{SEED}}}")
    assert listed["totalCount"] == 4
    # Miller's is the only dated one; the rest (unknown dates) follow, newest id first.
    assert listed["nodes"][0]["quote"] == MILLER_QUOTE
    assert [n["said"]["precision"] for n in listed["nodes"]] == [
        "MONTH",
        "UNKNOWN",
        "UNKNOWN",
        "UNKNOWN",
    ]


async def test_month_precision_is_printed_as_a_month(client):
    miller = (await _statements(client))["nodes"][0]
    assert miller["said"] == {
        "text": "2026-01",
        "precision": "MONTH",
        "year": 2026,
        "month": 1,
        "day": None,
    }


async def test_unknown_date_has_no_parts(client):
    markey = await _statements(client, 'filter: {speaker: "M000133"}')
    assert markey["totalCount"] == 1
    node = markey["nodes"][0]
    assert node["quote"] == MARKEY_QUOTE
    assert node["said"] == {
        "text": None,
        "precision": "UNKNOWN",
        "year": None,
        "month": None,
        "day": None,
    }


async def test_speaker_union_resolves_all_three_kinds(client):
    seed = (await _statements(client, f"filter: {{{SEED}}}"))["nodes"]
    assert len(seed) == 4
    speakers = {n["quote"][:20]: n["speaker"] for n in seed}
    kinds = sorted(s["__typename"] for s in speakers.values())
    assert kinds == ["Legislator", "Organization", "Organization", "Person"]
    assert speakers[MILLER_QUOTE[:20]] == {
        "__typename": "Person",
        "slug": "stephen-miller",
        "name": "Stephen Miller",
    }
    assert speakers[MARKEY_QUOTE[:20]] == {"__typename": "Legislator", "bioguideId": "M000133"}
    bioguide_ids = {n["quote"][:20]: n["speakerBioguideId"] for n in seed}
    assert bioguide_ids.pop(MARKEY_QUOTE[:20]) == "M000133"
    assert set(bioguide_ids.values()) == {None}
    organizations = {
        (s["slug"], s["kind"]) for s in speakers.values() if s["__typename"] == "Organization"
    }
    assert organizations == {("national-lawyers-guild", "ADVOCACY"), ("reuters", "NEWS")}


@pytest.mark.parametrize(
    ("field", "slug", "quote_start"),
    [
        ("person", "stephen-miller", "To all ICE officers"),
        ("organization", "reuters", "federal officers are immune"),
        ("organization", "national-lawyers-guild", "is a legal doctrine"),
    ],
)
async def test_filter_by_speaker_global_id(client, field, slug, quote_start):
    speaker = await _id_of(client, field, slug)
    found = await _statements(client, f'filter: {{speaker: "{speaker}"}}')
    assert found["totalCount"] == 1
    assert found["nodes"][0]["quote"].startswith(quote_start)


async def test_filter_by_legislator_global_id_equals_bioguide_id(client):
    body = await graphql(client, '{ legislator(bioguideId: "M000133") { id } }')
    by_id = await _statements(client, f'filter: {{speaker: "{body["data"]["legislator"]["id"]}"}}')
    by_bioguide = await _statements(client, 'filter: {speaker: "m000133"}')
    assert by_id == by_bioguide
    assert [n["quote"] for n in by_id["nodes"]] == [MARKEY_QUOTE]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # January 2026 (Miller's) overlaps any range that touches January 2026; the 55 floor
        # speeches of 2005-07-20 only ranges that hold that day; undated statements none.
        ('{start: "2026-01-08", end: "2026-01-09"}', 1),
        ('{start: "2026-01-31"}', 1),
        ('{end: "2026-01-01"}', 1 + FLOOR_SPEECHES),
        ('{start: "2026-02-01"}', 0),
        ('{end: "2025-12-31"}', FLOOR_SPEECHES),
        ('{start: "2005-07-20", end: "2005-07-20"}', FLOOR_SPEECHES),
        ('{start: "2005-07-21", end: "2025-12-31"}', 0),
        ('{end: "2005-07-19"}', 0),
        # An empty range is no condition at all: undated statements are listed too.
        ("{}", STATEMENTS),
    ],
)
async def test_filter_by_said_range_overlaps_the_fuzzy_date(client, said, expected):
    assert (await _statements(client, f"filter: {{said: {said}}}"))["totalCount"] == expected


async def test_filter_by_medium(client):
    tv = await _statements(client, "filter: {medium: TV}")
    assert [n["quote"] for n in tv["nodes"]] == [MILLER_QUOTE]
    assert (await _statements(client, "filter: {medium: HEARING}"))["totalCount"] == 0


async def test_filter_by_topic(client):
    assert (await _statements(client, f'filter: {{topic: "{TOPIC}"}}'))["totalCount"] == 4
    assert (await _statements(client, 'filter: {topic: "no-such-topic"}'))["totalCount"] == 0


async def test_filter_by_incident(client):
    body = await graphql(client, "{ incidents(first: 100) { nodes { id description } } }")
    incidents = body["data"]["incidents"]["nodes"]
    good = next(n["id"] for n in incidents if "traffic stop" in (n["description"] or ""))
    found = await _statements(client, f'filter: {{incident: "{good}"}}')
    assert [n["quote"] for n in found["nodes"]] == [MILLER_QUOTE]


async def test_filter_by_bill(client):
    found = await _statements(client, 'filter: {bill: "HR1470-117"}')
    assert found["totalCount"] == 0


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ('"federal immunity"', [MILLER_QUOTE]),
        # Leahy's 2005 floor speech has "power" and "end" too.
        ("power end", [MARKEY_QUOTE, LEAHY_QUOTE]),
        # Stemming: "shielding" finds Reuters' "shielding", "doctrines" the Guild's "doctrine".
        ("shield excessive force", ["federal officers are immune"]),
        ("doctrines", ["is a legal doctrine"]),
        # The context is searched too: Markey's mentions qualified immunity, Miller's Fox News.
        ("immunity -police", [MILLER_QUOTE, MARKEY_QUOTE]),
        ('"fox news"', [MILLER_QUOTE]),
        ("shielding OR doctrine", ["federal officers are immune", "is a legal doctrine"]),
    ],
)
async def test_full_text_search(client, search, expected):
    body = await graphql(
        client,
        "query($q: String) { statements(filter: {search: $q}, first: 100) { nodes { quote } } }",
        {"q": search},
    )
    quotes = sorted(n["quote"] for n in body["data"]["statements"]["nodes"])
    assert len(quotes) == len(expected)
    for quote, start in zip(quotes, sorted(expected), strict=True):
        assert quote.startswith(start)


async def test_updated_since(client):
    everything = await _statements(client, 'filter: {updatedSince: "2000-01-01T00:00:00Z"}')
    assert everything["totalCount"] == STATEMENTS
    future = await _statements(client, 'filter: {updatedSince: "2999-01-01T00:00:00Z"}')
    assert future["totalCount"] == 0


async def test_orders(client):
    newest = await _every_statement(client)
    oldest = await _every_statement(client, "OLDEST")
    updated = [n["id"] for n in await _every_statement(client, "UPDATED_AT")]
    # Miller's (2026-01), then the floor speeches (2005-07-20), then the three undated ones;
    # oldest first reverses the dated ones, and the undated ones trail both ways.
    dated = 1 + FLOOR_SPEECHES
    assert newest[0]["quote"] == MILLER_QUOTE
    assert [n["said"]["text"] for n in newest[1:dated]] == ["2005-07-20"] * FLOOR_SPEECHES
    assert [n["said"]["precision"] for n in newest[dated:]] == ["UNKNOWN"] * 3
    assert [n["id"] for n in newest[:dated]] == [n["id"] for n in reversed(oldest[:dated])]
    assert [n["id"] for n in newest[dated:]] == [n["id"] for n in reversed(oldest[dated:])]
    assert sorted(updated) == sorted(n["id"] for n in newest)


@pytest.mark.parametrize("order", ["NEWEST", "OLDEST", "UPDATED_AT"])
async def test_paging_forwards_and_backwards_visits_every_statement(client, order):
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      statements(orderBy: ORDER, first: $first, after: $after, last: $last, before: $before) {
        totalCount nodes { id }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    query = query.replace("ORDER", order)
    everything = [n["id"] for n in await _every_statement(client, order)]

    forwards, after = [], None
    while True:
        page = (await graphql(client, query, {"first": 1, "after": after}))["data"]["statements"]
        forwards += [n["id"] for n in page["nodes"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert forwards == everything

    backwards, before = [], None
    while True:
        page = (await graphql(client, query, {"last": 3, "before": before}))["data"]["statements"]
        backwards = [n["id"] for n in page["nodes"]] + backwards
        assert page["totalCount"] == STATEMENTS
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backwards == everything


async def test_nested_links(client):
    body = await graphql(
        client,
        """{ statements(filter: {medium: TV}) { nodes {
              sources { totalCount nodes { title } }
              topics { totalCount nodes { slug } }
              incidents { totalCount nodes { occurred { text } location { city state } } }
              bills { totalCount } votes { totalCount } } } }""",
    )
    assert "errors" not in body, body
    miller = body["data"]["statements"]["nodes"][0]
    assert miller["sources"] == {"totalCount": 1, "nodes": [{"title": ARTICLE}]}
    assert miller["topics"]["nodes"] == [{"slug": TOPIC}]
    assert miller["incidents"]["nodes"] == [
        {"occurred": {"text": "2026-01-07"}, "location": {"city": "Minneapolis", "state": "MN"}}
    ]
    assert miller["bills"]["totalCount"] == 0
    assert miller["votes"]["totalCount"] == 0


async def test_statement_is_a_node(client):
    miller = (await _statements(client))["nodes"][0]
    body = await graphql(
        client, f'{{ node(id: "{miller["id"]}") {{ ... on Statement {{ quote }} }} }}'
    )
    assert body["data"]["node"] == {"quote": MILLER_QUOTE}


@pytest.mark.parametrize(
    ("filter_", "message"),
    [
        ('{speaker: "not an id"}', "`speaker` must be the id of a Legislator, Person or"),
        ('{speaker: "QmlsbDox"}', "`speaker` must be the id of"),  # Bill:1
        ('{incident: "UGVyc29uOjE="}', "`incident` must be the id of a Incident"),  # Person:1
        ('{bill: "hr 1470"}', "`bill` must look like `hr1470-117`"),
        ('{topic: "Qualified Immunity"}', "`topic` must be a slug"),
        ('{search: "?!"}', "no words"),
        ('{said: {start: "2026-02-01", end: "2026-01-01"}}', "ends (2026-01-01) before"),
        ('{said: {start: "2026-02-30"}}', "Date"),
        ("{medium: RADIO}", "RADIO"),
    ],
)
async def test_bad_filters_are_bad_user_input(client, filter_, message):
    body = await graphql(client, f"{{ statements(filter: {filter_}) {{ totalCount }} }}")
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]


async def test_bad_cursor_and_order_are_bad_user_input(client):
    body = await graphql(client, '{ statements(after: "nonsense") { totalCount } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]
    cursor = (await graphql(client, "{ statements(first: 1) { pageInfo { endCursor } } }"))["data"][
        "statements"
    ]["pageInfo"]["endCursor"]
    body = await graphql(
        client,
        "query($c: String) { statements(orderBy: OLDEST, after: $c) { nodes { id } } }",
        {"c": cursor},
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    body = await graphql(client, "{ statements(orderBy: LOUDEST) { totalCount } }")
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_speaker_lookups_are_batched_whatever_the_page_size(client):
    # Up to Renee Good's day, newest first: even a page of one holds her incident, the one
    # with a statement.
    query = f"""query($n: Int) {{
      incidents(filter: {{occurred: {{end: "2026-01-07"}}}}, first: $n) {{ nodes {{
      statements {{ nodes {{ said {{ text }} {SPEAKER} }} }} }} }} }}"""
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
        assert body["data"]["incidents"]["nodes"][0]["statements"]["nodes"]
    # Incidents, their statements, then Miller through the people by-id loader.
    assert counts == {1: 3, 100: 3}

    query = f"""query($n: Int) {{ statements(first: $n) {{ nodes {{ {SPEAKER}
      sources(first: $n) {{ nodes {{ title }} }}
      topics(first: $n) {{ nodes {{ slug }} }} }} }} }}"""
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
        assert len(body["data"]["statements"]["nodes"]) == min(size, STATEMENTS)
    # The page, its sources and topics, and one lookup per speaker kind on the page: the
    # first page holds Miller only (a Person); all 59 need Person, Organization and
    # Legislator by row id (Markey, McConnell, and the other 2005 speakers, who are not in
    # legislators-current.yaml but are records named by their speech: docs/members.md).
    assert counts == {1: 4, 100: 6}


async def test_speaker_known_only_by_bioguide_id(fresh_url):
    markey = "SELECT id FROM legislators WHERE bioguide_id = 'M000133'"
    async with _api(fresh_url) as (http, db):
        pk = await db.fetchval(markey)
        # As an importer records a member it cannot resolve: the bioguide id alone.
        await db.execute(
            "UPDATE statements SET speaker_legislator_id = NULL WHERE speaker_legislator_id = $1",
            pk,
        )
        # The member is in the data, so the speaker still resolves, and lists still hold it.
        node = (await _statements(http, 'filter: {speaker: "M000133"}'))["nodes"][0]
        assert node["speaker"] == {"__typename": "Legislator", "bioguideId": "M000133"}
        body = await graphql(http, '{ legislator(bioguideId: "M000133") { id } }')
        by_id = await _statements(
            http, f'filter: {{speaker: "{body["data"]["legislator"]["id"]}"}}'
        )
        assert [n["quote"] for n in by_id["nodes"]] == [MARKEY_QUOTE]
        pages = await relation_sql.pages(db, LEGISLATOR_STATEMENTS, [pk], (Window(first=10), None))
        assert [row["quote"] for row in pages[pk].rows] == [MARKEY_QUOTE]
        assert await relation_sql.counts(db, LEGISLATOR_STATEMENTS, [pk], None) == {pk: 1}

        # Now as if the legislators file did not have him: the raw id is all there is.
        for table, column in (
            ("bills", "sponsor_id"),
            ("bill_cosponsors", "legislator_id"),
            ("vote_positions", "legislator_id"),
        ):
            await db.execute(f"UPDATE {table} SET {column} = NULL WHERE {column} = $1", pk)
        await db.execute("DELETE FROM legislators WHERE id = $1", pk)
        node = (await _statements(http, 'filter: {speaker: "M000133"}'))["nodes"][0]
        assert node["quote"] == MARKEY_QUOTE
        assert node["speaker"] is None
        assert node["speakerBioguideId"] == "M000133"


async def test_loader_for_legislator_statements(database):
    pk = await database.fetchval("SELECT id FROM legislators WHERE bioguide_id = 'M000133'")
    other = await database.fetchval("SELECT id FROM legislators WHERE bioguide_id = 'P000617'")
    async with log_statements() as log:
        pages = await relation_sql.pages(
            database, LEGISLATOR_STATEMENTS, [pk, other], (Window(first=1), None)
        )
        counts = await relation_sql.counts(database, LEGISLATOR_STATEMENTS, [pk, other], None)
    assert log.count == 2
    assert [row["quote"] for row in pages[pk].rows] == [MARKEY_QUOTE]
    assert pages[other].rows == []
    assert counts == {pk: 1, other: 0}


async def test_statement_without_a_source_is_refused(empty_url):
    conn = await asyncpg.connect(empty_url)
    try:
        with pytest.raises(asyncpg.CheckViolationError, match="has no source"):
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO statements (speaker_bioguide_id, said_on_precision, quote)"
                    " VALUES ('M000133', 'unknown', $1)",
                    MARKEY_QUOTE,
                )
        assert await conn.fetchval("SELECT count(*) FROM statements") == 0
        # With its source, in the same transaction, the statement is accepted.
        async with conn.transaction():
            source = await conn.fetchval(
                "INSERT INTO sources (title) VALUES ($1) RETURNING id",
                "How Democrats Can End Qualified Immunity for ICE Agents",
            )
            statement = await conn.fetchval(
                "INSERT INTO statements (speaker_bioguide_id, said_on_precision, quote)"
                " VALUES ('M000133', 'unknown', $1) RETURNING id",
                MARKEY_QUOTE,
            )
            await conn.execute("INSERT INTO statement_sources VALUES ($1, $2)", statement, source)
        # Removing its last source is refused too.
        with pytest.raises(asyncpg.CheckViolationError, match="has no source"):
            async with conn.transaction():
                await conn.execute(
                    "DELETE FROM statement_sources WHERE statement_id = $1", statement
                )
    finally:
        await conn.close()
