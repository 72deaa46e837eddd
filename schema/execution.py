"""graphql-core execution with short paths for plain fields.

A plain field has no resolver: its value is an attribute of its parent (`bioguideId`,
`party`, a legislator's `name`). graphql-core builds resolve info, calls Strawberry's resolver
wrapper and walks its completion machinery for every one of them, which is most of the time of
a large answer. Here:

- a plain leaf (scalar or enum) is read and coerced directly;
- a value whose whole selection is plain (every field, at every depth, is a plain field or
  `__typename`, with no fragments, directives or arguments) is completed by a plan compiled
  once per request for that selection: nested dicts built in one pass.

Anything unusual on these paths (a null in a non-null field, a value its type refuses, an
object of the wrong type) abandons the short path for graphql-core's own, which reports it as
the spec requires. Plain fields only read attributes, so doing the work twice is harmless.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from operator import attrgetter
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    SelectionSetNode,
    Undefined,
    is_leaf_type,
)

from schema.compat import GraphQLCoreConverter, StrawberryGraphQLCoreExecutionContext

_MISSING = object()
Plan = Callable[[Any], Any]


class Abandon(Exception):
    """The short path cannot complete this value: take graphql-core's path."""


@dataclass(frozen=True)
class PlainLeaf:
    """How to read a plain leaf field: its attribute, its coercion, and whether null is
    allowed."""

    attribute: str
    complete: Plan
    nullable: bool


def _attribute(parent_type: GraphQLObjectType, field_name: str) -> str | None:
    """The attribute a field reads when it is plain (no resolver), else None."""
    field = parent_type.fields.get(field_name)
    if field is None or not getattr(field.resolve, "_is_default", False):
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return getattr(definition, "python_name", None)


@lru_cache(maxsize=8192)
def plain_leaf(parent_type: GraphQLObjectType, field_name: str) -> PlainLeaf | None:
    """The field's reading instructions when it is a plain scalar or enum, else None."""
    attribute = _attribute(parent_type, field_name)
    if attribute is None:
        return None
    kind = parent_type.fields[field_name].type
    nullable = not isinstance(kind, GraphQLNonNull)
    if isinstance(kind, GraphQLNonNull):
        kind = kind.of_type
    if not is_leaf_type(kind):
        return None
    return PlainLeaf(attribute, _leaf(kind), nullable)


def compile_plan(kind: GraphQLOutputType, selections: Sequence[SelectionSetNode]) -> Plan | None:
    """A function completing a value of type `kind` under `selections` (the selection sets of
    the field's nodes), or None when the selection is not plain all the way down."""
    if isinstance(kind, GraphQLNonNull):
        inner = compile_plan(kind.of_type, selections)
        if inner is None:
            return None
        return lambda value: _not_null(inner(value))
    if isinstance(kind, GraphQLList):
        item = compile_plan(kind.of_type, selections)
        if item is None:
            return None
        return lambda value: None if value is None else [item(v) for v in value]
    if is_leaf_type(kind):
        return _leaf(kind)
    if isinstance(kind, GraphQLObjectType) and selections:
        return _object(kind, selections)
    return None


def _itself(value: Any) -> Any:
    return value


def _constant(value: str) -> Plan:
    return lambda _value: value


def _not_null(value: Any) -> Any:
    if value is None:
        raise Abandon
    return value


def _leaf(kind: GraphQLLeafType) -> Plan:
    """Coerces a leaf value: a `str` for String and ID and a Strawberry enum member by a
    lookup (what their coercion returns for them), anything else by the type's coercion."""
    coerce = kind.coerce_output_value

    def coerced(value: Any) -> Any:
        if value is None:
            return None
        result = coerce(value)
        if result is None or result is Undefined:
            raise Abandon
        return result

    if kind is GraphQLString or kind is GraphQLID:
        return lambda value: value if type(value) is str else coerced(value)
    enum: Any = getattr(kind, "wrapped_cls", None)
    if isinstance(kind, GraphQLEnumType) and enum is not None:
        names = {value.value: name for name, value in kind.values.items()}

        def member(value: Any) -> Any:
            if type(value) is enum and value.value in names:
                return names[value.value]
            return coerced(value)

        return member
    return coerced


def _object(kind: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]) -> Plan | None:
    fields: list[tuple[str, str | None, Plan]] = []
    seen: set[str] = set()
    for selection_set in selection_sets:
        for node in selection_set.selections:
            if not isinstance(node, FieldNode) or node.directives or node.arguments:
                return None
            key = node.alias.value if node.alias else node.name.value
            if key in seen:
                return None
            seen.add(key)
            name = node.name.value
            if name == "__typename":
                fields.append((key, None, _constant(kind.name)))
                continue
            attribute = _attribute(kind, name)
            if attribute is None:
                return None
            inner = [node.selection_set] if node.selection_set else []
            plan = compile_plan(kind.fields[name].type, inner)
            if plan is None:
                return None
            fields.append((key, attribute, plan))
    is_type_of = kind.is_type_of
    readers = [
        (key, _itself if attribute is None else attrgetter(attribute), plan)
        for key, attribute, plan in fields
    ]

    def complete(value: Any) -> Any:
        if value is None:
            return None
        if is_type_of is not None and not is_type_of(value, None):  # type: ignore[arg-type]
            raise Abandon
        return {key: plan(read(value)) for key, read, plan in readers}

    return complete


def in_order(data: dict[str, Any] | None, error: GraphQLError) -> list[tuple[int, Any]]:
    """A sort key placing an error where its path is in the answer: response keys by their
    position in `data` (document order), list items by index; errors without a path first.

    Sibling fields resolve concurrently, so graphql-core collects their errors in the order
    they complete, which varies from run to run; the compiled path reports them in document
    order. Sorting makes both paths, and every run, give the same `errors` list.
    """
    key: list[tuple[int, Any]] = []
    node: Any = data
    for segment in error.path or ():
        if isinstance(segment, int):
            key.append((0, segment))
            node = node[segment] if isinstance(node, list) and segment < len(node) else None
        else:
            names = list(node) if isinstance(node, dict) else []
            key.append((0, names.index(segment)) if segment in names else (1, segment))
            node = node.get(segment) if isinstance(node, dict) else None
    return key


class PlainFieldExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with the short paths for plain fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans: dict[tuple[int, ...], Plan | None] = {}

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """graphql-core's response, with its errors in document order (see `in_order`)."""
        response = super().build_response(data)
        if isinstance(response, ExecutionResult) and response.errors:
            response.errors.sort(key=partial(in_order, data))
        return response

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        manager = self.middleware_manager
        wrapped = manager is not None and bool(manager.middlewares)
        leaf = None if wrapped else plain_leaf(parent_type, field_details_list[0].node.name.value)
        if leaf is not None:
            value = getattr(source, leaf.attribute, _MISSING)
            if value is None and leaf.nullable:
                return None
            if value is not None and value is not _MISSING:
                try:
                    return leaf.complete(value)
                except Exception:  # Abandon, or a refusal the full path below reports
                    pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if (
            result is not None
            and not isinstance(result, Exception)
            and not is_leaf_type(return_type)
            and not self.is_awaitable(result)
        ):
            plan = self._plan(return_type, field_details_list)
            if plan is not None:
                try:
                    return plan(result)
                except Exception:  # Abandon, or anything else: graphql-core reports it
                    pass
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plan(self, return_type: GraphQLOutputType, field_details_list: Any) -> Plan | None:
        """The plan for these field nodes, compiled on first use in this request."""
        key = (id(return_type), *(id(details.node) for details in field_details_list))
        if key not in self.plans:
            plain = all(
                d.defer_usage is None and d.fragment_variable_values is None
                for d in field_details_list
            )
            sets = [d.node.selection_set for d in field_details_list if d.node.selection_set]
            self.plans[key] = compile_plan(return_type, sets) if plain else None
        return self.plans[key]
