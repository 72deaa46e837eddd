"""Relay connection fields for the relations to many declared in db/model.py.

`nested("Bill", "actions", BillAction, ...)` is the whole of a field such as `Bill.actions`:
its arguments (`first`, `after`, `last`, `before`), its page and its `totalCount`, read through
loaders.relations and db/relations.py from the model's declaration. A field with an argument
of its own (a filter) builds its connection with `related_connection`.
"""

import importlib
from collections.abc import Callable, Hashable
from functools import partial
from typing import Annotated, Any

import strawberry

from db.model import ENTITIES, NestedConnection
from db.pagination import Window
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.relay import Connection, connection, loaded_count, window


def relation(parent: str, name: str) -> NestedConnection:
    """The model's declaration of the relation `parent.name` (KeyError when there is none)."""
    return ENTITIES[parent].connections[name]


def related_connection(
    info: Info,
    declared: NestedConnection,
    pk: int,
    page_window: Window,
    narrowing: Hashable,
    convert: Callable[[Any], Any],
) -> Connection[Any]:
    """The connection of parent row `pk`'s rows of `declared`, narrowed by `narrowing` (None:
    not narrowed), each row made a node with `convert`; page and count are batched across
    parents by the request's relation loaders."""
    loaders = info.context.loaders.relations
    return connection(
        partial(loaders.pages(declared).load, (pk, (page_window, narrowing))),
        convert,
        lambda: loaded_count(loaders.counts(declared), (pk, narrowing)),
    )


def nested(parent: str, name: str, node: type | str, description: str) -> Any:
    """The connection field `name` of the GraphQL type `parent`, as db/model.py declares it.

    `node` is the node class, or `"module:Class"` for a class whose module imports the
    parent's (resolved on first use, as `strawberry.lazy` does); it turns a row into a node
    with its `from_row`.
    """
    declared = relation(parent, name)
    node_type: Any = node
    if isinstance(node, str):
        module, class_name = node.split(":")
        node_type = Annotated[class_name, strawberry.lazy(module)]
    converters: list[Callable[[Any], Any]] = []

    def convert(row: Any) -> Any:
        if not converters:
            found: Any = node
            if isinstance(node, str):
                found = getattr(importlib.import_module(module), class_name)
            converters.append(found.from_row)
        return converters[0](row)

    def resolve(
        root: Any,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[node_type]:
        return related_connection(
            info, declared, root.pk, window(first, after, last, before), None, convert
        )

    return strawberry.field(resolver=resolve, name=name, description=description)
