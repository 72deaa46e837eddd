"""Hostile input is a 4xx or a coded error, never a 5xx nor INTERNAL.

Every argument of every query field (root fields, and the fields of the nodes they return) is
tried with boundary values for its type, found by walking the schema rather than listed by
hand; forged cursors are made from real ones for every root list's ordering.
"""

import asyncio
import base64
import dataclasses
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

from api.app import create_app
from api.settings import load_settings
from db.pool import Database
from schema.root import build_schema
from tests.conftest import error_codes, graphql

BIG = 2**70
SCALARS: dict[str, list[Any]] = {
    "Int": [2_147_483_647, -2_147_483_648, -1],
    "Float": [1.7976931348623157e308, -1e308],
    "Boolean": [True],
    "String": ["x" * 5_000, "٣٤", " ".join(["w"] * 300), "%_\\'\"\u200b"],
    "ID": [
        "",
        base64.b64encode(b"Statement:+1").decode(),
        base64.b64encode(b"Statement:99999999999999999999").decode(),
        "x" * 5_000,
    ],
    "Date": ["0001-01-01", "9999-12-31", "0000-01-01"],
    "DateTime": [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2020-01-01T00:00:00+99:00",
    ],
    "JSON": [{"a": [[[[1]]]]}, 1e308, "x"],
}


def boundary_values(kind: GraphQLInputType, depth: int = 0) -> Iterator[Any]:
    """Values at and past the edges of what `kind` can hold."""
    if isinstance(kind, GraphQLNonNull):
        yield from boundary_values(kind.of_type, depth)
        return
    if isinstance(kind, GraphQLList):
        for value in list(boundary_values(kind.of_type, depth))[:2]:
            yield [value]
        sample = next(iter(boundary_values(kind.of_type, depth)), None)
        yield [sample] * 101
        return
    if isinstance(kind, GraphQLEnumType):
        yield next(iter(kind.values))  # every value is valid by definition: one suffices
        return
    if isinstance(kind, GraphQLScalarType):
        yield from SCALARS.get(kind.name, ["x"])
        return
    assert isinstance(kind, GraphQLInputObjectType)
    if depth > 2:
        return
    base = {name: good_value(f.type) for name, f in kind.fields.items() if is_required(f.type)}
    for name, input_field in kind.fields.items():
        for value in boundary_values(input_field.type, depth + 1):
            yield {**base, name: value}


def is_required(kind: Any) -> bool:
    return isinstance(kind, GraphQLNonNull)


def good_value(kind: Any) -> Any:
    """A plain, valid value of `kind`, for the required fields around the one under test."""
    if isinstance(kind, GraphQLNonNull):
        return good_value(kind.of_type)
    if isinstance(kind, GraphQLList):
        return [good_value(kind.of_type)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {n: good_value(f.type) for n, f in kind.fields.items() if is_required(f.type)}
    return {"Int": 1, "Float": 1.0, "Boolean": True, "Date": "2020-01-01"}.get(kind.name, "x")


def selection(kind: Any) -> str:
    """Enough of a field's type to make the server read it."""
    named = get_named_type(kind)
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return ""
    if "edges" in named.fields:
        return "{ totalCount edges { cursor node { __typename } } }"
    return "{ __typename " + ("id" if "id" in named.fields else "") + " }"


def required_arguments(field: GraphQLField, skip: str) -> list[tuple[str, GraphQLArgument]]:
    return [(n, a) for n, a in field.args.items() if n != skip and is_required(a.type)]


def requests_for(schema: GraphQLSchema) -> Iterator[tuple[str, dict[str, Any]]]:
    """(document, variables) for each argument of each field and each boundary value."""
    query = schema.query_type
    assert query is not None
    for name, field in query.fields.items():
        for argument_name, argument in field.args.items():
            others = required_arguments(field, argument_name)
            declared = [f"$v: {argument.type}", *(f"${n}: {a.type}" for n, a in others)]
            passed = [f"{argument_name}: $v", *(f"{n}: ${n}" for n, _ in others)]
            document = (
                f"query({', '.join(declared)}) {{ {name}({', '.join(passed)})"
                f" {selection(field.type)} }}"
            )
            fixed = {n: good_value(a.type) for n, a in others}
            for value in boundary_values(argument.type):
                yield document, {**fixed, "v": value}
        node = get_named_type(field.type)
        if isinstance(node, GraphQLObjectType) and "nodes" in node.fields:
            item = get_named_type(node.fields["nodes"].type)
            if not isinstance(item, GraphQLObjectType):  # search's union: test_search_box.py
                continue
            for inner_name, inner in item.fields.items():
                for argument_name, argument in inner.args.items():
                    if required_arguments(inner, argument_name):
                        continue
                    document = (
                        f"query($v: {argument.type}) {{ {name}(first: 3) {{ nodes {{"
                        f" {inner_name}({argument_name}: $v) {selection(inner.type)} }} }} }}"
                    )
                    for value in boundary_values(argument.type):
                        yield document, {"v": value}


def forged(cursor: str) -> Iterator[str]:
    """Cursors like `cursor`, each key value replaced by one the database cannot take."""
    content = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    for index in range(1, len(content)):
        for value in (BIG, -BIG, 2**31, 1.5, True, None, "\u0000", "\ud800", "0000-01-01"):
            changed = [*content[:index], value, *content[index + 1 :]]
            raw = json.dumps(changed).encode()
            yield base64.urlsafe_b64encode(raw).decode().rstrip("=")
    yield base64.urlsafe_b64encode(f'["{content[0]}"]'.encode()).decode()
    yield cursor + "A"
    yield "+" + cursor
    yield base64.urlsafe_b64encode(b"[" * 2_000 + b"]" * 2_000).decode()  # past the recursion limit


@pytest.fixture(scope="module")
async def hostile(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The API over the shared read-only database, with the response cache on."""
    settings = dataclasses.replace(load_settings(), rate_limit_anonymous=0, rate_limit_key=0)
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def failures(
    http: httpx.AsyncClient, requests: list[tuple[str, dict[str, Any]]]
) -> list[str]:
    """The requests answered 5xx or INTERNAL, described."""
    gate = asyncio.Semaphore(8)

    async def one(document: str, variables: dict[str, Any]) -> str | None:
        async with gate:
            response = await http.post("/graphql", json={"query": document, "variables": variables})
        body = response.json()
        if response.status_code >= 500 or "INTERNAL" in error_codes(body):
            return (
                f"{response.status_code} {document} {str(variables)[:200]}: {response.text[:300]}"
            )
        return None

    results = await asyncio.gather(*(one(d, v) for d, v in requests))
    return [r for r in results if r is not None]


async def test_every_argument_at_its_boundaries(hostile: httpx.AsyncClient) -> None:
    requests = list(requests_for(build_schema()._schema))
    assert len(requests) > 500
    assert await failures(hostile, requests) == []


async def test_forged_cursors_on_every_root_list(hostile: httpx.AsyncClient) -> None:
    query = build_schema()._schema.query_type
    assert query is not None
    requests = []
    for name, field in query.fields.items():
        # auditLog needs an admin key and webhooks a key (test_webhooks.py); lists with a
        # required argument (search) have their own forged-cursor tests.
        if (
            "after" not in field.args
            or name in ("auditLog", "webhooks")
            or required_arguments(field, "after")
        ):
            continue
        page = await graphql(hostile, f"{{ {name}(first: 1) {{ edges {{ cursor }} }} }}")
        edges = page["data"][name]["edges"]
        assert edges, f"the seeded database has no {name}"
        for cursor in forged(edges[0]["cursor"]):
            for direction in ("after", "before"):
                page_of = f"{name}({direction}: $c) {{ totalCount edges {{ cursor }} }}"
                document = f"query($c: String) {{ {page_of} }}"
                requests.append((document, {"c": cursor}))
    assert await failures(hostile, requests) == []
    beyond = base64.urlsafe_b64encode(b'["s.newest","2005-07-20",99999999999999999999999]').decode()
    body = await graphql(
        hostile, "query($c: String) { statements(after: $c) { edges { cursor } } }", {"c": beyond}
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_deeply_nested_variables_are_refused_not_500(hostile: httpx.AsyncClient) -> None:
    depth = 300
    body = '{"query":"{ __typename }","variables":{"a":' + "[" * depth + "]" * depth + "}}"
    for _ in range(2):  # a second time, when the response cache might answer
        response = await hostile.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text
        assert error_codes(response.json()) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("extensions", ["0", "false", "[]", '"x"'])
async def test_extensions_of_the_wrong_type_are_400_cached_or_not(
    hostile: httpx.AsyncClient, extensions: str
) -> None:
    plain = '{"query":"{ legislators(first: 1) { totalCount } }"}'
    assert (await hostile.post("/graphql", content=plain, headers=JSON)).status_code == 200
    wrong = plain[:-1] + f',"extensions":{extensions}}}'
    for _ in range(2):
        response = await hostile.post("/graphql", content=wrong, headers=JSON)
        assert response.status_code == 400, response.text


JSON = {"content-type": "application/json"}


async def test_search_text_has_a_bounded_cost(hostile: httpx.AsyncClient) -> None:
    query = "query($q: String) { statements(filter: {search: $q}) { totalCount } }"
    long = await graphql(hostile, query, {"q": "tax " * 200})
    assert error_codes(long) == ["BAD_USER_INPUT"]
    assert long["errors"][0]["extensions"]["argument"] == "search"
    many = await graphql(hostile, query, {"q": " ".join(f"w{i}" for i in range(40))})
    assert error_codes(many) == ["BAD_USER_INPUT"]
    fine = await graphql(hostile, query, {"q": "climate change"})
    assert "errors" not in fine, fine


async def test_unknown_keys_count_against_the_ip_limit(database: Database) -> None:
    settings = dataclasses.replace(load_settings(), rate_limit_anonymous=3)
    transport = httpx.ASGITransport(app=create_app(settings, database=database))
    unknown = {"Authorization": "Bearer rdr_" + "B" * 43}
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        statuses = []
        for _ in range(6):
            response = await http.post(
                "/graphql", json={"query": "{ __typename }"}, headers=unknown
            )
            statuses.append(response.status_code)
        assert statuses == [401, 401, 401, 429, 429, 429]
        assert int(response.headers["retry-after"]) >= 1
        assert error_codes(response.json()) == ["RATE_LIMITED"]
        anonymous = await http.post("/graphql", json={"query": "{ __typename }"})
        assert anonymous.status_code == 429  # the same IP's budget is spent


async def test_no_field_suggestions_when_introspection_is_off(database: Database) -> None:
    production = dataclasses.replace(load_settings(), introspection=False, graphiql=False)
    development = dataclasses.replace(load_settings(), introspection=True)
    typo = {"query": "{ legislators(first: 1) { nodes { bioguideI } } }"}
    bad_enum = {
        "query": "query($o: LegislatorOrder!) { legislators(orderBy: $o) { totalCount } }",
        "variables": {"o": "NAM"},
    }
    messages = {}
    for name, settings in (("production", production), ("development", development)):
        transport = httpx.ASGITransport(app=create_app(settings, database=database))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            for label, request in (("typo", typo), ("enum", bad_enum)):
                body = (await http.post("/graphql", json=request)).json()
                assert error_codes(body) == ["BAD_USER_INPUT"], body
                messages[name, label] = body["errors"][0]["message"]
    assert "Did you mean" in messages["development", "typo"]
    assert "Did you mean" not in messages["production", "typo"]
    assert "Did you mean" not in messages["production", "enum"]
    assert "bioguideI" in messages["production", "typo"]


async def test_huge_keys_are_not_echoed_in_full(hostile: httpx.AsyncClient) -> None:
    """A NOT_FOUND or BAD_USER_INPUT message quotes at most 400 characters of what was sent,
    so thirty aliases of a 100 KB key cannot make a 3 MB answer."""
    key = "x" * 100_000
    aliases = " ".join(f"t{i}: topic(slug: $k) {{ slug }}" for i in range(30))
    response = await hostile.post(
        "/graphql", json={"query": f"query($k: String!) {{ {aliases} }}", "variables": {"k": key}}
    )
    body = response.json()
    assert error_codes(body) == ["NOT_FOUND"] * 30
    assert all("characters cut)" in error["message"] for error in body["errors"])
    assert len(response.content) < 30 * 1_000
    cursor = base64.urlsafe_b64encode(("y" * 100_000).encode()).decode()
    body = await graphql(
        hostile, "query($c: String) { bills(after: $c) { totalCount } }", {"c": cursor}
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert len(body["errors"][0]["message"]) < 500


async def test_json_nested_past_the_parser_limit_is_named(hostile: httpx.AsyncClient) -> None:
    body = '{"query":"{ __typename }","variables":{"a":' + "[" * 5_000 + "]" * 5_000 + "}}"
    response = await hostile.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert "not valid UTF-8 JSON: it nests too deeply" in response.text
