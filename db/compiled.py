"""One SQL statement that builds a whole GraphQL `data` object as JSON (docs/compiled.md).

`schema/compiled.py` turns a query into a tree of the selections below; `statement` turns the
tree into one parameterised statement whose single value is the JSON text of `data`. Every
value from the request (filters, sizes, cursors' keys) and every constant of the schema
(enum names, type names) is a `$n` parameter; only SQL of db/*.py and db/model.py, and
response keys (GraphQL names, checked), are SQL text.

The JSON matches what the resolver path gives after parsing it: dates and instants as
Python's `isoformat` (instants in UTC, microseconds only when not zero), global ids as
schema/relay.py's `to_global_id`, cursors as db/pagination.py's `Ordering.encode`.
"""

import re
from dataclasses import dataclass, field

from db.model import Branch, Column, Count, Entity, ToOne
from db.pagination import Listing, Ordering, Params, Window, _renumber, _where, unindexed

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
# json_build_object takes at most 100 arguments: 50 keys.
MAX_KEYS = 50


class Uncovered(Exception):
    """What this module cannot build: the request takes the resolver path."""


@dataclass
class Leaf:
    """A column of the row (`enum`: stored value -> GraphQL name)."""

    key: str
    column: Column
    enum: dict[str, str] | None = None


@dataclass
class Constant:
    """A constant string, such as `__typename`."""

    key: str
    value: str


@dataclass
class Nested:
    """An object of columns (`Column.kind == "object"`)."""

    key: str
    column: Column
    children: list["Selection"]


@dataclass
class Related:
    """One related row, or null."""

    key: str
    entity: Entity
    relation: ToOne
    children: list["Selection"]


@dataclass
class Union:
    """A union field: per member type, when it applies, its row and its selections."""

    key: str
    branches: list[tuple[Branch, Entity, list["Selection"]]]


@dataclass
class Counted:
    """A to-many list of which only `totalCount` (and `__typename`) is selected."""

    key: str
    count: Count
    children: list["Selection"]


@dataclass
class PageInfoPart:
    key: str
    children: list[tuple[str, str]]  # (response key, field name or constant value)
    typename: str


@dataclass
class RootList:
    """A root connection: one keyset page of `listing` in `ordering`, cut by `window`."""

    key: str
    entity: Entity
    listing: Listing
    ordering: Ordering
    window: Window
    cursor_keys: tuple[object, ...] | None  # the decoded `after` or `before`
    nodes: list["Selection"]
    parts: list[tuple[str, str, object]] = field(default_factory=list)
    cursors: bool = False  # whether any cursor is selected
    parent: str | None = None  # nested: the condition on the parent row `{t}`
    union_node: bool = False  # each node is `nodes[0]`, a Union, not an object of `nodes`
    # (response key, "nodes" | "edges" | "pageInfo" | "totalCount" | "__typename", detail)


@dataclass
class Lookup:
    """A root field that finds one row by its natural key, or null (with NOT_FOUND)."""

    key: str
    entity: Entity
    value: object
    children: list["Selection"]


Selection = Leaf | Constant | Nested | Related | Union | Counted | RootList | Lookup


def _key(key: str) -> str:
    if not _NAME.fullmatch(key):
        raise Uncovered(f"response key {key!r}")
    return f"'{key}'"


def _object(pairs: list[tuple[str, str]]) -> str:
    if len(pairs) > MAX_KEYS:
        raise Uncovered("more than 50 fields in one object")
    return "json_build_object(" + ", ".join(f"{_key(k)}, {v}" for k, v in pairs) + ")"


def iso_date(expr: str) -> str:
    """`date.isoformat()` of a date expression; the infinities as asyncpg reads them."""
    return (
        f"CASE WHEN ({expr}) = '-infinity'::date THEN '0001-01-01'"
        f" WHEN ({expr}) = 'infinity'::date THEN '9999-12-31'"
        f" ELSE to_char({expr}, 'YYYY-MM-DD') END"
    )


def iso_instant(expr: str) -> str:
    """`datetime.isoformat()` of a timestamptz as asyncpg reads it (UTC)."""
    utc = f"(({expr}) AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN date_trunc('second', {utc}) = {utc} THEN ''"
        f" ELSE to_char({utc}, '.US') END || '+00:00')"
    )


def global_id(type_name: str, expr: str, params: Params) -> str:
    """schema/relay.py `to_global_id`: padded base64 of `Type:pk`."""
    prefix = params.add(f"{type_name}:")
    return (
        f"replace(encode(convert_to({prefix}::text || ({expr})::text, 'UTF8'), 'base64'),"
        " E'\\n', '')"
    )


def cursor(ordering: Ordering, params: Params) -> str:
    """db/pagination.py `Ordering.encode` of the row: unpadded base64url of the compact JSON
    list [name, key...]. Text keys are not built here (Python escapes non-ASCII)."""
    parts = [f"to_json({params.add(ordering.cursor_name)}::text)::text"]
    for expr, kind in ordering.keys:
        if kind in ("bigint", "integer"):
            parts.append(f"({expr})::text")
        elif kind == "date":
            parts.append(f"'\"' || {iso_date(expr)} || '\"'")
        elif kind == "timestamptz":
            parts.append(f"'\"' || {iso_instant(expr)} || '\"'")
        else:
            raise Uncovered(f"cursor key of type {kind}")
    text = "'[' || " + " || ',' || ".join(parts) + " || ']'"
    return f"rtrim(translate(encode(convert_to({text}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"


class Builder:
    """Builds the statement, collecting its parameters."""

    def __init__(self) -> None:
        self.params = Params()
        self.aliases = 0

    def alias(self, base: str) -> str:
        self.aliases += 1
        return f"{base}_{self.aliases}"

    def leaf(self, column: Column, t: str, enum: dict[str, str] | None) -> str:
        if column.kind == "constant":
            return f"{self.params.add(column.sql)}::text"
        expr = column.sql.format(t=t)
        if column.kind == "value":
            return expr
        if column.kind == "array":
            return f"to_json({expr})"
        if column.kind == "float":
            text = f"(({expr})::float8)::text"
            return (
                f"CASE WHEN ({expr}) IS NULL THEN NULL"
                f" WHEN {text} ~ '^-?[0-9]+$' THEN ({text} || '.0')::json"
                f" ELSE to_json(({expr})::float8) END"
            )
        if column.kind == "date":
            return f"CASE WHEN ({expr}) IS NULL THEN NULL ELSE {iso_date(expr)} END"
        if column.kind == "datetime":
            return iso_instant(expr)
        if column.kind == "id":
            raise Uncovered("id outside an entity")
        if column.kind == "enum" and enum is not None:
            cases = " ".join(
                f"WHEN {self.params.add(stored)}::text THEN {self.params.add(name)}::text"
                for stored, name in enum.items()
            )
            return f"CASE ({expr})::text {cases} ELSE NULL END"
        raise Uncovered(f"column kind {column.kind}")

    def selections(self, selections: list[Selection], entity: Entity, t: str) -> str:
        pairs = []
        for selection in selections:
            pairs.append((selection.key, self.value(selection, entity, t)))
        return _object(pairs)

    def value(self, selection: Selection, entity: Entity, t: str) -> str:
        if isinstance(selection, Constant):
            return f"{self.params.add(selection.value)}::text"
        if isinstance(selection, Leaf):
            if selection.column.kind == "id":
                return global_id(entity.global_id, selection.column.sql.format(t=t), self.params)
            return self.leaf(selection.column, t, selection.enum)
        if isinstance(selection, Nested):
            body = self.selections(selection.children, entity, t)
            if selection.column.null_when:
                return (
                    f"CASE WHEN {selection.column.null_when.format(t=t)} THEN NULL ELSE {body} END"
                )
            return body
        if isinstance(selection, Related):
            r = self.alias(selection.entity.alias)
            join = selection.relation.join.format(t=t, r=r)
            body = self.selections(selection.children, selection.entity, r)
            order = selection.relation.order.format(r=r)
            return f"(SELECT {body} FROM {selection.entity.table} {r} WHERE {join}{order} LIMIT 1)"
        if isinstance(selection, Union):
            cases = []
            for branch, target, children in selection.branches:
                r = self.alias(target.alias)
                body = self.selections(children, target, r)
                join = branch.join.format(t=t, r=r)
                cases.append(
                    f"WHEN {branch.when.format(t=t)} THEN"
                    f" (SELECT {body} FROM {target.table} {r} WHERE {join} LIMIT 1)"
                )
            return f"CASE {' '.join(cases)} END"
        if isinstance(selection, Counted):
            r = self.alias("c")
            count = (
                f"(SELECT count(*) FROM {selection.count.from_.format(r=r)}"
                f" WHERE {selection.count.where.format(t=t, r=r)})"
            )
            pairs = [
                (child.key, count if isinstance(child, Leaf) else self.value(child, entity, t))
                for child in selection.children
            ]
            return _object(pairs)
        if isinstance(selection, RootList):
            return self.root_list(selection, t)
        raise Uncovered(type(selection).__name__)

    def root_list(self, selection: RootList, parent: str | None = None) -> str:
        entity, ordering, window = selection.entity, selection.ordering, selection.window
        t = entity.alias
        bound = len(self.params.values)
        listing = _renumber(selection.listing, self.params)
        if selection.parent is not None:
            assert parent is not None
            if re.search(rf"\b{re.escape(parent)}\b", listing.from_):
                raise Uncovered(f"alias {parent} is used inside {listing.from_}")
            condition = selection.parent.format(t=parent)
            listing = Listing(listing.select, listing.from_, (condition, *listing.where))
        total = f"(SELECT count(*) FROM {listing.from_} WHERE {_where(listing.where)})"
        if all(part in ("totalCount", "__typename") for _, part, _ in selection.parts):
            if not any(part == "totalCount" for _, part, _ in selection.parts):
                del self.params.values[bound:]  # the listing is not read: bind none of its own
            counted = [
                (key, total if part == "totalCount" else f"{self.params.add(str(detail))}::text")
                for key, part, detail in selection.parts
            ]
            return f"(SELECT {_object(counted)})"
        clauses = list(listing.where)
        keys = ", ".join(expr for expr, _ in ordering.keys)
        if selection.cursor_keys is not None:
            placeholders = ", ".join(
                f"{self.params.add(v)}::{kind}"
                for v, (_, kind) in zip(selection.cursor_keys, ordering.keys, strict=True)
            )
            after = window.after is not None
            op = ">" if after != ordering.descending else "<"
            clauses.append(f"({keys}) {op} ({placeholders})")
        reverse = window.backwards != ordering.descending
        direction = "DESC" if reverse else "ASC"
        # A nested page through a link table is sorted from its parent's rows (see unindexed).
        linked = selection.parent is not None and " JOIN " in listing.from_
        order_by = ", ".join(
            f"{unindexed(expr, kind) if linked else expr} {direction}"
            for expr, kind in ordering.keys
        )
        sized: list[str] = []

        def size() -> str:
            if not sized:
                sized.append(f"{self.params.add(window.size)}::bigint")
            return sized[0]

        limit = self.params.add(window.size + 1)
        if selection.union_node and selection.nodes:
            node = self.value(selection.nodes[0], entity, t)
        else:
            # A node whose every field is skipped (`@include(if: false)`) is an empty object.
            node = self.selections(selection.nodes, entity, t) if selection.nodes else "'{}'::json"
        cursor_sql = cursor(ordering, self.params) if selection.cursors else "NULL::text"
        inner = (
            f"SELECT {node} AS _node, {cursor_sql} AS _cursor,"
            f" row_number() OVER (ORDER BY {order_by}) AS _rn"
            f" FROM {listing.from_} WHERE {_where(clauses)} ORDER BY {order_by} LIMIT {limit}"
        )
        shown = "ASC" if not window.backwards else "DESC"
        unshown = "DESC" if shown == "ASC" else "ASC"

        def more() -> str:
            return f"(count(*) > {size()})"

        def has_next() -> str:
            if window.backwards:
                return f"{self.params.add(window.before is not None)}::boolean"
            return more()

        def has_previous() -> str:
            if window.backwards:
                return more()
            return f"{self.params.add(window.after is not None)}::boolean"

        pairs: list[tuple[str, str]] = []
        for key, part, detail in selection.parts:
            if part == "nodes":
                pairs.append(
                    (
                        key,
                        f"coalesce(json_agg(x._node ORDER BY x._rn {shown})"
                        f" FILTER (WHERE x._rn <= {size()}), '[]'::json)",
                    )
                )
            elif part == "edges":
                assert isinstance(detail, list)
                edge = []
                for edge_key, what in detail:
                    if what == "cursor":
                        edge.append((edge_key, "x._cursor"))
                    elif what == "node":
                        edge.append((edge_key, "x._node"))
                    else:
                        edge.append((edge_key, f"{self.params.add(what)}::text"))
                pairs.append(
                    (
                        key,
                        f"coalesce(json_agg({_object(edge)} ORDER BY x._rn {shown})"
                        f" FILTER (WHERE x._rn <= {size()}), '[]'::json)",
                    )
                )
            elif part == "pageInfo":
                assert isinstance(detail, PageInfoPart)
                info = []
                for info_key, what in detail.children:
                    if what == "hasNextPage":
                        info.append((info_key, has_next()))
                    elif what == "hasPreviousPage":
                        info.append((info_key, has_previous()))
                    elif what in ("startCursor", "endCursor"):
                        order = shown if what == "startCursor" else unshown
                        info.append(
                            (
                                info_key,
                                f"(array_agg(x._cursor ORDER BY x._rn {order})"
                                f" FILTER (WHERE x._rn <= {size()}))[1]",
                            )
                        )
                    else:
                        info.append((info_key, f"{self.params.add(what)}::text"))
                pairs.append((key, _object(info)))
            elif part == "totalCount":
                pairs.append((key, total))
            else:
                pairs.append((key, f"{self.params.add(str(detail))}::text"))
        # GROUP BY (): one row, aggregated or not, however many rows the page has.
        return f"(SELECT {_object(pairs)} FROM ({inner}) x GROUP BY ())"


def statement(root: list[Selection]) -> tuple[str, list[object]]:
    """The statement and its parameters. Its row: the JSON text of `data`, and whether each
    `Lookup` of `root`, in order, found its row."""
    builder = Builder()
    pairs = []
    found = []
    for selection in root:
        if isinstance(selection, Constant):
            pairs.append((selection.key, f"{builder.params.add(selection.value)}::text"))
        elif isinstance(selection, RootList):
            pairs.append((selection.key, builder.root_list(selection)))
        elif isinstance(selection, Lookup):
            entity = selection.entity
            t = entity.alias
            value = builder.params.add(selection.value)
            where = f"{t}.{entity.natural_key} = {value}::text"
            if entity.live is not None:
                where += f" AND {entity.live.format(t=t)}"
            body = builder.selections(selection.children, entity, t)
            pairs.append((selection.key, f"(SELECT {body} FROM {entity.table} {t} WHERE {where})"))
            found.append(f"EXISTS (SELECT 1 FROM {entity.table} {t} WHERE {where})")
        else:
            raise Uncovered(f"root selection {type(selection).__name__}")
    lookups = f"ARRAY[{', '.join(found)}]::boolean[]"
    return f"SELECT {_object(pairs)}::text, {lookups}", builder.params.values
