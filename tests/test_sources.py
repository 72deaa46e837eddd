"""The sources root field: the three sources the shipped seed article cites.

They are the article itself (cited by title, published in 2026), the Guardian report and the
ICE detention deaths data file behind the Renee Good record; all from the curated dataset.
"""

import pytest

from tests.conftest import error_codes, graphql

ARTICLE = "How Democrats Can End Qualified Immunity for ICE Agents"
GUARDIAN = "https://www.theguardian.com/us-news/2026/jan/28/deaths-ice-2026-"
FIELDS = """id url title publisher archivedUrl retrievedAt
  published { text precision year month day }
  dataset { key name url license attribution }"""


async def _sources(client, arguments: str = "") -> dict:
    body = await graphql(
        client, f"{{ sources({arguments} first: 100) {{ totalCount nodes {{ {FIELDS} }} }} }}"
    )
    assert "errors" not in body, body
    return body["data"]["sources"]


async def test_every_shipped_source_newest_first(client):
    listed = await _sources(client)
    assert listed["totalCount"] == 3
    first, *rest = listed["nodes"]
    # Only the article has a (year) date; the undated sources follow.
    assert first["title"] == ARTICLE
    assert first["url"] is None
    assert first["published"] == {
        "text": "2026",
        "precision": "YEAR",
        "year": 2026,
        "month": None,
        "day": None,
    }
    assert [s["published"]["precision"] for s in rest] == ["UNKNOWN", "UNKNOWN"]


async def test_dataset_carries_the_licence(client):
    for source in (await _sources(client))["nodes"]:
        assert source["dataset"] == {
            "key": "redress-curated",
            "name": "Redress curated records",
            "url": None,
            "license": "CC-BY-4.0",
            "attribution": "Compiled by Redress editors from the sources cited on each record.",
        }


async def test_filter_by_publisher_ignores_case(client):
    found = await _sources(client, 'filter: {publisher: "the guardian"}')
    assert [s["url"] for s in found["nodes"]] == [GUARDIAN]
    assert (await _sources(client, 'filter: {publisher: "Reuters"}'))["totalCount"] == 0


async def test_filter_by_dataset_key(client):
    assert (await _sources(client, 'filter: {dataset: "redress-curated"}'))["totalCount"] == 3
    assert (await _sources(client, 'filter: {dataset: "congress-legislators"}'))["totalCount"] == 0


async def test_filter_by_updated_since(client):
    assert (await _sources(client, 'filter: {updatedSince: "2000-01-01T00:00:00Z"}'))[
        "totalCount"
    ] == 3
    assert (await _sources(client, 'filter: {updatedSince: "2999-01-01T00:00:00Z"}'))[
        "totalCount"
    ] == 0


async def test_what_each_source_records(client):
    body = await graphql(
        client,
        """{ sources(first: 100) { nodes { title url
              statements { totalCount nodes { speaker { __typename } } }
              incidents { totalCount nodes { occurred { text } } } } } }""",
    )
    by_name = {s["title"] or s["url"]: s for s in body["data"]["sources"]["nodes"]}
    article = by_name[ARTICLE]
    assert article["statements"]["totalCount"] == 4
    assert article["incidents"] == {
        "totalCount": 1,
        "nodes": [{"occurred": {"text": "2026-01-07"}}],
    }
    guardian = by_name[GUARDIAN]
    assert guardian["statements"]["totalCount"] == 0
    assert guardian["incidents"]["totalCount"] == 1


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
    everything = [s["id"] for s in (await _sources(client, "orderBy: UPDATED_AT"))["nodes"]]
    page = (await graphql(client, query, {"first": 2}))["data"]["sources"]
    assert page["pageInfo"]["hasNextPage"] is True
    after = (await graphql(client, query, {"after": page["pageInfo"]["endCursor"]}))["data"]
    assert [s["id"] for s in page["nodes"] + after["sources"]["nodes"]] == everything
    last = (await graphql(client, query, {"last": 1}))["data"]["sources"]
    before = await graphql(client, query, {"last": 2, "before": last["pageInfo"]["startCursor"]})
    assert [s["id"] for s in before["data"]["sources"]["nodes"] + last["nodes"]] == everything
    assert before["data"]["sources"]["pageInfo"]["hasPreviousPage"] is False


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("orderBy: OLDEST", "OLDEST"),
        ('before: "WyJuZXdlc3QiLCJub3QgYSBkYXRlIiwxXQ"', "malformed cursor"),
        ("last: -1", "between 0 and 100"),
    ],
)
async def test_bad_input_is_bad_user_input(client, arguments, message):
    body = await graphql(client, f"{{ sources({arguments}) {{ totalCount }} }}")
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]
