"""The compiled path: a query the model covers is answered by one SQL statement.

`plan` walks the validated operation (fields merged as graphql-core merges them, fragments,
aliases, `@skip`/`@include`) against the GraphQL schema and db/model.py, and returns the
statement of db/compiled.py with its parameters, or raises `Uncovered` naming what is not
covered. Arguments are coerced by graphql-core and checked by the resolver path's own
functions (filters' `conditions()`, `window()`, `Ordering.decode`); anything they refuse is
`Uncovered` too, so the resolver path reports it exactly as it always has.

`CompiledExecution.execute_operation` runs the statement (setting `REDRESS_COMPILED`: `on`,
the default; `off`; `verify`, which runs both paths and turns a difference into an INTERNAL
error naming the first differing path). See docs/compiled.md.
"""

import logging
import os
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import orjson
from graphql import (
    BooleanValueNode,
    DirectiveNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    VariableValues,
    get_argument_values,
    is_abstract_type,
    located_error,
)

from db.compiled import (
    Constant,
    Counted,
    Leaf,
    Lookup,
    Nested,
    PageInfoPart,
    Related,
    RootList,
    Selection,
    Uncovered,
    Union,
    statement,
)
from db.model import ENTITIES, ROOT_CONNECTIONS, Branch, Column, Entity
from db.pagination import CursorError
from db.pool import StatementTimeout, Unavailable, unlogged
from schema.context import Context
from schema.errors import INTERNAL, NotFound
from schema.execution import PlainFieldExecution

logger = logging.getLogger("redress.compiled")
MODES = ("on", "off", "verify")
SETTING = "REDRESS_COMPILED"

# Called with "compiled" or "resolver" for each query executed (api/metrics.py counts them).
PATH_LISTENERS: list[Callable[[str], None]] = []


def mode() -> str:
    """The `REDRESS_COMPILED` setting: `on` (default), `off` or `verify`."""
    value = os.environ.get(SETTING, "on").strip().lower() or "on"
    return value if value in MODES else "on"


def _record(path: str) -> None:
    for listener in PATH_LISTENERS:
        listener(path)


def _included(node: Any, variables: dict[str, Any]) -> bool:
    directives: tuple[DirectiveNode, ...] = tuple(node.directives or ())
    for directive in directives:
        name = directive.name.value
        arguments = tuple(directive.arguments or ())
        if name not in ("skip", "include") or len(arguments) != 1:
            raise Uncovered(f"directive @{name}")
        value_node = arguments[0].value
        value: Any
        if isinstance(value_node, BooleanValueNode):
            value = value_node.value
        elif isinstance(value_node, VariableNode):
            value = variables.get(value_node.name.value)
        else:
            raise Uncovered("directive argument")
        if not isinstance(value, bool):
            raise Uncovered("directive argument")
        if (name == "skip") == value:
            return False
    return True


class Compiler:
    """Turns one operation into the selections of db/compiled.py."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        # Per lookup, in order: the NOT_FOUND message, the field nodes and the response key.
        self.missing: list[tuple[str, list[FieldNode], str]] = []

    def collect(
        self, kind: GraphQLObjectType, sets: list[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """Response key -> field nodes, in graphql-core's order (CollectFields)."""
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        coerced = self.variables.coerced

        def applies(condition: Any) -> bool:
            if condition is None:
                return True
            named = self.schema.get_type(condition.name.value)
            if named is kind:
                return True
            return is_abstract_type(named) and self.schema.is_sub_type(named, kind)

        def walk(selection_set: SelectionSetNode) -> None:
            for node in selection_set.selections:
                if not _included(node, coerced):
                    continue
                if isinstance(node, FieldNode):
                    key = node.alias.value if node.alias else node.name.value
                    fields.setdefault(key, []).append(node)
                elif isinstance(node, InlineFragmentNode):
                    if applies(node.type_condition):
                        walk(node.selection_set)
                elif isinstance(node, FragmentSpreadNode):
                    name = node.name.value
                    if getattr(node, "arguments", None):
                        raise Uncovered("fragment arguments")
                    if name in visited:
                        continue
                    visited.add(name)
                    fragment = self.fragments.get(name)
                    if fragment is None or getattr(fragment, "variable_definitions", None):
                        raise Uncovered(f"fragment {name}")
                    if applies(fragment.type_condition):
                        walk(fragment.selection_set)
                else:
                    raise Uncovered(type(node).__name__)

        for selection_set in sets:
            walk(selection_set)
        return fields

    def operation(
        self, kind: GraphQLObjectType, selection_set: SelectionSetNode
    ) -> list[Selection]:
        root: list[Selection] = []
        for key, nodes in self.collect(kind, [selection_set]).items():
            name = nodes[0].name.value
            if name == "__typename":
                root.append(Constant(key, kind.name))
            elif name in ROOT_CONNECTIONS:
                root.append(self.root_list(key, kind, nodes))
            elif name in _LOOKUPS:
                root.append(self.lookup(key, kind, nodes))
            else:
                raise Uncovered(f"Query.{name}")
        return root

    def lookup(self, key: str, kind: GraphQLObjectType, nodes: list[FieldNode]) -> Lookup:
        name = nodes[0].name.value
        arguments = get_argument_values(kind.fields[name], nodes[0], self.variables)
        try:
            value, message = _LOOKUPS[name](arguments)
        except Exception as error:  # refused: the resolver path reports it
            raise Uncovered(f"{name} argument refused: {error}") from error
        entity = ENTITIES[_LOOKUP_ENTITIES[name]]
        sets = [n.selection_set for n in nodes if n.selection_set]
        children = self.entity(entity, _object_type(kind.fields[name].type), sets)
        self.missing.append((message, nodes, key))
        return Lookup(key, entity, value, children)

    def root_list(self, key: str, kind: GraphQLObjectType, nodes: list[FieldNode]) -> RootList:
        name = nodes[0].name.value
        root = ROOT_CONNECTIONS[name]
        arguments = get_argument_values(kind.fields[name], nodes[0], self.variables)
        conditions, order = _ARGUMENTS[name](arguments)
        listing = root.listing(conditions)
        return self.connection(
            key, kind, nodes, ENTITIES[root.entity], listing, root.orderings[order], arguments
        )

    def connection(
        self,
        key: str,
        kind: GraphQLObjectType,
        nodes: list[FieldNode],
        entity: Entity,
        listing: Any,
        ordering: Any,
        arguments: dict[str, Any],
        parent: str | None = None,
    ) -> RootList:
        """A page of `listing` in `ordering` (of the row `parent` names, when nested)."""
        from schema.relay import window as checked_window

        name = nodes[0].name.value
        try:
            window = checked_window(
                arguments.get("first"),
                arguments.get("after"),
                arguments.get("last"),
                arguments.get("before"),
            )
        except Exception as error:  # refused: the resolver path reports it
            raise Uncovered(f"{name} window: {error}") from error
        if window.after is not None and window.before is not None:
            raise Uncovered("both after and before")
        given = window.after if window.after is not None else window.before
        cursor_keys = None
        if given is not None:
            try:
                cursor_keys = ordering.decode(given)
            except CursorError as error:
                raise Uncovered("cursor refused") from error
        connection_type = _object_type(kind.fields[name].type)
        result = RootList(key, entity, listing, ordering, window, cursor_keys, [], parent=parent)
        node_type = _named(connection_type.fields["nodes"].type)
        # A union of nodes (`search`): the entity's `node` union field is each node.
        result.union_node = isinstance(node_type, GraphQLUnionType) and "node" in entity.unions
        if node_type.name != entity.type_name:
            raise Uncovered(f"{name} lists {node_type.name}")
        node_sets: list[list[FieldNode]] = []
        sets = [n.selection_set for n in nodes if n.selection_set]
        for part_key, parts in self.collect(connection_type, sets).items():
            part = parts[0].name.value
            if parts[0].arguments:
                raise Uncovered(f"arguments of {part}")
            if part == "__typename":
                result.parts.append((part_key, part, connection_type.name))
            elif part == "totalCount":
                result.parts.append((part_key, part, None))
            elif part == "nodes":
                node_sets.append(parts)
                result.parts.append((part_key, part, None))
            elif part == "edges":
                edge_type = _object_type(connection_type.fields["edges"].type)
                edge_sets = [p.selection_set for p in parts if p.selection_set]
                edge: list[tuple[str, str]] = []
                for edge_key, edge_nodes in self.collect(edge_type, edge_sets).items():
                    what = edge_nodes[0].name.value
                    if what == "__typename":
                        edge.append((edge_key, edge_type.name))
                    elif what in ("cursor", "node"):
                        edge.append((edge_key, what))
                        result.cursors = result.cursors or what == "cursor"
                        if what == "node":
                            node_sets.append(edge_nodes)
                    else:
                        raise Uncovered(f"edge field {what}")
                result.parts.append((part_key, part, edge))
            elif part == "pageInfo":
                info_type = _object_type(connection_type.fields["pageInfo"].type)
                info_sets = [p.selection_set for p in parts if p.selection_set]
                info: list[tuple[str, str]] = []
                for info_key, info_nodes in self.collect(info_type, info_sets).items():
                    what = info_nodes[0].name.value
                    result.cursors = result.cursors or what in ("startCursor", "endCursor")
                    info.append((info_key, info_type.name if what == "__typename" else what))
                result.parts.append((part_key, part, PageInfoPart(part_key, info, info_type.name)))
            else:
                raise Uncovered(f"connection field {part}")
        if len(node_sets) > 1:
            raise Uncovered("both nodes and edges.node")
        if node_sets:
            node_selection = [p.selection_set for p in node_sets[0] if p.selection_set]
            if result.union_node:
                result.nodes = [
                    self.union("node", entity.unions["node"], node_type, node_selection)
                ]
            else:
                result.nodes = self.entity(entity, _object_type(node_type), node_selection)
        return result

    def entity(
        self, entity: Entity, kind: GraphQLObjectType, sets: list[SelectionSetNode]
    ) -> list[Selection]:
        if kind.name != entity.type_name:
            raise Uncovered(f"{kind.name} is not {entity.type_name}")
        selections: list[Selection] = []
        for key, nodes in self.collect(kind, sets).items():
            name = nodes[0].name.value
            if name == "__typename":
                selections.append(Constant(key, kind.name))
                continue
            if nodes[0].arguments and name not in entity.connections:
                raise Uncovered(f"{kind.name}.{name} with arguments")
            field_type = kind.fields[name].type
            inner = [n.selection_set for n in nodes if n.selection_set]
            if name in entity.columns:
                column = entity.columns[name]
                if column.kind == "object":
                    object_type = _object_type(field_type)
                    children: list[Selection] = []
                    for child_key, child_nodes in self.collect(object_type, inner).items():
                        child = child_nodes[0].name.value
                        if child == "__typename":
                            children.append(Constant(child_key, object_type.name))
                        elif child in column.fields and not child_nodes[0].arguments:
                            sub = column.fields[child]
                            enum = _enum(object_type.fields[child].type, sub.kind)
                            children.append(Leaf(child_key, sub, enum))
                        else:
                            raise Uncovered(f"{object_type.name}.{child}")
                    selections.append(Nested(key, column, children))
                else:
                    selections.append(Leaf(key, column, _enum(field_type, column.kind)))
            elif name in entity.to_one:
                relation = entity.to_one[name]
                target = ENTITIES[relation.entity]
                target_type = _object_type(field_type)
                children = self.entity(target, target_type, inner)
                selections.append(Related(key, target, relation, children))
            elif name in entity.connections:
                nested = entity.connections[name]
                if nested.entity not in ENTITIES:
                    raise Uncovered(f"{kind.name}.{name}: {nested.entity} is not declared")
                arguments = get_argument_values(kind.fields[name], nodes[0], self.variables)
                window_arguments = ("first", "after", "last", "before")
                fixed = dict(nested.fixed)
                listing = nested.listing
                narrowing = _NARROWINGS.get((kind.name, name))
                narrowing_arguments: tuple[str, ...] = ()
                if narrowing is not None:
                    narrowing_arguments, convert = narrowing
                    try:
                        listing = nested.rows(convert(arguments))
                    except Exception as error:  # refused: the resolver path reports it
                        raise Uncovered(f"{kind.name}.{name} refused: {error}") from error
                for argument, value in arguments.items():
                    if argument in window_arguments or argument in narrowing_arguments:
                        continue
                    if argument in fixed:
                        if value is not fixed[argument]:
                            raise Uncovered(f"{kind.name}.{name}({argument}: {value!r})")
                    elif value is not None:
                        raise Uncovered(f"{kind.name}.{name} arguments")
                selections.append(
                    self.connection(
                        key,
                        kind,
                        nodes,
                        ENTITIES[nested.entity],
                        listing,
                        nested.ordering,
                        arguments,
                        nested.parent,
                    )
                )
            elif name in entity.unions:
                union_type = (
                    field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
                )
                if not isinstance(union_type, GraphQLUnionType):
                    raise Uncovered(f"{kind.name}.{name} is not a union")
                selections.append(self.union(key, entity.unions[name], union_type, inner))
            elif name in entity.counts:
                count_type = _object_type(field_type)
                counted: list[Selection] = []
                for child_key, child_nodes in self.collect(count_type, inner).items():
                    child = child_nodes[0].name.value
                    if child == "__typename":
                        counted.append(Constant(child_key, count_type.name))
                    elif child == "totalCount":
                        counted.append(Leaf(child_key, Column("")))
                    else:
                        raise Uncovered(f"{count_type.name}.{child}")
                selections.append(Counted(key, entity.counts[name], counted))
            else:
                raise Uncovered(f"{kind.name}.{name}")
        return selections

    def union(
        self,
        key: str,
        declared: tuple[Branch, ...],
        union_type: GraphQLUnionType,
        sets: list[SelectionSetNode],
    ) -> Union:
        """A union field: per declared branch, its member type's selections of `sets`."""
        branches = []
        for branch in declared:
            target = ENTITIES[branch.entity]
            branch_type = self.schema.get_type(target.type_name)
            if (
                not isinstance(branch_type, GraphQLObjectType)
                or branch_type not in union_type.types
            ):
                raise Uncovered(f"{target.type_name} in {union_type.name}")
            branches.append((branch, target, self.entity(target, branch_type, sets)))
        return Union(key, branches)


def _named(kind: Any) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def _object_type(kind: Any) -> GraphQLObjectType:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    if not isinstance(kind, GraphQLObjectType):
        raise Uncovered(f"{kind} is not an object type")
    return kind


def _enum(kind: Any, column_kind: str) -> dict[str, str] | None:
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    if column_kind != "enum":
        return None
    if not isinstance(kind, GraphQLEnumType):
        raise Uncovered(f"{kind} is not an enum")
    mapping = {}
    for name, value in kind.values.items():
        stored = getattr(value.value, "value", value.value)
        if not isinstance(stored, str):
            raise Uncovered(f"enum {kind.name}")
        mapping[stored] = name
    return mapping


def _bill_arguments(arguments: dict[str, Any]) -> tuple[Any, str]:
    from schema.bills import BillFilter, BillOrder
    from schema.dates import DateRange

    given = arguments.get("filter")
    known = {
        "congress",
        "type",
        "sponsor",
        "cosponsor",
        "subject",
        "status",
        "introduced",
        "search",
        "updatedSince",
    }
    if given is not None and (not isinstance(given, dict) or set(given) - known):
        raise Uncovered("bills filter")
    values = given or {}
    introduced = values.get("introduced")
    if introduced is not None and (
        not isinstance(introduced, dict) or set(introduced) - {"start", "end"}
    ):
        raise Uncovered("bills filter introduced")
    bill_filter = BillFilter(
        congress=values.get("congress"),
        type=values.get("type"),
        sponsor=values.get("sponsor"),
        cosponsor=values.get("cosponsor"),
        subject=values.get("subject"),
        status=values.get("status"),
        introduced=DateRange(start=introduced.get("start"), end=introduced.get("end"))
        if introduced is not None
        else None,
        search=values.get("search"),
        updated_since=values.get("updatedSince"),
    )
    try:
        conditions = bill_filter.conditions()
    except Exception as error:  # refused: the resolver path reports it
        raise Uncovered(f"bills filter refused: {error}") from error
    order = arguments.get("orderBy")
    if not isinstance(order, BillOrder):
        raise Uncovered("bills orderBy")
    return conditions, str(order.value)


def _bill_lookup(arguments: dict[str, Any]) -> tuple[str, str]:
    from schema.bills import parse_bill_id

    key = parse_bill_id(arguments["billId"])
    return key, f"no bill with id {key!r}"


def _legislator_lookup(arguments: dict[str, Any]) -> tuple[str, str]:
    bioguide_id = arguments["bioguideId"]
    if not isinstance(bioguide_id, str):
        raise TypeError("bioguideId")
    return bioguide_id, f"no legislator with bioguide id {bioguide_id!r}"


def _vote_lookup(arguments: dict[str, Any]) -> tuple[str, str]:
    from schema.votes import parse_vote_id

    key = parse_vote_id(arguments["voteId"])
    return key, f"no vote with id {key!r}"


def _topic_lookup(arguments: dict[str, Any]) -> tuple[str, str]:
    slug = arguments["slug"]
    if not isinstance(slug, str):
        raise TypeError("slug")
    return slug, f"no topic with slug {slug!r}"


# Root lookups by natural key: the argument's checked value and the resolver's NOT_FOUND
# message (schema/bills.py `bill`, schema/legislators.py `legislator`, schema/votes.py `vote`).
_LOOKUPS: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "bill": _bill_lookup,
    "legislator": _legislator_lookup,
    "vote": _vote_lookup,
    "topic": _topic_lookup,
}
_LOOKUP_ENTITIES = {"bill": "Bill", "legislator": "Legislator", "vote": "Vote", "topic": "Topic"}


def _vote_arguments(arguments: dict[str, Any]) -> tuple[Any, str]:
    from schema.dates import DateRange
    from schema.votes import VoteFilter, VoteOrder

    given = arguments.get("filter")
    known = {"chamber", "congress", "date", "bill", "result", "target", "updatedSince"}
    if given is not None and (not isinstance(given, dict) or set(given) - known):
        raise Uncovered("votes filter")
    values = given or {}
    dates = values.get("date")
    if dates is not None and (not isinstance(dates, dict) or set(dates) - {"start", "end"}):
        raise Uncovered("votes filter date")
    vote_filter = VoteFilter(
        chamber=values.get("chamber"),
        congress=values.get("congress"),
        date=DateRange(start=dates.get("start"), end=dates.get("end"))
        if dates is not None
        else None,
        bill=values.get("bill"),
        result=values.get("result"),
        target=values.get("target"),
        updated_since=values.get("updatedSince"),
    )
    try:
        conditions = vote_filter.conditions()
    except Exception as error:  # refused: the resolver path reports it
        raise Uncovered(f"votes filter refused: {error}") from error
    order = arguments.get("orderBy")
    if not isinstance(order, VoteOrder):
        raise Uncovered("votes orderBy")
    return conditions, str(order.value)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _statement_arguments(arguments: dict[str, Any]) -> tuple[Any, str]:
    from schema.dates import DateRange
    from schema.statements import StatementFilter, StatementOrder

    given = arguments.get("filter")
    if given is not None and not isinstance(given, dict):
        raise Uncovered("statements filter")
    values: dict[str, Any] = {}
    for name, value in (given or {}).items():
        if name == "said" and value is not None:
            if not isinstance(value, dict) or set(value) - {"start", "end"}:
                raise Uncovered("statements filter said")
            value = DateRange(start=value.get("start"), end=value.get("end"))
        elif isinstance(value, dict | list):
            raise Uncovered(f"statements filter {name}")
        values[_snake(name)] = value
    try:
        conditions = StatementFilter(**values).conditions()
    except Exception as error:  # refused: the resolver path reports it
        raise Uncovered(f"statements filter refused: {error}") from error
    order = arguments.get("orderBy")
    if not isinstance(order, StatementOrder):
        raise Uncovered("statements orderBy")
    return conditions, str(order.value)


def _timeline_kinds(arguments: dict[str, Any]) -> Any:
    from schema.timeline import kinds_narrowing

    return kinds_narrowing(arguments.get("kinds"))


def _record_topic(arguments: dict[str, Any]) -> Any:
    from schema.topics import parse_slug

    return parse_slug(arguments.get("topic"), "topic")


def _scorecard_members(arguments: dict[str, Any]) -> Any:
    from schema.scorecards import member_filter

    return member_filter(arguments.get("chamber"), arguments.get("party"), arguments.get("state"))


# Nested connections with arguments of their own that narrow the rows: (type, field) -> the
# arguments and the resolver path's own conversion of their coerced values to the narrowing
# (`NestedConnection.rows`); values it refuses leave the query to the resolver path.
_NARROWINGS: dict[tuple[str, str], tuple[tuple[str, ...], Callable[[dict[str, Any]], Any]]] = {
    ("Topic", "timeline"): (("kinds",), _timeline_kinds),
    ("Legislator", "record"): (("topic",), _record_topic),
    ("Scorecard", "members"): (("chamber", "party", "state"), _scorecard_members),
}


def _search_arguments(arguments: dict[str, Any]) -> tuple[Any, str]:
    from schema.search import checked_query, search_kinds

    try:
        text = checked_query(arguments["query"])
        kinds = search_kinds(arguments.get("types"))
    except Exception as error:  # refused: the resolver path reports it
        raise Uncovered(f"search refused: {error}") from error
    if not kinds:  # nothing to search in: the resolver path answers without SQL
        raise Uncovered("search in no type")
    if "\x00" in text:  # PostgreSQL text cannot hold it
        raise Uncovered("search text with NUL")
    return (text, kinds), "relevance"


# How each root list's coerced arguments become the conditions its listing takes.
_ARGUMENTS: dict[str, Callable[[dict[str, Any]], tuple[Any, str]]] = {
    "bills": _bill_arguments,
    "votes": _vote_arguments,
    "statements": _statement_arguments,
    "search": _search_arguments,
}


@dataclass(frozen=True)
class Plan:
    """The statement answering an operation, its parameters, and per lookup (in order) the
    NOT_FOUND message, field nodes and response key of a lookup that finds nothing."""

    sql: str
    params: list[object]
    lookups: list[tuple[str, list[FieldNode], str]]

    def errors(self, found: list[bool]) -> list[GraphQLError]:
        """The resolver path's NOT_FOUND errors for the lookups that found nothing."""
        return [
            located_error(NotFound(message), nodes, [key])
            for (message, nodes, key), hit in zip(self.lookups, found, strict=True)
            if not hit
        ]


def plan(
    schema: GraphQLSchema,
    operation: Any,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> Plan:
    """The statement answering `operation`, or `Uncovered`."""
    if operation.operation != OperationType.QUERY:
        raise Uncovered("not a query")
    root_type = schema.query_type
    assert root_type is not None
    compiler = Compiler(schema, fragments, variables)
    selections = compiler.operation(root_type, operation.selection_set)
    sql, params = statement(selections)
    return Plan(sql, params, compiler.missing)


PLAN_CACHE_SIZE = 512
# (id of the operation node, variable values) -> (the node, its plan or why it is uncovered).
# Guards cache parsed documents by their text, so a repeated document brings the same node;
# holding the node keeps its id from being reused while the entry lives.
_PLANS: OrderedDict[tuple[int, str], tuple[Any, Plan | str]] = OrderedDict()


def cached_plan(
    schema: GraphQLSchema,
    operation: Any,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> Plan:
    """`plan`, remembered per operation and variable values (least recently used first out,
    at most PLAN_CACHE_SIZE): a repeated request is not compiled again. Raises `Uncovered`
    as `plan` does, from the cache too; other errors are not remembered."""
    key = (id(operation), repr(variables))
    hit = _PLANS.get(key)
    if hit is not None and hit[0] is operation:
        _PLANS.move_to_end(key)
        outcome = hit[1]
    else:
        try:
            outcome = plan(schema, operation, fragments, variables)
        except Uncovered as reason:
            outcome = str(reason)
        _PLANS[key] = (operation, outcome)
        if len(_PLANS) > PLAN_CACHE_SIZE:
            _PLANS.popitem(last=False)
    if isinstance(outcome, str):
        raise Uncovered(outcome)
    return outcome


def first_difference(left: Any, right: Any, path: str = "") -> str | None:
    """The first path where two decoded JSON values differ (keys in order), or None."""
    if isinstance(left, dict) and isinstance(right, dict):
        if list(left) != list(right):
            return f"{path or '.'} (keys {list(left)} != {list(right)})"
        for key in left:
            found = first_difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path or '.'} (lengths {len(left)} != {len(right)})"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    if type(left) is not type(right) or left != right:
        return f"{path or '.'} ({left!r} != {right!r})"
    return None


class CompiledExecution(PlainFieldExecution):
    """The execution context: the compiled path for what it covers, else the resolvers."""

    def execute_operation(self, serially: bool | None = None) -> Any:
        setting = mode()
        context = self.context_value
        if setting == "off" or not isinstance(context, Context):
            return super().execute_operation(serially)
        try:
            compiled = cached_plan(
                self.schema, self.operation, self.fragment_definitions, self.variable_values
            )
        except (Uncovered, GraphQLError) as reason:
            logger.debug("resolver path: %s", reason)
            _record("resolver")
            return super().execute_operation(serially)
        except Exception as error:  # a fault of the compiler: the resolver path answers
            logger.exception("compiler failed")
            if setting == "verify":
                return _internal(f"compiler failed: {error!r}")
            _record("resolver")
            return super().execute_operation(serially)
        return self._compiled(context, compiled, setting, serially)

    async def _resolved(self, serially: bool | None) -> Any:
        result = super().execute_operation(serially)
        if self.is_awaitable(result):
            result = await result
        return result

    async def _compiled(
        self, context: Context, compiled: Plan, setting: str, serially: bool | None
    ) -> Any:
        db = context.loaders.db
        sql = compiled.sql
        if setting == "verify":
            # The resolver path first, as without the compiled path: an outage is reported
            # as it always was, and the shadow statement runs only when that path answered.
            resolved = await self._resolved(serially)
            if any(_database_fault(e) for e in resolved.errors or ()):
                return resolved
            try:
                with unlogged():
                    row = await db.fetchrow(sql, *compiled.params)
            except (Unavailable, StatementTimeout):  # nothing to compare with
                return resolved
            except Exception as error:
                logger.error("compiled statement failed: %s\nSQL: %s", error, sql)
                return _internal(f"compiled statement failed: {error}")
            assert row is not None
            errors = compiled.errors(list(row[1]))
            difference = first_difference(_comparable(errors), _comparable(resolved.errors or []))
            if difference is not None:
                difference = f"errors{difference}"
            else:
                expected = orjson.loads(orjson.dumps(resolved.data))
                difference = first_difference(orjson.loads(row[0]), expected)
            if difference is not None:
                logger.error("compiled path differs at %s\nSQL: %s", difference, sql)
                return _internal(f"compiled path differs from the resolver path at {difference}")
            _record("compiled")
            return resolved
        try:
            row = await db.fetchrow(sql, *compiled.params)
        except Exception as error:  # the resolver path reports it as it always has
            if not isinstance(error, Unavailable | StatementTimeout):
                logger.error("compiled statement failed: %s\nSQL: %s", error, sql)
            _record("resolver")
            return await self._resolved(serially)
        assert row is not None
        _record("compiled")
        missing = compiled.errors(list(row[1])) or None
        if context.request is not None:
            # Over HTTP, PostgreSQL's JSON goes into the response body as it is (api/graphql.py
            # encodes the answer with orjson, which writes a Fragment's bytes unchanged).
            return ExecutionResult(cast(dict[str, Any], orjson.Fragment(row[0])), missing)
        return ExecutionResult(orjson.loads(row[0]), missing)


def _database_fault(error: GraphQLError) -> bool:
    return isinstance(error.original_error, Unavailable | StatementTimeout)


def _internal(message: str) -> ExecutionResult:
    return ExecutionResult(None, [GraphQLError(message, extensions={"code": INTERNAL})])


def _comparable(errors: list[GraphQLError]) -> list[Any]:
    """Errors for comparison, sorted: sibling fields that fail concurrently on the resolver
    path may report in either order."""
    return sorted(
        (
            [
                e.message,
                e.path,
                [list(loc) for loc in e.locations or []],
                type(e.original_error).__name__,
            ]
            for e in errors
        ),
        key=repr,
    )
