"""The sources root field: the three sources the shipped seed article cites, and the others.

The seed article's are the article itself (cited by title, published in 2026), the Guardian
report and the ICE detention deaths data file behind the Renee Good record; all from the
curated dataset. The other shipped files add 83 more (86 in all): the ICE files cite 78
ice.gov reports and two Guardian pages, one of them the curated Guardian report (so 79 new);
the CBP file is cited as its repository (1); and each of the three Congressional Record
files is a source dated 2005-07-20 (3).
"""

from collections import Counter

import pytest

from tests.conftest import error_codes, graphql

ARTICLE = "How Democrats Can End Qualified Immunity for ICE Agents"
GUARDIAN = "https://www.theguardian.com/us-news/2026/jan/28/deaths-ice-2026-"
TIMELINE = "https://www.theguardian.com/us-news/ng-interactive/2026/jan/04/ice-2025-deaths-timeline"
CREC = "https://www.govinfo.gov/content/pkg/CREC-2005-07-20/html/CREC-2005-07-20-pt1-Pg{}.htm"
SOURCES = 86
FIELDS = """id url title publisher archivedUrl retrievedAt
  published { text precision year month day }
  dataset { key name url license attribution }"""


async def _sources(client, arguments: str = "") -> dict:
    body = await graphql(
        client, f"{{ sources({arguments} first: 100) {{ totalCount nodes {{ {FIELDS} }} }} }}"
    )
    assert "errors" not in body, body
    return body["data"]["sources"]


async def _every_source(client, order: str = "NEWEST") -> list[dict]:
    """Every source in `order`, a full page at a time."""
    query = f"""query($after: String) {{ sources(orderBy: {order}, first: 100, after: $after) {{
      totalCount nodes {{ {FIELDS} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
    nodes: list[dict] = []
    after = None
    while True:
        body = await graphql(client, query, {"after": after})
        assert "errors" not in body, body
        page = body["data"]["sources"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len({n["id"] for n in nodes}) == len(nodes) == page["totalCount"] == SOURCES
    return nodes


async def test_every_shipped_source_newest_first(client):
    first, *rest = await _every_source(client)
    # The article has a (year) date in 2026; the Congressional Record pages a day in 2005;
    # the undated sources follow.
    assert first["title"] == ARTICLE
    assert first["url"] is None
    assert first["published"] == {
        "text": "2026",
        "precision": "YEAR",
        "year": 2026,
        "month": None,
        "day": None,
    }
    record, undated = rest[:3], rest[3:]
    assert {s["url"] for s in record} == {CREC.format(p) for p in ("H6183", "H6190", "S8504-2")}
    for source in record:
        assert source["publisher"] == "Congressional Record"
        assert source["published"] == {
            "text": "2005-07-20",
            "precision": "DAY",
            "year": 2005,
            "month": 7,
            "day": 20,
        }
    assert [s["published"]["precision"] for s in undated] == ["UNKNOWN"] * (SOURCES - 4)


async def test_dataset_carries_the_licence(client):
    curated = await _sources(client, 'filter: {dataset: "redress-curated"}')
    assert curated["totalCount"] == 3
    for source in curated["nodes"]:
        assert source["dataset"] == {
            "key": "redress-curated",
            "name": "Redress curated records",
            "url": None,
            "license": "CC-BY-4.0",
            "attribution": "Compiled by Redress editors from the sources cited on each record.",
        }


async def test_filter_by_publisher_ignores_case(client):
    found = await _sources(client, 'filter: {publisher: "the guardian"}')
    # Both undated, so the newer row (the ICE file's timeline) comes first.
    assert [s["url"] for s in found["nodes"]] == [TIMELINE, GUARDIAN]
    assert (await _sources(client, 'filter: {publisher: "Reuters"}'))["totalCount"] == 0


async def test_filter_by_dataset_key(client):
    assert (await _sources(client, 'filter: {dataset: "redress-curated"}'))["totalCount"] == 3
    assert (await _sources(client, 'filter: {dataset: "congress-legislators"}'))["totalCount"] == 0


async def test_filter_by_updated_since(client):
    assert (await _sources(client, 'filter: {updatedSince: "2000-01-01T00:00:00Z"}'))[
        "totalCount"
    ] == SOURCES
    assert (await _sources(client, 'filter: {updatedSince: "2999-01-01T00:00:00Z"}'))[
        "totalCount"
    ] == 0


async def test_what_each_source_records(client):
    body = await graphql(
        client,
        """{ sources(first: 100) { nodes { title url
              statements { totalCount nodes { speakerBioguideId speaker { __typename } } }
              incidents { totalCount nodes { occurred { text } } } } } }""",
    )
    nodes = body["data"]["sources"]["nodes"]
    assert len(nodes) == SOURCES
    by_name = {s["title"] or s["url"]: s for s in nodes}
    article = by_name[ARTICLE]
    assert article["statements"]["totalCount"] == 4
    assert article["incidents"] == {
        "totalCount": 1,
        "nodes": [{"occurred": {"text": "2026-01-07"}}],
    }
    # The curated Renee Good incident and the seven other ICE rows that cite the report.
    guardian = by_name[GUARDIAN]
    assert guardian["statements"]["totalCount"] == 0
    assert guardian["incidents"]["totalCount"] == 8
    timeline = by_name[TIMELINE]
    assert timeline["statements"]["totalCount"] == 0
    assert timeline["incidents"]["totalCount"] == 17
    # The Senate page on John Roberts' nomination: its 13 speeches by members with a bioguide
    # id. Of those six senators only McConnell (M000355) is in legislators-current.yaml; the
    # other five are records named by their speech (docs/members.md), so every speech
    # resolves to a Legislator.
    [senate] = [s for s in nodes if s["url"] == CREC.format("S8504-2")]
    assert senate["statements"]["totalCount"] == 13
    speakers = Counter(s["speakerBioguideId"] for s in senate["statements"]["nodes"])
    assert speakers == {
        "C001057": 4,
        "L000174": 4,
        "M000355": 2,
        "R000146": 1,
        "B000953": 1,
        "K000105": 1,
    }
    for statement in senate["statements"]["nodes"]:
        assert statement["speaker"] == {"__typename": "Legislator"}
    assert senate["incidents"] == {"totalCount": 0, "nodes": []}


async def test_lookup_by_url_and_node(client):
    body = await graphql(client, f'{{ source(url: "{GUARDIAN}") {{ id publisher }} }}')
    guardian = body["data"]["source"]
    assert guardian["publisher"] == "The Guardian"
    node = await graphql(
        client, f'{{ node(id: "{guardian["id"]}") {{ ... on Source {{ url }} }} }}'
    )
    assert node["data"]["node"] == {"url": GUARDIAN}
    body = await graphql(client, '{ source(url: "https://example.org/none") { id } }')
    assert error_codes(body) == ["NOT_FOUND"]


async def test_paging_both_ways_and_the_sync_order(client):
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      sources(orderBy: UPDATED_AT, first: $first, after: $after, last: $last, before: $before) {
        nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""
    everything = [s["id"] for s in await _every_source(client, "UPDATED_AT")]

    async def sources(**variables) -> dict:
        body = await graphql(client, query, variables)
        assert "errors" not in body, body
        return body["data"]["sources"]

    # Two, then pages of the default size to the end.
    page = await sources(first=2)
    assert page["pageInfo"]["hasNextPage"] is True
    forwards = [s["id"] for s in page["nodes"]]
    while page["pageInfo"]["hasNextPage"]:
        page = await sources(after=page["pageInfo"]["endCursor"])
        forwards += [s["id"] for s in page["nodes"]]
    assert forwards == everything
    # One, then pages of two back to the start.
    page = await sources(last=1)
    backwards = [s["id"] for s in page["nodes"]]
    while page["pageInfo"]["hasPreviousPage"]:
        page = await sources(last=2, before=page["pageInfo"]["startCursor"])
        backwards = [s["id"] for s in page["nodes"]] + backwards
    assert backwards == everything
    assert page["pageInfo"]["hasPreviousPage"] is False


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("orderBy: OLDEST", "OLDEST"),
        ('before: "WyJzcmMubmV3ZXN0Iiwibm90IGEgZGF0ZSIsMV0"', "malformed cursor"),
        ("last: -1", "between 0 and 100"),
    ],
)
async def test_bad_input_is_bad_user_input(client, arguments, message):
    body = await graphql(client, f"{{ sources({arguments}) {{ totalCount nodes {{ id }} }} }}")
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]
