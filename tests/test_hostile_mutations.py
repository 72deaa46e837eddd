"""Hostile input to mutations is a 4xx or a coded error, never a 5xx nor INTERNAL, and a
refused mutation writes nothing.

Every argument and input field (nested ones too: `said.date`, `newSources[0].url`) of every
mutation is tried, one at a time, with boundary values for its type, found by walking the
schema rather than listed by hand. The other fields hold valid values, so that a value gets as
far as it can: update, delete and link mutations work on a record created for them (an
unlink on one linked first, a restore on one deleted first), with the version it is at. A
mutation that succeeds is undone (delete/restore, link/unlink) so that the next one starts
from the same state. Editors send everything but restores, which need an admin key.
"""

import base64
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from db import incidents as incident_sql
from db import statements as statement_sql
from db import topics as topic_sql
from schema.root import build_schema
from tests.conftest import error_codes
from tests.editors import Api, editing_api

VERBS = ("create", "update", "delete", "restore", "unlink", "link")
UNDO = {"delete": "restore", "restore": "delete", "link": "unlink", "unlink": "link"}
BODY_LIMIT = 1_048_576  # REDRESS_MAX_BODY_BYTES's default
WRITTEN_TABLES = (
    "audit_log",
    "statements",
    "incidents",
    "people",
    "organizations",
    "sources",
    "topics",
    *(
        link.table
        for links in (statement_sql.LINKS, incident_sql.LINKS, topic_sql.LINKS)
        for link in links.values()
    ),
)


def _gid(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _incompressible(length: int, low: int, high: int) -> str:
    """`length` random characters between code points `low` and `high`: text that neither
    PostgreSQL's compression nor a btree's can shrink."""
    rng = random.Random(length * 31 + low)
    return "".join(chr(rng.randint(low, high)) for _ in range(length))


BIG_TEXT = _incompressible(3_000, 0x4E00, 0x9FFF)  # 9,000 bytes of CJK: past a btree row
EMOJI_2000 = _incompressible(2_000, 0x1F300, 0x1F5FF)  # 2,000 characters, 8,000 bytes
SCALARS: dict[str, list[Any]] = {
    "Int": [2**31 - 1, -(2**31), 2**31, 2**63, 2**70, 10**400, -1, 0, 1.5, "1"],
    "Float": [
        1.7976931348623157e308,
        -1e308,
        5e-324,
        -0.0,
        90.0000001,
        -180.0000001,
        float("nan"),
        float("inf"),
        float("-inf"),
        "1",
    ],
    "Boolean": [True, "true"],
    "String": [
        "",
        "   ",
        "\t\n\u00a0\u2003",
        "x" * 5_000,
        BIG_TEXT,
        EMOJI_2000,
        "https://example.org/" + EMOJI_2000[:1_980],
        "https://example.org/" + "a" * 2_700,
        "٣٤",
        "%_\\'\"\u200b\u202e",
        "a\u0000b",
        "\ud800",
        "a\udfffb",
        "javascript:alert(1)",
        "http://",
        "https:// example.org",
        "M000133",
        "DAY",
        "floor_speech",
        0,
        ["x"],
        {"x": 1},
    ],
    "ID": [
        "",
        " ",
        _gid("Statement:+1"),
        _gid("Statement:01"),
        _gid("Statement:0"),
        _gid("Statement:-1"),
        _gid("Statement:٣"),
        _gid("Statement:99999999999999999999"),
        _gid("Statement:9223372036854775807"),
        _gid("Statement:9223372036854775808"),
        _gid("Source:9223372036854775807"),
        _gid("Legislator:9223372036854775807"),
        _gid("Bill:1"),
        _gid("Nope:1"),
        _gid("Statement"),
        "U3RhdGVtZW50OjE",
        "!!!",
        "M000133",
        "m000133 ",
        "Z999999",
        "x" * 5_000,
        "a\u0000b",
        "\ud800",
        12,
    ],
    "Date": [
        "0001-01-01",
        "9999-12-31",
        "0000-01-01",
        "10000-01-01",
        "-0001-01-01",
        "2020-02-30",
        "2020-1-1",
        "2020-01-01T00:00:00+14:00",
        "",
        20200101,
    ],
    "DateTime": [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "2020-01-01T00:00:00+99:00",
        "",
    ],
}
HUGE = "x" * (BODY_LIMIT - 2_000)  # the largest string a request can carry
OVER = "x" * BODY_LIMIT
UNIQUE = itertools.count(1)  # slugs and URLs never used twice in a run


class Fresh:
    """Placeholders filled in when a request is sent: the record's current version, and a
    slug or URL no other record has."""

    VERSION = "<version>"
    SLUG = "<slug>"
    URL = "<url>"


@dataclass
class Target:
    """What one mutation works on: its record and version, and the ids its fields name."""

    record: str | None = None
    version: int = 1
    ids: dict[str, str] = field(default_factory=dict)

    def fill(self, value: Any) -> Any:
        if value == Fresh.VERSION:
            return self.version
        if value in (Fresh.SLUG, Fresh.URL):
            tail = f"hostile-{next(UNIQUE)}"
            return tail if value == Fresh.SLUG else f"https://example.org/{tail}"
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return value


def verb_and_entity(name: str) -> tuple[str, str]:
    verb = next(v for v in VERBS if name.startswith(v))
    return verb, name[len(verb) :]


def good_value(kind: Any, name: str, ids: dict[str, str]) -> Any:
    """A valid value of `kind` for the field `name`, for the fields around the one under test."""
    if isinstance(kind, GraphQLNonNull):
        return good_value(kind.of_type, name, ids)
    if isinstance(kind, GraphQLList):
        return [good_value(kind.of_type, name, ids)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        if kind.name == "FuzzyDateInput":
            return {"precision": "DAY", "date": "2020-01-01"}
        wanted = {"sources", "url"}  # a record needs a source; a source, a url or a title
        return {
            n: good_value(f.type, n, ids)
            for n, f in kind.fields.items()
            if isinstance(f.type, GraphQLNonNull) or n in wanted
        }
    by_name = {
        "id": ids.get("id"),
        "target": ids.get("target"),
        "sources": ids.get("source"),
        "speaker": "M000133",
        "expectedVersion": Fresh.VERSION,
        "slug": Fresh.SLUG,
        "url": Fresh.URL,
        "state": "MN",
    }
    if by_name.get(name) is not None:
        return by_name[name]
    return {"Int": 1, "Float": 45.0, "Boolean": True, "Date": "2020-01-01"}.get(
        kind.name, "Hostile test"
    )


def boundary_values(
    kind: GraphQLInputType, name: str, ids: dict[str, str], depth: int = 0
) -> Iterator[tuple[str, Any]]:
    """(path, value) pairs: values at and past the edges of what `kind` can hold, one field of
    an input object at a time (the others valid)."""
    nullable = not isinstance(kind, GraphQLNonNull)
    if not nullable:
        kind = kind.of_type  # type: ignore[union-attr]
    if nullable and depth:
        yield "", None
    if isinstance(kind, GraphQLList):
        inner = kind.of_type
        yield "", []
        yield "", "not a list"
        sample = good_value(inner, name, ids)
        yield "[101]", [sample] * 101
        for path, value in boundary_values(inner, name, ids, depth + 1):
            yield f"[0]{path}", [value]
        return
    if isinstance(kind, GraphQLEnumType):
        yield "", next(iter(kind.values))
        for wrong in ("", "x", next(iter(kind.values)).lower(), 1):
            yield "", wrong
        return
    if isinstance(kind, GraphQLScalarType):
        for value in SCALARS.get(kind.name, ["x"]):
            yield "", value
        return
    assert isinstance(kind, GraphQLInputObjectType)
    base = good_value(kind, name, ids)
    yield "", "not an object"
    yield "", {**base, "unknownField": 1}
    for field_name, input_field in kind.fields.items():
        for path, value in boundary_values(input_field.type, field_name, ids, depth + 1):
            yield f".{field_name}{path}", {**base, field_name: value}
        if depth == 0 and get_named_type(input_field.type).name == "String":
            yield f".{field_name}(huge)", {**base, field_name: HUGE}


def payload_selection(mutation: GraphQLField) -> str:
    payload = get_named_type(mutation.type)
    assert isinstance(payload, GraphQLObjectType)
    (record_field,) = payload.fields
    return f"{{ {record_field} {{ id version }} }}"


def document_for(name: str, mutation: GraphQLField) -> str:
    declared = ", ".join(f"${a}: {arg.type}" for a, arg in mutation.args.items())
    passed = ", ".join(f"{a}: ${a}" for a in mutation.args)
    return f"mutation({declared}) {{ {name}({passed}) {payload_selection(mutation)} }}"


@dataclass
class Outcome:
    status: int
    body: dict[str, Any] | None
    text: str


async def send(api: Api, document: str, variables: dict[str, Any], role: str) -> Outcome:
    """POST as `role`, encoding the JSON as a client might (lone surrogates escaped, NaN and
    Infinity as bare words)."""
    raw = json.dumps({"query": document, "variables": variables}).encode()
    headers = {"Authorization": f"Bearer {api.keys[role]}", "content-type": "application/json"}
    response = await api.http.post("/graphql", content=raw, headers=headers)
    try:
        body = response.json()
    except ValueError:
        body = None
    return Outcome(response.status_code, body, response.text[:400])


async def snapshot(api: Api) -> tuple[int, ...]:
    """Row counts of every table an editor writes (the audit log included)."""
    counts = " , ".join(f"(SELECT count(*) FROM {t})" for t in WRITTEN_TABLES)
    row = await api.db.fetchrow(f"SELECT {counts}")
    assert row is not None
    return tuple(row)


async def run(api: Api, name: str, mutation: GraphQLField, target: Target) -> list[str]:
    """Send every boundary request of one mutation; the failures, described."""
    verb, entity = verb_and_entity(name)
    role = "admin" if verb == "restore" else "editor"
    document = document_for(name, mutation)
    problems = []
    before = await snapshot(api)
    for argument_name, argument in mutation.args.items():
        others = {
            a: good_value(arg.type, a, target.ids)
            for a, arg in mutation.args.items()
            if a != argument_name
        }
        cases = [*boundary_values(argument.type, argument_name, target.ids)]
        if get_named_type(argument.type).name == "String":
            cases.append(("(huge)", HUGE))
        if argument_name == next(iter(mutation.args)):
            cases.append(("(over the body limit)", OVER))
        for path, value in cases:
            variables = target.fill({**others, argument_name: value})
            outcome = await send(api, document, variables, role)
            where = f"{name} {argument_name}{path} = {str(value)[:80]!r}"
            codes = error_codes(outcome.body) if outcome.body else []
            if outcome.status >= 500 or "INTERNAL" in codes:
                problems.append(f"{where}: {outcome.status} {outcome.text}")
                continue
            if outcome.status >= 400:
                continue
            assert outcome.body is not None, where
            if "errors" in outcome.body:
                if None in [e.get("extensions", {}).get("code") for e in outcome.body["errors"]]:
                    problems.append(f"{where}: an error without a code: {outcome.text}")
                now = await snapshot(api)
                if now != before:
                    problems.append(f"{where}: refused, but something was written")
                    before = now
                continue
            sent = variables.get("input")
            linked = sent.get("target") if isinstance(sent, dict) else None
            await undo(api, verb, entity, target, outcome.body["data"][name], linked)
            before = await snapshot(api)
    return problems


async def undo(
    api: Api,
    verb: str,
    entity: str,
    target: Target,
    payload: dict[str, Any],
    linked: str | None = None,
) -> None:
    """Take the record back to where it was before a mutation that succeeded (`linked`: the
    target a link or unlink named)."""
    written = next(iter(payload.values()))
    if verb == "create":
        return
    target.version = written["version"]
    if verb not in UNDO:
        return
    back = UNDO[verb]
    if back == "restore":
        data = await api.ok(
            f'mutation($id: ID!) {{ restore{entity}(id: $id, reason: "undo") {{'
            f" {_lower(entity)} {{ version }} }} }}",
            {"id": target.record},
            as_="admin",
        )
    elif back == "delete":
        data = await api.ok(
            f"mutation($i: DeleteInput!) {{ delete{entity}(input: $i) {{"
            f" {_lower(entity)} {{ version }} }} }}",
            {"i": {"id": target.record, "expectedVersion": target.version, "reason": "undo"}},
        )
    else:
        data = await api.ok(
            f"mutation($i: LinkInput!) {{ {back}{entity}(input: $i) {{"
            f" {_lower(entity)} {{ version }} }} }}",
            {
                "i": {
                    "id": target.record,
                    "expectedVersion": target.version,
                    "target": linked or target.ids["target"],
                }
            },
        )
    target.version = next(iter(next(iter(data.values())).values()))["version"]


def _lower(entity: str) -> str:
    return entity[0].lower() + entity[1:]


async def prepare(api: Api, verb: str, entity: str, source: str, bill: str) -> Target:
    """A record of `entity` for `verb` to work on: fresh, linked for an unlink, deleted for a
    restore."""
    target = Target(ids={"source": source, "target": bill})
    if verb == "create":
        return target
    schema = build_schema()._schema
    create = schema.mutation_type.fields[f"create{entity}"]  # type: ignore[union-attr]
    values = target.fill(good_value(create.args["input"].type, "input", target.ids))
    data = await api.ok(
        f"mutation($i: {create.args['input'].type}) {{ create{entity}(input: $i)"
        f" {{ {_lower(entity)} {{ id version }} }} }}",
        {"i": values},
    )
    created = data[f"create{entity}"][_lower(entity)]
    target.record, target.version = created["id"], created["version"]
    target.ids["id"] = created["id"]
    if verb == "unlink":
        await undo(api, "unlink", entity, target, {"x": {"version": target.version}})
    if verb == "restore":
        await undo(api, "restore", entity, target, {"x": {"version": target.version}})
    return target


async def test_every_mutation_input_at_its_boundaries(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDRESS_RATE_LIMIT_KEY", "0")  # thousands of requests from one key
    schema = build_schema()._schema
    assert schema.mutation_type is not None
    async with editing_api(fresh_url) as api:
        ids = await api.ok(
            "{ sources(first: 1) { nodes { id } } bills(first: 1) { nodes { id } } }"
        )
        source, bill = ids["sources"]["nodes"][0]["id"], ids["bills"]["nodes"][0]["id"]
        problems: list[str] = []
        total = 0
        for name, mutation in schema.mutation_type.fields.items():
            if name.endswith("Webhook"):  # a partner's own; tests/test_webhooks.py
                continue
            verb, entity = verb_and_entity(name)
            target = await prepare(api, verb, entity, source, bill)
            found = await run(api, name, mutation, target)
            problems.extend(found)
            total += 1
        assert total >= 30
        assert problems == []


@pytest.mark.parametrize(
    "literal",
    [r'"\ud800"', r'"a\udfffb"', r'"\u0000"', '"' + "x" * 5_000 + '"', "1e400", "-1e400"],
)
async def test_literals_in_the_document_and_raw_numbers(fresh_url: str, literal: str) -> None:
    """Values written into the document itself (not variables), and JSON numbers past a
    double, are refused with a code like variables are."""
    async with editing_api(fresh_url) as api:
        before = await snapshot(api)
        documents = [
            f'mutation {{ createTopic(input: {{slug: "t-x", name: {literal}}})'
            " { topic { id } } }",
            "mutation { createIncident(input: {kind: DEATH_IN_CUSTODY, occurred: {precision:"
            f' UNKNOWN}}, location: {{latitude: {literal}}}, newSources: [{{title: "t"}}]}})'
            " { incident { id } } }",
        ]
        for document in documents:
            outcome = await send(api, document, {}, "editor")
            assert outcome.status < 500, outcome.text
            assert outcome.body is not None and outcome.body.get("errors"), outcome.text
            codes = error_codes(outcome.body)
            assert codes and "INTERNAL" not in codes, outcome.text
        raw = '{"query": "mutation($i: IncidentLocationInput) { __typename }", "variables": '
        for number in ("1e400", "-1e400", "1" * 400):
            body = raw + f'{{"i": {{"latitude": {number}}}}}}}'
            response = await api.http.post(
                "/graphql",
                content=body,
                headers={
                    "Authorization": f"Bearer {api.keys['editor']}",
                    "content-type": "application/json",
                },
            )
            assert response.status_code < 500, response.text
            assert "INTERNAL" not in response.text
        assert await snapshot(api) == before
