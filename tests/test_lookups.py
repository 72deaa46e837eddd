"""Root lookups fail alone: an unknown key is null at its own path with one NOT_FOUND error.

The cases come from /work/shared/cases/node-lookup-not-found-nulls-response/ (Relay Global
Object Identification: `node` is nullable, "null if not found"; Shopify Admin API: `nodes`
is `[Node]!` with a null entry per id not found). Sibling fields are answered.
"""

import base64
from typing import Any

import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, get_named_type

from db.pool import log_statements
from schema.root import schema
from tests.conftest import graphql
from tests.editors import editing_api


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


UNKNOWN_LEGISLATOR = _b64("Legislator:999999")
NODES = (
    "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Legislator { bioguideId } } }"
)

# Each root lookup: its key argument, how to list real keys, and a key that names no record.
LOOKUPS: dict[str, tuple[str, str, str, str]] = {
    "node": ("id", "legislators", "id", UNKNOWN_LEGISLATOR),
    "legislator": ("bioguideId", "legislators", "bioguideId", "X999999"),
    "committee": ("thomasId", "committees", "thomasId", "ZZZZ99"),
    "bill": ("billId", "bills", "billId", "hr99999-117"),
    "vote": ("voteId", "votes", "voteId", "h999-119.2025"),
    "statement": ("externalKey", "statements", "externalKey", "no-such-statement"),
    "incident": ("externalKey", "incidents", "externalKey", "no-such-incident"),
    "person": ("slug", "people", "slug", "no-such-person"),
    "organization": ("slug", "organizations", "slug", "no-such-organization"),
    "source": ("url", "sources", "url", "https://example.org/no-such-source"),
    "topic": ("slug", "topics", "slug", "no-such-topic"),
}


def _root_lookups() -> set[str]:
    """Query fields that answer one record, not a list or a connection: the root lookups."""
    query = schema._schema.query_type
    assert query is not None
    return {
        name
        for name, field in query.fields.items()
        if not get_named_type(field.type).name.endswith("Connection")
        and not isinstance(getattr(field.type, "of_type", field.type), GraphQLList)
    }


def test_every_root_lookup_is_nullable_and_covered_here():
    query = schema._schema.query_type
    assert query is not None
    assert _root_lookups() == set(LOOKUPS)
    for name in LOOKUPS:
        assert not isinstance(query.fields[name].type, GraphQLNonNull), name
    nodes = query.fields["nodes"].type
    assert isinstance(nodes, GraphQLNonNull)
    assert not isinstance(nodes.of_type.of_type, GraphQLNonNull)  # [Node]!


def _one_error(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body.get("errors", [])) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


async def _real_key(client, connection: str, key: str) -> str:
    body = await graphql(client, f"{{ {connection}(first: 100) {{ nodes {{ {key} }} }} }}")
    assert "errors" not in body, body
    keys = [n[key] for n in body["data"][connection]["nodes"] if n[key]]
    assert keys, f"no {connection} with a {key} in the shipped data"
    return str(keys[0])


@pytest.mark.parametrize("field", LOOKUPS)
async def test_unknown_key_is_null_at_its_path_and_siblings_are_answered(client, field):
    argument, connection, key, unknown = LOOKUPS[field]
    real = await _real_key(client, connection, key)
    query = f"""query($real: {"ID" if field == "node" else "String"}!, $unknown: ID!) {{
      found: {field}({argument}: $real) {{ __typename }}
      missing: {field}({argument}: $unknown) {{ __typename }}
      legislators(first: 1) {{ totalCount }}
    }}"""
    if field != "node":
        query = query.replace("$unknown: ID!", "$unknown: String!")
    body = await graphql(client, query, {"real": real, "unknown": unknown})
    error = _one_error(body)
    assert error["path"] == ["missing"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert body["data"]["missing"] is None
    assert body["data"]["found"]["__typename"]
    assert body["data"]["legislators"]["totalCount"] > 0


async def test_unknown_node_keeps_its_sibling(client):
    body = await graphql(
        client,
        f'{{ node(id: "{UNKNOWN_LEGISLATOR}") {{ id }} legislators(first: 1) {{ totalCount }} }}',
    )
    error = _one_error(body)
    assert (error["path"], error["extensions"]["code"]) == (["node"], "NOT_FOUND")
    assert body["data"]["node"] is None
    assert body["data"]["legislators"]["totalCount"] > 0


async def _legislator_ids(client, *bioguide_ids: str) -> list[str]:
    ids = []
    for bioguide_id in bioguide_ids:
        body = await graphql(
            client,
            "query($b: String!) { legislator(bioguideId: $b) { id } }",
            {"b": bioguide_id},
        )
        assert "errors" not in body, body
        ids.append(body["data"]["legislator"]["id"])
    return ids


async def test_nodes_answers_null_for_each_unknown_id_in_order(client):
    a000370, a000055 = await _legislator_ids(client, "A000370", "A000055")
    body = await graphql(client, NODES, {"ids": [a000370, UNKNOWN_LEGISLATOR, a000055]})
    error = _one_error(body)
    assert (error["path"], error["extensions"]["code"]) == (["nodes", 1], "NOT_FOUND")
    assert body["data"]["nodes"] == [
        {"__typename": "Legislator", "id": a000370, "bioguideId": "A000370"},
        None,
        {"__typename": "Legislator", "id": a000055, "bioguideId": "A000055"},
    ]


@pytest.mark.parametrize(
    ("bad", "message"),
    [("not base64!", "malformed id"), (_b64("Spaceship:1"), "no known type")],
)
async def test_a_malformed_id_in_nodes_fails_only_its_own_entry(client, bad, message):
    (a000370,) = await _legislator_ids(client, "A000370")
    body = await graphql(client, NODES, {"ids": [bad, a000370, UNKNOWN_LEGISLATOR]})
    errors = sorted(body["errors"], key=lambda e: e["path"])
    assert [(e["path"], e["extensions"]["code"]) for e in errors] == [
        (["nodes", 0], "BAD_USER_INPUT"),
        (["nodes", 2], "NOT_FOUND"),
    ]
    assert errors[0]["extensions"]["argument"] == "ids"
    assert message in errors[0]["message"]
    assert [n and n["bioguideId"] for n in body["data"]["nodes"]] == [None, "A000370", None]


async def test_malformed_ids_are_refused_before_any_sql(client):
    query = '{ node(id: "not base64!") { id } nodes(ids: ["not base64!", "%%"]) { id } }'
    async with log_statements() as log:
        body = await graphql(client, query)
    assert log.statements == []
    assert body["data"] == {"node": None, "nodes": [None, None]}
    assert sorted((e["path"], e["extensions"]["code"]) for e in body["errors"]) == [
        (["node"], "BAD_USER_INPUT"),
        (["nodes", 0], "BAD_USER_INPUT"),
        (["nodes", 1], "BAD_USER_INPUT"),
    ]


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ('{ bill(billId: "hr1470") { billId } }', ["bill"]),
        ('{ b: vote(voteId: "x60-117.2021") { voteId } }', ["b"]),
    ],
)
async def test_a_malformed_key_is_bad_user_input_at_its_path(client, query, path):
    body = await graphql(client, query.replace("} }", "} legislators(first: 1) { totalCount } }"))
    error = _one_error(body)
    assert (error["path"], error["extensions"]["code"]) == (path, "BAD_USER_INPUT")
    assert body["data"][path[0]] is None
    assert body["data"]["legislators"]["totalCount"] > 0


async def test_more_than_100_ids_still_refuses_the_whole_list(client):
    ids = [_b64(f"Legislator:{i}") for i in range(1, 102)]
    body = await graphql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    error = _one_error(body)
    assert (error["path"], error["extensions"]["code"]) == (["nodes"], "BAD_USER_INPUT")
    assert body["data"] is None  # nodes is [Node]!: a field error on it reaches the root


async def test_aliased_votes_fail_alone(client):
    body = await graphql(
        client,
        '{ a: vote(voteId: "h60-117.2021") { result } b: vote(voteId: "h999-119.2025") '
        "{ result } }",
    )
    error = _one_error(body)
    assert (error["path"], error["extensions"]["code"]) == (["b"], "NOT_FOUND")
    assert body["data"] == {"a": {"result": "Passed"}, "b": None}


async def test_plain_selections_on_a_nullable_lookup_take_the_short_path_correctly(client):
    """schema/execution.py completes plain selections by a compiled plan; a null root
    lookup next to a found one must not upset it."""
    selection = "{ bioguideId name { first last } currentTerm { state } }"
    body = await graphql(
        client,
        f'{{ a: legislator(bioguideId: "A000370") {selection} '
        f'b: legislator(bioguideId: "X999999") {selection} }}',
    )
    error = _one_error(body)
    assert (error["path"], error["extensions"]["code"]) == (["b"], "NOT_FOUND")
    assert body["data"]["b"] is None
    assert body["data"]["a"]["bioguideId"] == "A000370"
    assert body["data"]["a"]["name"]["last"] == "Adams"


def test_nested_fields_keep_their_nullability():
    vote = schema._schema.get_type("Vote")
    position = schema._schema.get_type("VotePosition")
    assert isinstance(vote, GraphQLObjectType) and isinstance(position, GraphQLObjectType)
    assert isinstance(vote.fields["totals"].type, GraphQLNonNull)
    assert isinstance(position.fields["vote"].type, GraphQLNonNull)


async def _ids_of(client, connection: str, count: int) -> list[str]:
    body = await graphql(client, f"{{ {connection}(first: {count}) {{ nodes {{ id }} }} }}")
    assert "errors" not in body, body
    ids = [n["id"] for n in body["data"][connection]["nodes"]]
    assert len(ids) == count, f"the shipped data has fewer than {count} {connection}"
    return ids


async def test_nodes_is_one_statement_per_type_whatever_the_count(client):
    """Like tests/test_statement_counts.py: the count does not grow with the number of ids."""
    counts = {}
    for legislators, others in ((1, 1), (80, 8)):  # the shipped data has 9 bills
        ids = [
            *await _ids_of(client, "legislators", legislators),
            UNKNOWN_LEGISLATOR,
            *await _ids_of(client, "bills", others),
            *await _ids_of(client, "votes", others),
        ]
        async with log_statements() as log:
            body = await graphql(
                client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids}
            )
        assert [e["path"] for e in body["errors"]] == [["nodes", legislators]]
        expected = [None if i == UNKNOWN_LEGISLATOR else i for i in ids]
        assert [n and n["id"] for n in body["data"]["nodes"]] == expected
        counts[len(ids)] = log.count
    assert counts == {4: 3, 97: 3}  # one statement each for legislators, bills and votes


async def test_a_partial_answer_is_not_kept_in_the_response_cache(fresh_url):
    """Answers with errors are never stored (api/graphql.py), NOT_FOUND ones included."""
    query = f'{{ node(id: "{UNKNOWN_LEGISLATOR}") {{ id }} legislators {{ totalCount }} }}'
    async with editing_api(fresh_url) as api:
        cache = next(
            route.app.cache
            for route in api.http._transport.app.routes  # type: ignore[attr-defined]
            if getattr(route, "path", None) == "/graphql"
        )
        first = await api.post(query, as_=None)
        async with log_statements() as log:
            again = await api.post(query, as_=None)
        assert (again["data"], again["errors"]) == (first["data"], first["errors"])
        assert first["data"]["node"] is None and first["data"]["legislators"]["totalCount"] > 0
        assert log.count > 1  # answered again, not from the cache
        assert cache.hits == 0
        response = await api.http.get("/graphql", params={"query": query})
        assert response.json()["data"] == first["data"]
        assert "etag" not in response.headers
