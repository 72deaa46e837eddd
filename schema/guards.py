"""Limits on the query itself: tokens, depth, aliases and cost, each a QUERY_TOO_COMPLEX error.

Tokens are counted while parsing, by Strawberry's MaxTokensLimiter. Depth, aliases and cost
are measured by schema.cost, whose walks visit each fragment once: Strawberry's
QueryDepthLimiter and MaxAliasesLimiter walk a fragment again at every spread, so a short
document whose fragments spread each other twice keeps them busy for 2^n steps. Every
response carries `extensions.cost`: what the query asked for and the per-query limit.
Strings holding NUL, which PostgreSQL text cannot store, are refused as BAD_USER_INPUT.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from cachetools import LRUCache
from graphql import (
    ArgumentNode,
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    ObjectFieldNode,
    StringValueNode,
    parse,
)
from starlette.config import Config
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.types import ExecutionContext

from schema.compat import validate_document
from schema.cost import alias_count, query_cost, query_depth

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
NUL_MESSAGE = "text cannot contain the NUL character (\\u0000)"
CACHE_SIZE = 256
MAX_CACHED_QUERY_CHARS = 16_384
Named = ArgumentNode | ObjectFieldNode


@dataclass(frozen=True)
class Limits:
    """The most a single query may ask for."""

    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 20_000  # measured peak memory: docs/limits.md


def load_limits(env_file: str | None = None) -> Limits:
    """The limits set in the environment (`REDRESS_MAX_*`), each defaulting to a safe value."""
    config = Config(env_file)
    default = Limits()
    values = {
        "max_depth": config("REDRESS_MAX_DEPTH", cast=int, default=default.max_depth),
        "max_aliases": config("REDRESS_MAX_ALIASES", cast=int, default=default.max_aliases),
        "max_tokens": config("REDRESS_MAX_TOKENS", cast=int, default=default.max_tokens),
        "max_cost": config("REDRESS_MAX_COST", cast=int, default=default.max_cost),
    }
    for name, value in values.items():
        if value < 1:
            raise ValueError(f"REDRESS_{name.upper()} must be a positive number, got {value}")
    return Limits(**values)


def guards(limits: Limits) -> list[Callable[[], SchemaExtension]]:
    """The schema extensions that enforce `limits`, made anew for each request.

    They share one `Checked` cache, so a document is parsed and validated once, not per request.
    """
    checked = Checked()
    return [
        partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        partial(QueryGuards, limits, checked),
    ]


@dataclass(frozen=True)
class Shape:
    """What validating a document found that does not depend on its variables."""

    depth: int
    aliases: int
    errors: list[GraphQLError]


class Checked:
    """Documents already parsed, and those that passed validation, by query text.

    Only texts up to `MAX_CACHED_QUERY_CHARS` are kept, `CACHE_SIZE` of each at most, and
    validation is cached only when it found nothing wrong: an invalid document is validated
    afresh each time, so no error object is ever shared between requests.
    """

    def __init__(self) -> None:
        self.documents: LRUCache[tuple[str, int | None], DocumentNode] = LRUCache(CACHE_SIZE)
        self.shapes: LRUCache[tuple[str, tuple[type, ...]], Shape] = LRUCache(CACHE_SIZE)

    def parse(self, query: str, max_tokens: int | None) -> DocumentNode:
        """`query` parsed, from the cache when it was parsed before."""
        if len(query) > MAX_CACHED_QUERY_CHARS:
            return parse(query, max_tokens=max_tokens)
        key = (query, max_tokens)
        document = self.documents.get(key)
        if document is None:
            document = self.documents[key] = parse(query, max_tokens=max_tokens)
        return document

    def shape(
        self, schema: GraphQLSchema, query: str, document: DocumentNode, rules: tuple[type, ...]
    ) -> Shape:
        """Depth, aliases and validation errors of `document`, from the cache when valid."""
        key = (query, rules)
        found = self.shapes.get(key)
        if found is not None:
            return found
        errors = validate_document(schema, document, rules)
        shape = Shape(query_depth(document), alias_count(document), errors)
        if not errors and len(query) <= MAX_CACHED_QUERY_CHARS:
            self.shapes[key] = shape
        return shape


def _holds_nul(value: Any) -> bool:
    """Whether a variable's value has a string with a NUL character, at any depth."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def too_complex(message: str, **extensions: Any) -> GraphQLError:
    """A QUERY_TOO_COMPLEX error."""
    return GraphQLError(
        f"Query too complex: {message}", extensions={**extensions, "code": QUERY_TOO_COMPLEX}
    )


class NulLiterals(ASTValidationRule):
    """Refuses string literals holding NUL, naming the argument or input field they are in."""

    def enter_string_value(
        self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any
    ) -> None:
        if "\x00" not in node.value:
            return
        named = [a for a in (*ancestors, parent) if isinstance(a, Named)]
        if not named:
            self.report_error(GraphQLError(NUL_MESSAGE, node))
            return
        name = named[-1].name.value
        error = GraphQLError(f"{NUL_MESSAGE} (in `{name}`)", node, extensions={"argument": name})
        self.report_error(error)


class QueryGuards(SchemaExtension):
    """Parses and validates through the shared `Checked` cache, checks depth, aliases and cost,
    codes the token limit's parse error, and reports the cost in `extensions.cost`."""

    def __init__(
        self,
        limits: Limits,
        checked: Checked,
        *,
        execution_context: ExecutionContext | None = None,
    ) -> None:
        self.limits = limits
        self.checked = checked
        self.requested = 0

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            max_tokens = context.parse_options.get("max_tokens")
            try:
                context.graphql_document = self.checked.parse(context.query, max_tokens)
            except GraphQLError:
                pass  # Strawberry parses it again and reports the error
        yield
        for error in context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and error.message.endswith("aborted."):
                error.message = (
                    f"Query too complex: it has more than {self.limits.max_tokens} tokens,"
                    " or is nested too deeply to parse."
                )
                error.extensions = {**(error.extensions or {}), "code": QUERY_TOO_COMPLEX}

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None and context.query is not None
        rules = (*context.validation_rules, NulLiterals)
        shape = self.checked.shape(
            context.schema._schema, context.query, context.graphql_document, rules
        )
        context.pre_execution_errors = [*self.check(shape), *shape.errors]
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": {"requested": self.requested, "limit": self.limits.max_cost}}

    def check(self, shape: Shape) -> list[GraphQLError]:
        """The limits the request breaks, and variables holding NUL; records its cost."""
        limits, execution = self.limits, self.execution_context
        errors = [
            GraphQLError(f"{NUL_MESSAGE} (in `${name}`)", extensions={"argument": name})
            for name, value in (execution.variables or {}).items()
            if _holds_nul(value)
        ]
        if shape.depth > limits.max_depth:
            errors.append(
                too_complex(
                    f"it nests {shape.depth} levels deep and the limit is {limits.max_depth}.",
                    depth=shape.depth,
                    limit=limits.max_depth,
                )
            )
        if shape.aliases > limits.max_aliases:
            errors.append(
                too_complex(
                    f"it has {shape.aliases:,} aliases and the limit is {limits.max_aliases}.",
                    aliases=shape.aliases,
                    limit=limits.max_aliases,
                )
            )
        assert execution.graphql_document is not None
        self.requested = query_cost(
            execution.schema._schema,
            execution.graphql_document,
            execution.variables,
            execution.operation_name,
        )
        if self.requested > limits.max_cost:
            errors.append(
                too_complex(
                    f"it could return up to {self.requested:,} nodes and the limit is"
                    f" {limits.max_cost:,}. Ask for smaller pages (`first`/`last`) or fewer"
                    " nested connections.",
                    cost=self.requested,
                    limit=limits.max_cost,
                )
            )
        return errors


_SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def without_suggestions(errors: Iterable[GraphQLError] | None) -> None:
    """Removes graphql-core's "Did you mean ...?" hints from the messages of `errors`."""
    for error in errors or ():
        error.message = _SUGGESTION.sub("", error.message)


class HideSuggestions(SchemaExtension):
    """Drops "Did you mean 'name'?" from validation and variable errors: with introspection
    off (production), those hints would reveal the schema field by field."""

    def on_validate(self) -> Iterator[None]:
        yield
        without_suggestions(self.execution_context.pre_execution_errors)

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        without_suggestions(result.errors if result is not None else None)
