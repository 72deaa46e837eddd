"""Query limits (tokens, depth, aliases, cost), the cost report, and masked internal errors."""

import base64
import dataclasses
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import parse
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from api.app import create_app
from api.graphql import GraphQLEndpoint
from api.settings import load_settings
from db.pool import Database
from schema.cost import alias_count, query_cost, query_depth
from schema.guards import Limits, load_limits
from schema.root import build_schema, schema
from tests.conftest import error_codes, graphql

SCHEMA = schema._schema
LIMIT_VARIABLES = (
    "REDRESS_MAX_DEPTH",
    "REDRESS_MAX_ALIASES",
    "REDRESS_MAX_TOKENS",
    "REDRESS_MAX_COST",
)


@pytest.fixture(scope="module")
async def api(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The API with the default limits, whatever the environment sets, and no rate limit."""
    with pytest.MonkeyPatch.context() as environment:
        for name in LIMIT_VARIABLES:
            environment.delenv(name, raising=False)
        settings = dataclasses.replace(load_settings(), rate_limit_anonymous=0)
        app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cost(query: str, variables: dict | None = None, operation: str | None = None) -> int:
    return query_cost(SCHEMA, parse(query), variables, operation)


def doubling_fragments(levels: int) -> str:
    """A document whose fragments each spread the next twice: 2^levels fields once expanded."""
    fragments = " ".join(
        f"fragment F{i} on Query {{ a{i}: __typename ...F{i + 1} ... on Query {{ ...F{i + 1} }} }}"
        for i in range(levels)
    )
    return f"{{ ...F0 }} {fragments} fragment F{levels} on Query {{ __typename }}"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ __typename }", 0),
        ('{ legislator(bioguideId: "P000617") { bioguideId } }', 0),
        ("{ legislators { nodes { bioguideId } } }", 20),
        ("{ legislators(first: 5) { totalCount } }", 5),
        ("{ legislators(last: 7) { edges { node { bioguideId } } } }", 7),
        ("{ legislators(first: 1000000) { totalCount } }", 100),
        ("{ legislators(first: -3) { totalCount } }", 0),
        ("{ legislators(first: null) { totalCount } }", 20),
        (
            "{ legislators(first: 100) { nodes { sponsoredBills(first: 100) { totalCount } } } }",
            100 + 100 * 100,
        ),
        (
            """{ legislators(first: 10) { nodes {
                  sponsoredBills(first: 10) { nodes { cosponsors(first: 10) { totalCount } } }
                  terms(first: 3) { totalCount } } } }""",
            10 + 10 * (10 + 10 * 10) + 10 * 3,
        ),
        ("{ a: legislators(first: 3) { totalCount } b: bills(first: 4) { totalCount } }", 7),
        (
            f'{{ nodes(ids: ["{_b64("Legislator:1")}", "{_b64("Legislator:2")}"]) {{'
            " ... on Legislator { sponsoredBills(first: 10) { totalCount } } } }",
            2 + 2 * 10,
        ),
        (
            "{ legislators(first: 10) { nodes { ...Bills ...Bills } } }"
            " fragment Bills on Legislator { sponsoredBills(first: 5) { totalCount } }",
            10 + 10 * (5 + 5),
        ),
        ("{ legislators(first: 9) @skip(if: true) { totalCount } }", 0),
        ("{ legislators(first: 9) @include(if: false) { totalCount } }", 0),
        ("{ legislators(first: 9) @include(if: true) { totalCount } }", 9),
        ("{ nope(first: 100) { nodes { id } } }", 0),
        ("{ __schema { types { name } } }", 0),
    ],
)
def test_cost_counts_requested_nodes_down_the_nesting(query, expected):
    assert cost(query) == expected


def test_cost_resolves_variables_and_their_defaults():
    query = """query($n: Int, $m: Int = 4, $skip: Boolean!) {
      legislators(first: $n) { nodes { sponsoredBills(first: $m) { totalCount } } }
      bills(last: $n) @skip(if: $skip) { totalCount } }"""
    assert cost(query, {"n": 30, "skip": True}) == 30 + 30 * 4
    assert cost(query, {"n": 30, "m": 50, "skip": False}) == 30 + 30 * 50 + 30
    assert cost(query, {"skip": True}) == 20 + 20 * 4
    assert cost(query, {"n": "ten", "skip": True}) == 20 + 20 * 4
    ids = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    assert cost(ids, {"ids": ["a", "b", "c"]}) == 3
    assert cost(ids, {"ids": "a"}) == 1


def test_cost_is_of_the_chosen_operation():
    document = "query A { legislators(first: 3) { totalCount } } query B { bills { totalCount } }"
    assert cost(document, operation="A") == 3
    assert cost(document, operation="B") == 20
    assert cost(document) == 0
    assert cost(document, operation="C") == 0


def test_depth_and_aliases_are_measured_with_fragments_expanded():
    assert query_depth(parse("{ __typename }")) == 0
    assert query_depth(parse("{ legislators { nodes { bioguideId } } }")) == 2
    assert query_depth(parse("{ __schema { types { fields { name } } } }")) == 0
    nested = (
        "{ legislators { nodes { ...F } } } fragment F on Legislator { terms { nodes { state } } }"
    )
    assert query_depth(parse(nested)) == 4
    assert (
        alias_count(parse("{ a: __typename b: __typename c: legislators { n: totalCount } }")) == 4
    )
    # Each walk visits a fragment once: 2^60 expanded fields are counted, not visited.
    document = parse(doubling_fragments(60))
    assert alias_count(document) == 2**60 - 1
    assert query_depth(document) == 0


def test_limits_come_from_the_environment(monkeypatch):
    for name in LIMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert load_limits() == Limits(max_depth=10, max_aliases=30, max_tokens=2000, max_cost=20_000)
    monkeypatch.setenv("REDRESS_MAX_DEPTH", "4")
    monkeypatch.setenv("REDRESS_MAX_ALIASES", "5")
    monkeypatch.setenv("REDRESS_MAX_TOKENS", "300")
    monkeypatch.setenv("REDRESS_MAX_COST", "1000")
    assert load_limits() == Limits(max_depth=4, max_aliases=5, max_tokens=300, max_cost=1000)
    monkeypatch.setenv("REDRESS_MAX_COST", "0")
    with pytest.raises(ValueError, match="REDRESS_MAX_COST"):
        load_limits()


async def test_configured_limits_apply():
    small = build_schema(limits=Limits(max_depth=2, max_aliases=1, max_tokens=40, max_cost=10))
    checks = [
        ("{ legislators(first: 11) { totalCount } }", "11 nodes and the limit is 10"),
        (
            "{ legislators(first: 1) { nodes { terms(first: 1) { totalCount } } } }",
            "3 levels deep and the limit is 2",
        ),
        ("{ a: __typename b: __typename }", "2 aliases and the limit is 1"),
        ("{ " + "__typename " * 41 + "}", "more than 40 tokens"),
    ]
    for query, message in checks:
        result = await small.execute(query)
        assert result.errors is not None, query
        assert [e.extensions["code"] for e in result.errors] == ["QUERY_TOO_COMPLEX"], query
        assert message in result.errors[0].message
    result = await small.execute("{ a: __typename }")
    assert result.errors is None
    assert result.extensions == {"cost": {"requested": 0, "limit": 10}}


async def test_every_response_reports_its_cost(api):
    query = "{ legislators(first: 3) { nodes { sponsoredBills(first: 2) { totalCount } } } }"
    body = await graphql(api, query)
    assert "errors" not in body, body
    assert len(body["data"]["legislators"]["nodes"]) == 3
    assert body["extensions"]["cost"]["requested"] == 3 + 3 * 2
    assert body["extensions"]["cost"]["limit"] == 20_000
    failed = await graphql(api, "{ legislators { nope } }")
    assert error_codes(failed) == ["BAD_USER_INPUT"]
    assert failed["extensions"]["cost"]["limit"] == 20_000


async def test_cost_over_the_limit_is_refused_before_execution(api):
    query = """{ legislators(first: 100) { nodes {
      sponsoredBills(first: 100) { nodes { cosponsors(first: 10) { totalCount } } } } } }"""
    response = await api.post("/graphql", json={"query": query})
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "110,100 nodes and the limit is 20,000" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["cost"] == 110_100
    assert body["extensions"]["cost"]["requested"] == 110_100


async def test_cost_uses_the_variables(api):
    query = """query($n: Int) { legislators(first: $n) { nodes {
      sponsoredBills(first: $n) { nodes { cosponsors(first: $n) { totalCount } } } } } }"""
    small = await graphql(api, query, {"n": 2})
    assert "errors" not in small, small
    assert small["extensions"]["cost"]["requested"] == 2 + 4 + 8
    large = await graphql(api, query, {"n": 40})
    assert error_codes(large) == ["QUERY_TOO_COMPLEX"]
    assert large["extensions"]["cost"]["requested"] == 40 + 1600 + 64000


async def test_a_query_50_levels_deep_is_refused(api):
    levels = 25  # each level nests two fields: sponsoredBills, then nodes
    query = (
        "{ legislators { nodes { "
        + "sponsoredBills { nodes { sponsor { " * levels
        + "bioguideId"
        + " } } }" * levels
        + " } } }"
    )
    response = await api.post("/graphql", json={"query": query})
    assert response.status_code == 400
    body = response.json()
    assert "QUERY_TOO_COMPLEX" in error_codes(body)
    assert "77 levels deep and the limit is 10" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(api):
    few = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert "errors" not in await graphql(api, few)
    one_more = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    body = await graphql(api, one_more)
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
    assert (
        body["errors"][0]["message"] == "Query too complex: it has 31 aliases and the limit is 30."
    )
    thousand = "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"
    response = await api.post("/graphql", json={"query": thousand})
    assert response.status_code == 400
    assert error_codes(response.json()) == ["QUERY_TOO_COMPLEX"]


async def test_fragments_that_double_are_refused_at_once(api):
    # Strawberry's own depth and alias limiters would walk 2^60 fields here.
    response = await api.post("/graphql", json={"query": doubling_fragments(60)})
    assert response.status_code == 400
    body = response.json()
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
    assert f"{2**60 - 1:,} aliases" in body["errors"][0]["message"]


async def test_too_many_tokens_are_refused_while_parsing(api):
    query = "{ " + "__typename " * 2500 + "}"
    response = await api.post("/graphql", json={"query": query})
    assert response.status_code == 400
    body = response.json()
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "more than 2000 tokens" in body["errors"][0]["message"]
    nested = "{ a " * 900 + "}" * 900
    body = (await api.post("/graphql", json={"query": nested})).json()
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]


async def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    api, monkeypatch, caplog
):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("connection to 10.0.0.7 failed: password authentication for admin")

    monkeypatch.setattr("db.legislators.page", broken)
    with caplog.at_level(logging.ERROR, logger="redress.errors"):
        response = await api.post(
            "/graphql",
            json={"query": "{ legislators { totalCount nodes { bioguideId } } }"},
            headers={"X-Request-Id": "trace-42"},
        )
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "trace-42"
    body = response.json()
    assert body["errors"] == [
        {
            "message": "Internal server error.",
            # The page is read when `nodes` asks for it, so the error is placed there.
            "locations": [{"line": 1, "column": 28}],
            "path": ["legislators", "nodes"],
            "extensions": {"code": "INTERNAL", "requestId": "trace-42"},
        }
    ]
    assert "10.0.0.7" not in response.text
    assert "password" not in response.text
    logged = [r for r in caplog.records if r.name == "redress.errors"]
    assert len(logged) == 1
    assert logged[0].getMessage().startswith("[request trace-42] unexpected error at")
    assert "password authentication" in caplog.text  # the cause is in the log, not the answer


async def test_a_request_id_is_made_when_the_client_sends_none_or_a_bad_one(api):
    plain = await api.post("/graphql", json={"query": "{ __typename }"})
    made = plain.headers["X-Request-Id"]
    assert len(made) == 32
    assert made == made.lower() and all(c in "0123456789abcdef" for c in made)
    hostile = await api.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"X-Request-Id": "x %s\\n" + "y" * 100},
    )
    assert hostile.headers["X-Request-Id"] != made
    assert len(hostile.headers["X-Request-Id"]) == 32
    trailing = await api.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-Id": "abc\n"}
    )
    assert trailing.status_code == 200
    assert trailing.headers["X-Request-Id"] != "abc"


async def test_user_errors_stay_clear(api):
    body = await graphql(api, "{ legislators(first: 101) { totalCount } }")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "between 0 and 100" in body["errors"][0]["message"]
    assert "requestId" not in body["errors"][0]["extensions"]


async def test_the_rate_limit_budget_joins_the_cost(database):
    """The view reports the budget a rate limiter leaves in `scope["state"]["rate_limit"]`."""

    def with_budget(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            budget = {"limit": 600, "remaining": 598, "resetSeconds": 41}
            scope.setdefault("state", {})["rate_limit"] = budget
            await app(scope, receive, send)

        return middleware

    endpoint = GraphQLEndpoint(build_schema(limits=Limits()), graphiql=False)
    endpoint.database = database
    app = with_budget(Starlette(routes=[Route("/graphql", endpoint, methods=["GET", "POST"])]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        body = await graphql(http, "{ legislators(first: 2) { totalCount } }")
    assert body["extensions"]["cost"] == {
        "requested": 2,
        "limit": 20_000,
        "rateLimit": {"limit": 600, "remaining": 598, "resetSeconds": 41},
    }


async def test_nul_characters_are_refused_before_reaching_postgres(api):
    # PostgreSQL text cannot hold NUL: without this check each of these was an INTERNAL error.
    literal = await graphql(api, '{ bills(filter: {search: "a\\u0000b"}) { totalCount } }')
    assert error_codes(literal) == ["BAD_USER_INPUT"]
    assert literal["errors"][0]["extensions"]["argument"] == "search"
    assert "NUL" in literal["errors"][0]["message"]
    assert "data" not in literal
    variable = await graphql(
        api,
        "query($b: String!) { legislator(bioguideId: $b) { bioguideId } }",
        {"b": "P000617\x00"},
    )
    assert error_codes(variable) == ["BAD_USER_INPUT"]
    assert variable["errors"][0]["extensions"]["argument"] == "b"
    nested = await graphql(
        api,
        "query($f: LegislatorFilter) { legislators(filter: $f) { totalCount } }",
        {"f": {"name": "x\x00"}},
    )
    assert error_codes(nested) == ["BAD_USER_INPUT"]
