"""The schema contract (docs/versioning.md): no breaking change goes unnamed in CHANGELOG.md.

`schema.graphql` (the code's schema) is compared with `schema.released.graphql` (the schema
of the last release) by graphql-core's `find_breaking_changes`. Each breaking change has a
subject: `Type.field`, `Type.field(argument:)`, `Enum.VALUE`, `@directive` or a type name.
It passes only when a line of CHANGELOG.md's `## [Unreleased]` section names that subject in
backticks. A field may be removed only after a release that marked it `@deprecated`.
"""

import dataclasses
import re

import httpx
from graphql import (
    BreakingChange,
    BreakingChangeType,
    GraphQLSchema,
    build_schema,
    find_breaking_changes,
)

from api.app import create_app
from api.settings import ROOT, load_settings
from db.pool import Database
from schema.root import schema

RELEASED = ROOT / "schema.released.graphql"
CURRENT = ROOT / "schema.graphql"
CHANGELOG = ROOT / "CHANGELOG.md"
UNRELEASED = "## [Unreleased]"

_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_MEMBER = re.compile(rf"@{_NAME}(?:\({_NAME}:\))?|{_NAME}\.{_NAME}(?:\({_NAME}:\))?")
_WORD = re.compile(_NAME)


def subject(change: BreakingChange, released: GraphQLSchema) -> str:
    """What a breaking change is about, as the changelog must name it."""
    member = _MEMBER.search(change.description)
    if member is not None:
        return member.group(0)
    for word in _WORD.findall(change.description):
        if word in released.type_map:
            return word
    raise AssertionError(f"no subject found in {change.description!r}")


def unreleased_section(changelog: str) -> list[str]:
    """The lines under `## [Unreleased]`, up to the next `## ` heading."""
    lines = changelog.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip().startswith(UNRELEASED)]
    if not starts:
        return []
    section = []
    for line in lines[starts[0] + 1 :]:
        if line.startswith("## "):
            break
        section.append(line)
    return section


def unnamed(changes: list[tuple[str, str]], section: list[str]) -> list[tuple[str, str]]:
    """The (subject, description) pairs no line of `section` names as `` `subject` ``."""
    return [
        (name, description)
        for name, description in changes
        if not any(f"`{name}`" in line for line in section)
    ]


def suggestion(changes: list[tuple[str, str]]) -> str:
    lines = [UNRELEASED, "", "### Breaking", ""]
    lines += [f"- `{name}`: {description}" for name, description in changes]
    return "\n".join(lines)


def schemas() -> tuple[GraphQLSchema, GraphQLSchema]:
    return build_schema(RELEASED.read_text()), build_schema(CURRENT.read_text())


def breaking_changes() -> list[tuple[str, str]]:
    released, current = schemas()
    return [
        (subject(change, released), change.description)
        for change in find_breaking_changes(released, current)
    ]


def test_every_breaking_change_is_named_in_the_changelog() -> None:
    changes = breaking_changes()
    if not changes:
        return
    if not CHANGELOG.exists():
        raise AssertionError(
            f"schema.graphql has {len(changes)} breaking change(s) against"
            " schema.released.graphql and there is no CHANGELOG.md. Create it with (at least):\n\n"
            + suggestion(changes)
        )
    missing = unnamed(changes, unreleased_section(CHANGELOG.read_text()))
    assert not missing, (
        f"CHANGELOG.md's {UNRELEASED} section does not name these breaking changes; add a line"
        " naming each (docs/versioning.md):\n\n" + suggestion(missing)
    )


def test_fields_are_removed_only_after_a_release_deprecated_them() -> None:
    released, current = schemas()
    removed = [
        change
        for change in find_breaking_changes(released, current)
        if change.type == BreakingChangeType.FIELD_REMOVED
    ]
    undeprecated = []
    for change in removed:
        type_name, field_name = subject(change, released).split(".")
        field = getattr(released.type_map[type_name], "fields", {}).get(field_name)
        if field is not None and field.deprecation_reason is None:
            undeprecated.append(f"{type_name}.{field_name}")
    assert not undeprecated, (
        "remove a field only after a release marked it @deprecated (docs/versioning.md):"
        f" {undeprecated}"
    )


def test_subjects_name_fields_arguments_enum_values_and_types() -> None:
    released = build_schema(
        """
        directive @tag(name: String) on FIELD_DEFINITION
        enum Color { RED GREEN }
        type Bill { billId: ID! title(short: Boolean): String color: Color }
        type Query { bill(billId: ID!): Bill! gone: Color }
        """
    )
    current = build_schema(
        """
        enum Color { RED }
        type Bill { billId: Int! title: String color: Color }
        type Query { bill(billId: ID!): Bill }
        """
    )
    found = {subject(c, released) for c in find_breaking_changes(released, current)}
    assert found == {
        "@tag",
        "Color.GREEN",
        "Bill.billId",
        "Bill.title(short:)",
        "Query.bill",
        "Query.gone",
    }


def test_a_line_must_name_the_subject_in_backticks() -> None:
    changelog = (
        "# Changelog\n\n## [Unreleased]\n\n### Breaking\n\n"
        "- `Query.bill` is nullable: an unknown billId answers null with NOT_FOUND.\n"
        "- Query.vote is nullable too.\n\n## [0.1.0] - 2026-11-01\n\n- `Query.topic` added.\n"
    )
    section = unreleased_section(changelog)
    changes = [("Query.bill", "a"), ("Query.vote", "b"), ("Query.topic", "c")]
    assert unnamed(changes, section) == [("Query.vote", "b"), ("Query.topic", "c")]
    assert unreleased_section("# Changelog\n\n## [0.1.0]\n- `Query.bill`\n") == []


async def test_the_sdl_is_served_even_with_introspection_off(database: Database) -> None:
    settings = dataclasses.replace(
        load_settings(), introspection=False, graphiql=False, rate_limit_anonymous=0
    )
    app = create_app(settings, database=database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        answer = await http.get("/schema.graphql")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/plain; charset=utf-8"
        assert answer.text == schema.as_str() + "\n", (
            "the code's schema, as `make schema` writes it"
        )
        again = await http.get("/schema.graphql", headers={"if-none-match": answer.headers["etag"]})
        assert again.status_code == 304
        introspection = await http.post(
            "/graphql", json={"query": "{ __schema { queryType { name } } }"}
        )
        assert "errors" in introspection.json(), "introspection stays off"
