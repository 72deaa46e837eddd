"""The people root field and person(slug:): speakers and people involved in incidents.

From the shipped seed article: Stephen Miller (a speaker) and Renee Nicole Good (the victim
of the 2026-01-07 shooting in Minneapolis). The ICE and CBP deaths files (data/incidents)
add the people who died: each of the 274 ICE rows names one (Renee Good's row is hers), and
11 of the 61 CBP rows do (the others read Unknown, Unkown or [Name not released]); so there
are 2 + 273 + 11 = 286 people.
"""

import pytest

from tests.conftest import error_codes, graphql

PEOPLE = 286


async def test_lookup_by_slug(client):
    body = await graphql(
        client,
        """{ person(slug: "stephen-miller") { id slug name createdAt updatedAt
              statements { totalCount nodes { said { text precision } medium } }
              incidents { totalCount } } }""",
    )
    assert "errors" not in body, body
    miller = body["data"]["person"]
    assert miller["name"] == "Stephen Miller"
    assert miller["statements"] == {
        "totalCount": 1,
        "nodes": [{"said": {"text": "2026-01", "precision": "MONTH"}, "medium": "TV"}],
    }
    assert miller["incidents"]["totalCount"] == 0
    node = await graphql(client, f'{{ node(id: "{miller["id"]}") {{ ... on Person {{ slug }} }} }}')
    assert node["data"]["node"] == {"slug": "stephen-miller"}


async def test_unknown_slug_is_not_found(client):
    body = await graphql(client, '{ person(slug: "no-such-person") { name } }')
    assert error_codes(body) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ste mil", ["Stephen Miller"]),
        # A word of a hyphenated name matches too: the ICE file's "JORRIN-MILLER DANIEL".
        ("MILLER", ["JORRIN-MILLER DANIEL", "Stephen Miller"]),
        ("zzz", []),
    ],
)
async def test_name_search_matches_word_prefixes(client, name, expected):
    body = await graphql(
        client,
        "query($n: String) { people(filter: {name: $n}) { totalCount nodes { name } } }",
        {"n": name},
    )
    found = body["data"]["people"]
    assert [p["name"] for p in found["nodes"]] == expected
    assert found["totalCount"] == len(expected)


async def test_name_search_finds_people_in_incidents(client):
    body = await graphql(
        client,
        """{ people(filter: {name: "renee"}) { nodes { name
              incidents { nodes { role age incident { occurred { text } } } } } } }""",
    )
    [renee] = body["data"]["people"]["nodes"]
    assert renee["incidents"]["nodes"] == [
        {"role": "VICTIM", "age": 37, "incident": {"occurred": {"text": "2026-01-07"}}}
    ]


@pytest.mark.parametrize("order", ["NAME", "UPDATED_AT"])
async def test_orders_page_both_ways(client, order):
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      people(orderBy: ORDER, first: $first, after: $after, last: $last, before: $before) {
        totalCount nodes { name } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      } }""".replace("ORDER", order)

    async def people(**variables) -> dict:
        body = await graphql(client, query, variables)
        assert "errors" not in body, body
        return body["data"]["people"]

    async def forwards(after: str | None) -> list[str]:
        names: list[str] = []
        while True:
            page = await people(first=100, after=after)
            names += [p["name"] for p in page["nodes"]]
            if not page["pageInfo"]["hasNextPage"]:
                return names
            after = page["pageInfo"]["endCursor"]

    async def backwards(before: str | None) -> list[str]:
        names: list[str] = []
        while True:
            page = await people(last=100, before=before)
            names = [p["name"] for p in page["nodes"]] + names
            if not page["pageInfo"]["hasPreviousPage"]:
                return names
            before = page["pageInfo"]["startCursor"]

    names = await forwards(None)
    assert len(names) == (await people(first=0))["totalCount"] == PEOPLE
    if order == "NAME":
        assert names == sorted(names)
    first = await people(first=1)
    assert [p["name"] for p in first["nodes"]] + await forwards(
        first["pageInfo"]["endCursor"]
    ) == names
    last = await people(last=1)
    assert (
        await backwards(last["pageInfo"]["startCursor"]) + [p["name"] for p in last["nodes"]]
        == names
    )
    assert last["pageInfo"]["hasPreviousPage"] is True
    assert await backwards(None) == names


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('filter: {name: "..."}', "no words"),
        ("orderBy: AGE", "AGE"),
        ('after: "bm9wZQ"', "cursor"),
        ('filter: {updatedSince: "yesterday"}', "DateTime"),
    ],
)
async def test_bad_input_is_bad_user_input(client, arguments, message):
    body = await graphql(client, f"{{ people({arguments}) {{ totalCount }} }}")
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]
