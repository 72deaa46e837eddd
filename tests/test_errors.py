"""Bad input gets a GraphQL error with a clear message and `extensions.code`, never a 500."""

import base64

import asyncpg
import pytest
from graphql import GraphQLError

from schema.errors import classify
from tests.conftest import error_codes, graphql


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        ('{ node(id: "not base64!") { id } }', "BAD_USER_INPUT", "malformed id"),
        (f'{{ node(id: "{_b64("Legislator:abc")}") {{ id }} }}', "BAD_USER_INPUT", "malformed id"),
        (f'{{ node(id: "{_b64("Spaceship:1")}") {{ id }} }}', "BAD_USER_INPUT", "no known type"),
        (
            f'{{ node(id: "{_b64("Statement:99999999999999999999")}") {{ id }} }}',
            "BAD_USER_INPUT",
            "malformed id",
        ),
        (f'{{ node(id: "{_b64("Legislator:99999")}") {{ id }} }}', "NOT_FOUND", "no Legislator"),
        ('{ legislators(after: "garbage") { totalCount } }', "BAD_USER_INPUT", "malformed cursor"),
        ("{ legislators(first: 101) { totalCount } }", "BAD_USER_INPUT", "between 0 and 100"),
        ("{ legislators(first: 1000000) { totalCount } }", "BAD_USER_INPUT", "between 0 and 100"),
        ("{ legislators(first: -1) { totalCount } }", "BAD_USER_INPUT", "between 0 and 100"),
        ("{ legislators(last: 101) { totalCount } }", "BAD_USER_INPUT", "between 0 and 100"),
        ("{ legislators(first: 1, last: 1) { totalCount } }", "BAD_USER_INPUT", "not both"),
        ("{ legislators(orderBy: SHOE_SIZE) { totalCount } }", "BAD_USER_INPUT", "SHOE_SIZE"),
        (
            '{ legislators(filter: {state: "Massachusetts"}) { totalCount } }',
            "BAD_USER_INPUT",
            "two-letter state code",
        ),
        ('{ legislators(filter: {name: "!!"}) { totalCount } }', "BAD_USER_INPUT", "no words"),
        (
            '{ legislators(filter: {updatedSince: "2026-02-30T00:00:00Z"}) { totalCount } }',
            "BAD_USER_INPUT",
            "DateTime",
        ),
        ("{ legislators { nope } }", "BAD_USER_INPUT", "nope"),
        ("{ legislators {", "BAD_USER_INPUT", "Syntax Error"),
    ],
)
async def test_bad_input_is_a_coded_error(client, query, code, message):
    body = await graphql(client, query)
    assert error_codes(body) == [code], body
    assert message in body["errors"][0]["message"]


async def test_cursor_of_another_ordering_is_refused(client):
    body = await graphql(client, "{ legislators(first: 1) { pageInfo { endCursor } } }")
    cursor = body["data"]["legislators"]["pageInfo"]["endCursor"]
    other = await graphql(
        client,
        "query($c: String) { legislators(orderBy: UPDATED_AT, after: $c) { nodes { id } } }",
        {"c": cursor},
    )
    assert error_codes(other) == ["BAD_USER_INPUT"]


async def test_malformed_cursor_is_refused_even_for_total_count_alone(client):
    body = await graphql(client, '{ legislators(after: "bm90IGEgY3Vyc29y") { totalCount } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_impossible_date_in_variables_is_refused(client):
    body = await graphql(
        client,
        "query($t: DateTime) { legislators(filter: {updatedSince: $t}) { totalCount } }",
        {"t": "2026-13-45T00:00:00Z"},
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_wrong_variable_type_is_refused(client):
    body = await graphql(
        client, "query($n: Int) { legislators(first: $n) { totalCount } }", {"n": "ten"}
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_nodes_refuses_more_than_100_ids(client):
    ids = ", ".join(f'"{_b64(f"Legislator:{i}")}"' for i in range(101))
    body = await graphql(client, f"{{ nodes(ids: [{ids}]) {{ id }} }}")
    assert error_codes(body) == ["BAD_USER_INPUT"]


def test_a_driver_error_without_a_path_is_internal_not_the_documents_fault():
    # A subscription's stream fails outside any field, so its error has no path.
    lost = GraphQLError("boom", original_error=asyncpg.InterfaceError("connection is broken"))
    classify(lost)
    assert lost.extensions == {"code": "INTERNAL"}
    assert lost.message == "Internal server error."
    # A variable that does not parse has no path either, and is the document's fault.
    coerced = GraphQLError("Variable '$d' got invalid value", original_error=ValueError("bad"))
    classify(coerced)
    assert coerced.extensions == {"code": "BAD_USER_INPUT"}
