"""Relations to many declared once in db/model.py (docs/model.md): every declaration is a
field of the schema, cursors name the kind of row they point into, and a cursor of one
kind of row is refused by a list of another on both paths."""

import importlib
import pkgutil

import pytest

import db
from db import model
from db.pagination import Ordering
from schema.root import schema
from tests.conftest import error_codes, graphql


def test_every_declared_relation_is_a_connection_field_of_its_parent():
    types = schema._schema.type_map
    declared = [
        (parent, name) for parent, entity in model.ENTITIES.items() for name in entity.connections
    ]
    assert len(declared) == 46
    for parent, name in declared:
        field = types[parent].fields[name]  # type: ignore[union-attr]
        assert str(field.type).endswith("Connection!"), (parent, name)
        assert {"first", "after", "last", "before"} <= set(field.args), (parent, name)


def _orderings() -> list[Ordering]:
    """Every ordering db/ declares: module constants, and the values of its dicts."""
    found = []
    for module_info in pkgutil.iter_modules(db.__path__):
        module = importlib.import_module(f"db.{module_info.name}")
        for value in vars(module).values():
            values = value.values() if isinstance(value, dict) else [value]
            found.extend(v for v in values if isinstance(v, Ordering))
    for entity in model.ENTITIES.values():
        found.extend(relation.ordering for relation in entity.connections.values())
    return found


def test_orderings_with_other_keys_have_other_cursor_names():
    orderings = _orderings()
    by_name: dict[str, set[tuple[tuple[str, str], ...]]] = {}
    for ordering in orderings:
        by_name.setdefault(ordering.cursor_name, set()).add(ordering.keys)
    assert len(by_name) > 30
    assert {name: keys for name, keys in by_name.items() if len(keys) > 1} == {}


CROSSED = [
    # An incident's cursor (`i.newest`) in a list of statements (`s.newest`).
    (
        "incidents(first: 1) { edges { cursor } }",
        "incidents",
        'query($c: String) { bill(billId: "hr1280-117") {'
        " statements(after: $c) { nodes { id } } } }",
    ),
    # A topic's cursor (`tp.name`) in the root list of committees (`c.name`).
    (
        "topics(first: 1) { edges { cursor } }",
        "topics",
        "query($c: String) { committees(after: $c) { nodes { name } } }",
    ),
    # A bill's sync cursor (`b.updated`) in the votes' sync list (`v.updated`).
    (
        "bills(first: 1, orderBy: UPDATED_AT) { edges { cursor } }",
        "bills",
        "query($c: String) { votes(after: $c, orderBy: UPDATED_AT) { nodes { voteId } } }",
    ),
]


@pytest.mark.parametrize("path", ["on", "off"])
@pytest.mark.parametrize(("source", "root", "target"), CROSSED)
async def test_a_cursor_of_another_kind_of_row_is_refused(
    client, monkeypatch, path, source, root, target
):
    monkeypatch.setenv("REDRESS_COMPILED", path)
    edges = (await graphql(client, "{ " + source + " }"))["data"][root]["edges"]
    assert edges, source
    body = await graphql(client, target, {"c": edges[0]["cursor"]})
    assert error_codes(body) == ["BAD_USER_INPUT"], body


MISSING = """{ a: legislator(bioguideId: "X999999") { bioguideId }
  b: bill(billId: "hr9999-117") { billId } c: vote(voteId: "h9999-117.2021") { voteId }
  d: topic(slug: "nope") { slug } e: legislator(bioguideId: "P000617") { bioguideId } }"""


@pytest.mark.parametrize("path", ["on", "off"])
async def test_errors_come_in_document_order_on_both_paths(client, monkeypatch, path):
    # Concurrent lookups complete in any order; the answer's errors never do.
    monkeypatch.setenv("REDRESS_COMPILED", path)
    for _ in range(5):
        body = await graphql(client, MISSING)
        assert [error["path"] for error in body["errors"]] == [["a"], ["b"], ["c"], ["d"]]
        assert body["data"]["e"] == {"bioguideId": "P000617"}
