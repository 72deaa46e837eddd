"""The incidents root field: the Renee Good shooting from the shipped seed article.

Facts (data/curated/qualified-immunity-ice.yaml, from one row of the ICE detention deaths
data set): Renee Nicole Good, 37, was shot by a federal agent during a traffic stop in
Minneapolis, MN on 2026-01-07. ICE is the agency; the sources are the data file, The
Guardian and the seed article.

The shipped data also has the ICE and CBP deaths files (data/incidents): 274 ICE rows, one
of them Renee Good's (merged into the curated incident), and 61 CBP rows, so 335 incidents.
"""

import asyncpg
import pytest

from db.pool import log_statements
from tests.conftest import error_codes, graphql

TOPIC = "qualified-immunity-ice"
KEY = "ice-deaths:2026-01-07:good-renee-nicole"
ARTICLE = "How Democrats Can End Qualified Immunity for ICE Agents"
GUARDIAN = "https://www.theguardian.com/us-news/2026/jan/28/deaths-ice-2026-"
DESCRIPTION = "Shot by a federal agent during a traffic stop (ICE-related death; not in custody)."
ICE_ROWS = 274  # rows of ice_detention_deaths_all_274_deaths_detailed.csv, Renee Good's among them
CBP_ROWS = 61  # rows of cbp_deaths_in_custody.csv
FIELDS = """id kind externalKey outcome description
  occurred { text precision year month day }
  location { city county state facility latitude longitude }"""


async def _incidents(client, arguments: str = "") -> dict:
    body = await graphql(
        client, f"{{ incidents({arguments} first: 100) {{ totalCount nodes {{ {FIELDS} }} }} }}"
    )
    assert "errors" not in body, body
    return body["data"]["incidents"]


async def _good(client) -> dict:
    found = await _incidents(client, 'filter: {search: "Renee Good"}')
    assert found["totalCount"] == 1
    return found["nodes"][0]


async def _every_incident(client, order: str = "NEWEST") -> list[dict]:
    """Every incident in `order`, a full page at a time."""
    query = f"""query($after: String) {{ incidents(orderBy: {order}, first: 100, after: $after) {{
      totalCount nodes {{ {FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
    nodes: list[dict] = []
    after = None
    while True:
        body = await graphql(client, query, {"after": after})
        assert "errors" not in body, body
        page = body["data"]["incidents"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len({n["id"] for n in nodes}) == len(nodes) == page["totalCount"] == ICE_ROWS + CBP_ROWS
    return nodes


async def test_the_renee_good_incident(client):
    listed = await _incidents(client, f'filter: {{topic: "{TOPIC}"}}')
    assert listed["totalCount"] == 1
    good = await _good(client)
    assert good == listed["nodes"][0]
    assert good["kind"] == "SHOOTING"
    assert good["externalKey"] == KEY
    assert good["outcome"] == "killed"
    assert good["description"] == DESCRIPTION
    assert good["occurred"] == {
        "text": "2026-01-07",
        "precision": "DAY",
        "year": 2026,
        "month": 1,
        "day": 7,
    }
    assert good["location"] == {
        "city": "Minneapolis",
        "county": None,
        "state": "MN",
        "facility": None,
        "latitude": None,
        "longitude": None,
    }


async def test_people_agencies_sources_statements_and_topics(client):
    body = await graphql(
        client,
        """{ incidents(filter: {search: "Renee Good"}) { nodes {
              people { totalCount nodes { role age sex nationality person { name slug } } }
              agencies { totalCount nodes { slug kind } }
              sources { totalCount nodes { url publisher } }
              statements { totalCount nodes { quote speaker { ... on Person { slug } } } }
              topics { nodes { slug } }
              bills { totalCount } } } }""",
    )
    assert "errors" not in body, body
    good = body["data"]["incidents"]["nodes"][0]
    assert good["people"]["totalCount"] == 1
    victim = good["people"]["nodes"][0]
    assert victim["role"] == "VICTIM"
    assert victim["age"] == 37
    assert victim["sex"] == "Female"
    assert victim["nationality"] is None
    assert victim["person"] == {"name": "Renee Nicole Good", "slug": "renee-nicole-good"}
    assert good["agencies"] == {"totalCount": 1, "nodes": [{"slug": "ice", "kind": "AGENCY"}]}
    assert good["sources"]["totalCount"] == 3
    assert GUARDIAN in {s["url"] for s in good["sources"]["nodes"]}
    assert good["statements"]["totalCount"] == 1
    assert good["statements"]["nodes"][0]["speaker"] == {"slug": "stephen-miller"}
    assert good["topics"]["nodes"] == [{"slug": TOPIC}]
    assert good["bills"]["totalCount"] == 0


async def test_a_person_lists_their_part_in_the_incident(client):
    good = await _good(client)
    body = await graphql(
        client,
        """query($id: ID!) { node(id: $id) { ... on Incident {
              people { nodes { person { incidents { totalCount
                nodes { role incident { id } } } } } } } } }""",
        {"id": good["id"]},
    )
    parts = body["data"]["node"]["people"]["nodes"][0]["person"]["incidents"]
    assert parts == {"totalCount": 1, "nodes": [{"role": "VICTIM", "incident": {"id": good["id"]}}]}


@pytest.mark.parametrize(
    "filter_",
    [
        '{occurred: {start: "2026-01-07", end: "2026-01-07"}}',
        '{state: "mn"}',
        "{kind: SHOOTING}",
        f'{{topic: "{TOPIC}"}}',
        '{search: "traffic stop minneapolis"}',
        '{search: "\\"traffic stop\\" renee"}',  # words of the description and of a name
        '{updatedSince: "2000-01-01T00:00:00Z"}',
    ],
)
async def test_each_filter_finds_the_incident(client, filter_):
    good = await _good(client)
    found = await _incidents(client, f"filter: {filter_}")
    assert good["id"] in {n["id"] for n in found["nodes"]}


@pytest.mark.parametrize(
    "filter_",
    [
        '{occurred: {start: "2026-01-08"}}',
        '{occurred: {end: "2026-01-06"}}',
        '{state: "MA"}',
        "{kind: RAID}",
        '{agency: "no-such-agency"}',
        '{outcome: "no such outcome"}',
        '{topic: "no-such-topic"}',
        '{search: "renee -minneapolis"}',
        '{updatedSince: "2999-01-01T00:00:00Z"}',
    ],
)
async def test_each_filter_can_exclude_the_incident(client, filter_):
    good = await _good(client)
    found = await _incidents(client, f"filter: {filter_}")
    assert good["id"] not in {n["id"] for n in found["nodes"]}


async def test_filter_by_agency_slug(client):
    good = await _good(client)
    ice = await _incidents(client, 'filter: {agency: "ice"}')
    assert ice["totalCount"] == ICE_ROWS
    assert good["id"] in {n["id"] for n in ice["nodes"]}  # the fifth newest
    found = await _incidents(client, f'filter: {{agency: "ice", topic: "{TOPIC}"}}')
    assert [n["id"] for n in found["nodes"]] == [good["id"]]
    cbp = await _incidents(client, 'filter: {agency: "cbp"}')
    assert cbp["totalCount"] == CBP_ROWS
    assert good["id"] not in {n["id"] for n in cbp["nodes"]}
    # DHS posted Miller's clip but is not named as an agency in the incident.
    assert (await _incidents(client, 'filter: {agency: "dhs"}'))["totalCount"] == 0


async def test_filter_by_outcome_ignores_case(client):
    good = await _good(client)
    assert good["outcome"] == "killed"
    found = await _incidents(client, 'filter: {outcome: "Killed"}')
    assert good["id"] in {n["id"] for n in found["nodes"]}


@pytest.mark.parametrize("order", ["NEWEST", "OLDEST", "UPDATED_AT"])
async def test_paging_forwards_and_backwards_visits_every_incident(client, order):
    ids = [n["id"] for n in await _every_incident(client, order)]
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      incidents(orderBy: ORDER, first: $first, after: $after, last: $last, before: $before) {
        nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    query = query.replace("ORDER", order)
    forwards, after = [], None
    while True:
        page = (await graphql(client, query, {"first": 10, "after": after}))["data"]["incidents"]
        forwards += [n["id"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backwards, before = [], None
    while True:
        page = (await graphql(client, query, {"last": 10, "before": before}))["data"]["incidents"]
        backwards = [n["id"] for n in page["nodes"]] + backwards
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert forwards == backwards == ids


async def test_nested_sources_page_both_ways(client):
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      incidents(filter: {search: "Renee Good"}) { nodes {
        sources(first: $first, after: $after, last: $last, before: $before) {
          totalCount nodes { title url published { text } }
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } }"""

    async def sources(**variables):
        body = await graphql(client, query, variables)
        assert "errors" not in body, body
        return body["data"]["incidents"]["nodes"][0]["sources"]

    everything = await sources(first=100)
    names = [s["title"] or s["url"] for s in everything["nodes"]]
    assert everything["totalCount"] == len(names) == 3
    assert names[0] == ARTICLE  # the only dated source (2026) comes first
    first = await sources(first=1)
    rest = await sources(first=2, after=first["pageInfo"]["endCursor"])
    assert [s["title"] or s["url"] for s in first["nodes"] + rest["nodes"]] == names
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    last = await sources(last=1)
    before = await sources(last=2, before=last["pageInfo"]["startCursor"])
    assert [s["title"] or s["url"] for s in before["nodes"] + last["nodes"]] == names
    assert last["pageInfo"]["hasPreviousPage"] is True


async def test_newest_first_puts_unknown_dates_last(client):
    dates = [n["occurred"] for n in await _every_incident(client)]
    known = [d["text"] for d in dates if d["precision"] != "UNKNOWN"]
    assert known == sorted(known, reverse=True)
    unknown = [i for i, d in enumerate(dates) if d["precision"] == "UNKNOWN"]
    assert unknown == list(range(len(known), len(dates)))


async def test_lookup_by_external_key(client):
    good = await _good(client)
    body = await graphql(
        client,
        "query($k: String!) { incident(externalKey: $k) { id } }",
        {"k": good["externalKey"]},
    )
    assert body["data"]["incident"] == {"id": good["id"]}
    body = await graphql(client, '{ incident(externalKey: "no such key") { id } }')
    assert error_codes(body) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('filter: {state: "Minnesota"}', "two-letter state code"),
        ("filter: {kind: STABBING}", "STABBING"),
        ('filter: {occurred: {start: "2026-01-32"}}', "Date"),
        ('filter: {occurred: {start: "2026-02-01", end: "2026-01-01"}}', "before it starts"),
        ('filter: {agency: "Immigration and Customs Enforcement"}', "`agency` must be a slug"),
        ('filter: {search: "  "}', "no words"),
        ("orderBy: ALPHABETICAL", "ALPHABETICAL"),
        ('after: "WyJvbGRlc3QiLCIyMDI2LTAxLTA3IiwxXQ"', "does not belong"),
    ],
)
async def test_bad_input_is_bad_user_input(client, arguments, message):
    body = await graphql(client, f"{{ incidents({arguments}) {{ totalCount nodes {{ id }} }} }}")
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]


# A person (in `people`) and a speaker (of a statement) both load through the people by-id
# loader. Asked for together, they share one batch or not depending on which page query
# returns first, whatever the page size; so each is asked for in a query of its own.
@pytest.mark.parametrize(
    ("person", "speaker"),
    [("person { name }", "quote"), ("age", "speaker { __typename ... on Person { slug } }")],
)
async def test_nested_lists_cost_the_same_statements_at_any_page_size(client, person, speaker):
    # Up to Renee Good's day, newest first, so that even a page of one holds an incident with
    # people, agencies, sources and a statement, and every loader below runs at both sizes.
    query = """query($n: Int) {
      incidents(filter: {occurred: {end: "2026-01-07"}}, first: $n) { totalCount nodes {
      externalKey
      people(first: $n) { totalCount nodes { role PERSON } }
      agencies(first: $n) { nodes { name } }
      sources(first: $n) { nodes { url dataset { key } } }
      statements(first: $n) { nodes { SPEAKER } } } } }"""
    query = query.replace("PERSON", person).replace("SPEAKER", speaker)
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
        incidents = body["data"]["incidents"]["nodes"]
        assert len(incidents) == size
        assert incidents[0]["externalKey"] == KEY
        assert incidents[0]["statements"]["nodes"]
    # incidents, their count; people, their count, and the persons (or the speakers);
    # agencies; sources and their datasets; statements.
    assert counts == {1: 9, 100: 9}


async def test_incident_without_a_source_is_refused(empty_url):
    conn = await asyncpg.connect(empty_url)
    try:
        insert = (
            "INSERT INTO incidents (kind, occurred_on, occurred_precision, city, state,"
            " description) VALUES ('shooting', '2026-01-07', 'day', 'Minneapolis', 'MN', $1)"
            " RETURNING id"
        )
        with pytest.raises(asyncpg.CheckViolationError, match=r"incident \d+ has no source"):
            async with conn.transaction():
                await conn.fetchval(insert, DESCRIPTION)
        assert await conn.fetchval("SELECT count(*) FROM incidents") == 0
        async with conn.transaction():
            incident = await conn.fetchval(insert, DESCRIPTION)
            source = await conn.fetchval(
                "INSERT INTO sources (url, publisher) VALUES ($1, 'The Guardian') RETURNING id",
                GUARDIAN,
            )
            await conn.execute("INSERT INTO incident_sources VALUES ($1, $2)", incident, source)
        assert await conn.fetchval("SELECT count(*) FROM incidents") == 1
    finally:
        await conn.close()
