"""The topics root field and topic(slug:): the shipped demo topic and what is filed under it.

`qualified-immunity-ice` (data/curated/qualified-immunity-ice.yaml) files three bills
(H.R. 1470 and S. 492, the Ending Qualified Immunity Act, and H.R. 1280, the George Floyd
Justice in Policing Act of 2021, whose House passage was roll call h60-117.2021), the four
statements of the seed article and the Renee Good incident.
"""

import pytest

from db.pool import log_statements
from tests.conftest import error_codes, graphql

TOPIC = "qualified-immunity-ice"


async def test_lookup_by_slug(client):
    body = await graphql(
        client,
        """{ topic(slug: "qualified-immunity-ice") { id slug name description
              bills(first: 100) { totalCount nodes { billId } }
              votes { totalCount }
              statements { totalCount nodes { said { precision } } }
              incidents { totalCount nodes { occurred { text } } } } }""",
    )
    assert "errors" not in body, body
    topic = body["data"]["topic"]
    assert topic["name"] == "Qualified immunity for ICE agents"
    assert sorted(b["billId"] for b in topic["bills"]["nodes"]) == [
        "hr1280-117",
        "hr1470-117",
        "s492-117",
    ]
    assert topic["bills"]["totalCount"] == 3
    assert topic["votes"]["totalCount"] == 0
    assert topic["statements"]["totalCount"] == 4
    assert topic["statements"]["nodes"][0]["said"] == {"precision": "MONTH"}
    assert topic["incidents"] == {"totalCount": 1, "nodes": [{"occurred": {"text": "2026-01-07"}}]}
    node = await graphql(client, f'{{ node(id: "{topic["id"]}") {{ ... on Topic {{ slug }} }} }}')
    assert node["data"]["node"] == {"slug": TOPIC}


async def test_topic_bills_reach_their_votes(client):
    body = await graphql(
        client,
        """{ topic(slug: "qualified-immunity-ice") { bills(first: 100) { nodes { billId
              votes { nodes { voteId totals { yea nay } } } } } } }""",
    )
    votes = {b["billId"]: b["votes"]["nodes"] for b in body["data"]["topic"]["bills"]["nodes"]}
    assert votes["hr1470-117"] == votes["s492-117"] == []
    assert [v["voteId"] for v in votes["hr1280-117"]] == ["h60-117.2021"]
    assert votes["hr1280-117"][0]["totals"] == {"yea": 220, "nay": 212}


async def _every(client, field: str) -> list[dict]:
    """Every statement or incident with its topics, a full page at a time."""
    query = f"""query($after: String) {{ {field}(first: 100, after: $after) {{ totalCount
      nodes {{ id topics {{ totalCount nodes {{ slug }} }} }}
      pageInfo {{ hasNextPage endCursor }} }} }}"""
    nodes: list[dict] = []
    after = None
    while True:
        body = await graphql(client, query, {"after": after})
        assert "errors" not in body, body
        page = body["data"][field]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len({n["id"] for n in nodes}) == len(nodes) == page["totalCount"]
    return nodes


async def test_topic_is_linked_back_from_its_records(client):
    body = await graphql(
        client,
        """{ topic(slug: "qualified-immunity-ice") {
              statements(first: 100) { nodes { id } } incidents(first: 100) { nodes { id } } } }""",
    )
    assert "errors" not in body, body
    topic = body["data"]["topic"]
    # 59 statements (4 curated, 55 floor speeches) and 335 incidents (1 curated, 273 more ICE
    # deaths, 61 CBP deaths) are shipped.
    for field, filed, shipped in (("statements", 4, 59), ("incidents", 1, 335)):
        ids = {n["id"] for n in topic[field]["nodes"]}
        assert len(ids) == filed
        records = await _every(client, field)
        assert len(records) == shipped
        # Every record filed under the topic lists it, and no other record lists any topic:
        # the other shipped files (floor speeches, ICE and CBP deaths) file none.
        for record in records:
            if record["id"] in ids:
                assert record["topics"] == {"totalCount": 1, "nodes": [{"slug": TOPIC}]}
            else:
                assert record["topics"] == {"totalCount": 0, "nodes": []}


async def test_unknown_slug_is_not_found(client):
    body = await graphql(client, '{ topic(slug: "no-such-topic") { name } }')
    assert error_codes(body) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("name", "count"), [("qualif imm", 1), ("ICE", 1), ("immunity agents", 1), ("police", 0)]
)
async def test_name_search(client, name, count):
    body = await graphql(
        client,
        "query($n: String) { topics(filter: {name: $n}) { totalCount nodes { slug } } }",
        {"n": name},
    )
    topics = body["data"]["topics"]
    assert topics["totalCount"] == count
    assert [t["slug"] for t in topics["nodes"]] == [TOPIC] * count


@pytest.mark.parametrize("order", ["NAME", "UPDATED_AT"])
async def test_orders_and_updated_since(client, order):
    body = await graphql(
        client,
        f"""{{ all: topics(orderBy: {order}, last: 5) {{ totalCount nodes {{ slug }}
                pageInfo {{ hasNextPage hasPreviousPage }} }}
              none: topics(filter: {{updatedSince: "2999-01-01T00:00:00Z"}}) {{ totalCount }} }}""",
    )
    assert body["data"]["all"]["nodes"] == [{"slug": TOPIC}]
    assert body["data"]["all"]["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False}
    assert body["data"]["none"]["totalCount"] == 0


async def test_nested_topic_lists_page_both_ways(client):
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      topic(slug: "qualified-immunity-ice") {
        bills(first: $first, after: $after, last: $last, before: $before) {
          nodes { billId } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }"""
    everything = (await graphql(client, query, {"first": 100}))["data"]["topic"]["bills"]
    ids = [b["billId"] for b in everything["nodes"]]
    forwards, after = [], None
    for _ in ids:
        page = (await graphql(client, query, {"first": 1, "after": after}))["data"]["topic"]
        forwards += [b["billId"] for b in page["bills"]["nodes"]]
        after = page["bills"]["pageInfo"]["endCursor"]
    assert forwards == ids
    assert page["bills"]["pageInfo"]["hasNextPage"] is False
    last = (await graphql(client, query, {"last": 2}))["data"]["topic"]["bills"]
    assert [b["billId"] for b in last["nodes"]] == ids[-2:]
    assert last["pageInfo"]["hasPreviousPage"] is True


@pytest.mark.parametrize(
    ("arguments", "message"),
    [("orderBy: NEWEST", "NEWEST"), ('filter: {name: "#"}', "no words"), ("first: 500", "100")],
)
async def test_bad_input_is_bad_user_input(client, arguments, message):
    body = await graphql(client, f"{{ topics({arguments}) {{ totalCount }} }}")
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]


async def test_bills_and_their_votes_cost_the_same_statements_at_any_page_size(client):
    # `last` so that even one bill is H.R. 1280, the oldest and the one with a roll call.
    query = """query($n: Int) { topic(slug: "qualified-immunity-ice") {
      bills(last: $n) { totalCount nodes { votes(first: $n) { nodes { totals { yea nay } } } } }
      statements(first: $n) { totalCount nodes { sources(first: $n) { nodes { title } } } }
      incidents(first: $n) { nodes { people(first: $n) { nodes { person { name } } } } } } }"""
    counts = {}
    for size in (1, 100):
        async with log_statements() as log:
            body = await graphql(client, query, {"n": size})
        assert "errors" not in body, body
        counts[size] = log.count
    # topic; bills, their count, votes, totals; statements, count, sources; incidents,
    # people, persons.
    assert counts == {1: 11, 100: 11}
