"""How big a query is: its cost (the nodes it can return, as GitHub's node limit counts them),
its depth and its aliases. Each walk visits a fragment once, however often it is spread, so
it takes time linear in the document even when fragments spread fragments many times over.

Each connection field (one with `first`/`last` arguments) asks for its page size, `first` or
`last` or the default of 20, clamped to 0-100 as the resolvers clamp it; `nodes(ids:)` asks for
one node per id. A field's request is multiplied by the page sizes of every connection above
it, so `legislators(first: 100) { nodes { sponsoredBills(first: 100) { ... } } }` costs
100 + 100 * 100 = 10,100. Fields skipped with `@skip`/`@include` cost nothing.
"""

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)

from schema.relay import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

PAGE_ARGUMENTS = ("first", "last")
LIST_ARGUMENT = "ids"


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The number of nodes the chosen operation of `document` can return at most.

    `variables` are the request's raw variable values; missing ones take the defaults of the
    operation's variable definitions. Parts the schema does not know cost nothing (validation
    reports them), and a document without a single chosen operation costs 0.
    """
    operation = _operation(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    values = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    return _Counter(schema, _fragments(document), values).selections(operation.selection_set, root)


def query_depth(document: DocumentNode) -> int:
    """How deeply the operations of `document` nest fields that have selections.

    `{ legislators { nodes { id } } }` is 2 deep. Introspection fields (`__schema`, `__type`)
    do not count, as in Strawberry's QueryDepthLimiter.
    """
    fragments = _fragments(document)
    memo: dict[str, int] = {}

    def depth(selection_set: SelectionSetNode | None, visiting: frozenset[str]) -> int:
        deepest = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.selection_set and not selection.name.value.startswith("__"):
                    deepest = max(deepest, 1 + depth(selection.selection_set, visiting))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, depth(selection.selection_set, visiting))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in memo and name in fragments and name not in visiting:
                    memo[name] = depth(fragments[name].selection_set, visiting | {name})
                deepest = max(deepest, memo.get(name, 0))
        return deepest

    return max((depth(o.selection_set, frozenset()) for o in _operations(document)), default=0)


def alias_count(document: DocumentNode) -> int:
    """How many aliased fields the operations of `document` have, with fragments expanded."""
    fragments = _fragments(document)
    memo: dict[str, int] = {}

    def count(selection_set: SelectionSetNode | None, visiting: frozenset[str]) -> int:
        total = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += int(selection.alias is not None)
                total += count(selection.selection_set, visiting)
            elif isinstance(selection, InlineFragmentNode):
                total += count(selection.selection_set, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in memo and name in fragments and name not in visiting:
                    memo[name] = count(fragments[name].selection_set, visiting | {name})
                total += memo.get(name, 0)
        return total

    return sum(count(o.selection_set, frozenset()) for o in _operations(document))


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = _operations(document)
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


class _Counter:
    """Walks selection sets; a fragment's cost is computed once (cost is linear in its use)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.fragment_costs: dict[str, int] = {}
        self.visiting: set[str] = set()

    def selections(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType) -> int:
        """The nodes one object of type `parent` asks for through `selection_set`."""
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if self._skipped(selection):
                continue
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                if inner is not None:
                    total += self.selections(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                total += self._fragment(selection.name.value)
        return total

    def _field(self, node: FieldNode, parent: GraphQLNamedType) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        definition = parent.fields.get(node.name.value)
        if definition is None:
            return 0
        inner = self.selections(node.selection_set, get_named_type(definition.type))
        size = self._size(node, definition)
        return inner if size is None else size + size * inner

    def _fragment(self, name: str) -> int:
        if name in self.fragment_costs:
            return self.fragment_costs[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.visiting:
            return 0
        condition = self.schema.get_type(fragment.type_condition.name.value)
        if condition is None:
            return 0
        self.visiting.add(name)
        cost = self.selections(fragment.selection_set, condition)
        self.visiting.discard(name)
        self.fragment_costs[name] = cost
        return cost

    def _size(self, node: FieldNode, definition: GraphQLField) -> int | None:
        """The number of items a list field asks for, or None for a field that is not a list."""
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        if any(name in definition.args for name in PAGE_ARGUMENTS):
            for name in PAGE_ARGUMENTS:
                value = self._value(given[name]) if name in given else None
                if value is None and name in definition.args:
                    default = definition.args[name].default_value
                    value = default if isinstance(default, int) else None
                if isinstance(value, int) and not isinstance(value, bool):
                    return min(max(value, 0), MAX_PAGE_SIZE)
            return DEFAULT_PAGE_SIZE
        if LIST_ARGUMENT in definition.args and LIST_ARGUMENT in given:
            ids = self._value(given[LIST_ARGUMENT])
            count = len(ids) if isinstance(ids, list) else int(ids is not None)
            return min(count, MAX_PAGE_SIZE)
        return None

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, NullValueNode):
            return None
        if isinstance(node, ListValueNode):
            return [self._value(item) for item in node.values]
        try:
            return value_from_ast_untyped(node, dict(self.variables))
        except (ValueError, TypeError):
            return None

    def _skipped(self, node: SelectionNode) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            arguments = directive.arguments or ()
            condition = next((a.value for a in arguments if a.name.value == "if"), None)
            if isinstance(condition, BooleanValueNode):
                value: Any = condition.value
            elif isinstance(condition, VariableNode):
                value = self.variables.get(condition.name.value)
            else:
                continue
            if value is (name == "skip"):
                return True
        return False
