"""The organizations root field and organization(slug:).

From the shipped seed article: the National Lawyers Guild (advocacy) and Reuters (news), each
quoted once on qualified immunity, and the agency involved in the Renee Good shooting.
"""

import pytest

from tests.conftest import error_codes, graphql


async def test_lookup_by_slug(client):
    body = await graphql(
        client,
        """{ organization(slug: "national-lawyers-guild") { id name kind url abbreviation
              statements { totalCount nodes { quote said { precision } speaker {
                ... on Organization { slug } } } }
              incidents { totalCount } } }""",
    )
    assert "errors" not in body, body
    guild = body["data"]["organization"]
    assert guild["name"] == "National Lawyers Guild"
    assert guild["kind"] == "ADVOCACY"
    assert guild["statements"]["totalCount"] == 1
    statement = guild["statements"]["nodes"][0]
    assert statement["quote"].startswith("is a legal doctrine created by the U.S. Supreme Court")
    assert statement["said"] == {"precision": "UNKNOWN"}
    assert statement["speaker"] == {"slug": "national-lawyers-guild"}
    assert guild["incidents"]["totalCount"] == 0


async def test_unknown_slug_is_not_found(client):
    body = await graphql(client, '{ organization(slug: "no-such-group") { name } }')
    assert error_codes(body) == ["NOT_FOUND"]


async def test_filter_by_kind(client):
    body = await graphql(
        client,
        """{ news: organizations(filter: {kind: NEWS}) { nodes { slug } }
             advocacy: organizations(filter: {kind: ADVOCACY}) { nodes { slug } }
             agencies: organizations(filter: {kind: AGENCY}) { nodes { slug kind } } }""",
    )
    data = body["data"]
    assert {"slug": "reuters"} in data["news"]["nodes"]
    assert {"slug": "national-lawyers-guild"} in data["advocacy"]["nodes"]
    assert all(a["kind"] == "AGENCY" for a in data["agencies"]["nodes"])


async def test_an_agency_lists_its_incidents(client):
    body = await graphql(
        client,
        """{ incidents(filter: {search: "Renee Good"}) { nodes { id agencies { nodes {
              slug incidents { totalCount nodes { id } } } } } } }""",
    )
    [good] = body["data"]["incidents"]["nodes"]
    assert good["agencies"]["nodes"], "the seed incident names its agency"
    for agency in good["agencies"]["nodes"]:
        assert good["id"] in {i["id"] for i in agency["incidents"]["nodes"]}


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("nat law", "national-lawyers-guild"),
        ("reut", "reuters"),
        ("GUILD", "national-lawyers-guild"),
    ],
)
async def test_name_search(client, name, slug):
    body = await graphql(
        client,
        "query($n: String) { organizations(filter: {name: $n}) { nodes { slug } } }",
        {"n": name},
    )
    assert {"slug": slug} in body["data"]["organizations"]["nodes"]


async def test_name_search_and_kind_combine(client):
    body = await graphql(
        client, '{ organizations(filter: {name: "reuters", kind: ADVOCACY}) { totalCount } }'
    )
    assert body["data"]["organizations"]["totalCount"] == 0


@pytest.mark.parametrize("order", ["NAME", "UPDATED_AT"])
async def test_orders_page_both_ways(client, order):
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      organizations(orderBy: ORDER, first: $first, after: $after, last: $last, before: $before) {
        totalCount nodes { slug name } pageInfo { hasPreviousPage startCursor endCursor } } }"""
    query = query.replace("ORDER", order)
    everything = (await graphql(client, query, {"first": 100}))["data"]["organizations"]
    slugs = [o["slug"] for o in everything["nodes"]]
    assert len(slugs) == everything["totalCount"] >= 3
    if order == "NAME":
        names = [o["name"] for o in everything["nodes"]]
        assert names == sorted(names)
    forwards, after = [], None
    for _ in slugs:
        page = (await graphql(client, query, {"first": 1, "after": after}))["data"]
        forwards += [o["slug"] for o in page["organizations"]["nodes"]]
        after = page["organizations"]["pageInfo"]["endCursor"]
    assert forwards == slugs
    last = (await graphql(client, query, {"last": 2}))["data"]["organizations"]
    assert [o["slug"] for o in last["nodes"]] == slugs[-2:]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("filter: {kind: GOVERNMENT}", "GOVERNMENT"),
        ('filter: {name: "-"}', "no words"),
        ("first: 101", "between 0 and 100"),
    ],
)
async def test_bad_input_is_bad_user_input(client, arguments, message):
    body = await graphql(client, f"{{ organizations({arguments}) {{ totalCount }} }}")
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]
