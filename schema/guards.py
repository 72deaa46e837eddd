"""Limits on the query itself: tokens, depth, aliases and cost, each a QUERY_TOO_COMPLEX error.

Tokens are counted while parsing, by Strawberry's MaxTokensLimiter. Depth, aliases and cost
are measured by schema.cost, whose walks visit each fragment once: Strawberry's
QueryDepthLimiter and MaxAliasesLimiter walk a fragment again at every spread, so a short
document whose fragments spread each other twice keeps them busy for 2^n steps. Every
response carries `extensions.cost`: what the query asked for and the per-query limit.
Strings holding NUL, which PostgreSQL text cannot store, are refused as BAD_USER_INPUT.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    GraphQLError,
    GraphQLSyntaxError,
    ObjectFieldNode,
    StringValueNode,
    ValidationContext,
)
from starlette.config import Config
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.types import ExecutionContext

from schema.cost import alias_count, query_cost, query_depth

QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
NUL_MESSAGE = "text cannot contain the NUL character (\\u0000)"
Named = ArgumentNode | ObjectFieldNode


@dataclass(frozen=True)
class Limits:
    """The most a single query may ask for."""

    max_depth: int = 10
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 50_000


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
    """The schema extensions that enforce `limits`, made anew for each request."""
    return [
        partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
        partial(QueryGuards, limits),
    ]


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


class QueryGuards(SchemaExtension):
    """Checks depth, aliases and cost while validating, codes the token limit's parse error,
    and reports the cost in `extensions.cost`."""

    def __init__(
        self, limits: Limits, *, execution_context: ExecutionContext | None = None
    ) -> None:
        self.limits = limits
        self.requested = 0

    def on_operation(self) -> Iterator[None]:
        guards = self

        class LimitsRule(ASTValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                for error in guards.check(context):
                    context.report_error(error)

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
                error = GraphQLError(
                    f"{NUL_MESSAGE} (in `{name}`)", node, extensions={"argument": name}
                )
                self.report_error(error)

        context = self.execution_context
        context.validation_rules = (*context.validation_rules, LimitsRule)
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and error.message.endswith("aborted."):
                error.message = (
                    f"Query too complex: it has more than {self.limits.max_tokens} tokens,"
                    " or is nested too deeply to parse."
                )
                error.extensions = {**(error.extensions or {}), "code": QUERY_TOO_COMPLEX}

    def get_results(self) -> dict[str, Any]:
        return {"cost": {"requested": self.requested, "limit": self.limits.max_cost}}

    def check(self, context: ValidationContext) -> list[GraphQLError]:
        """The limits the request breaks, and variables holding NUL; records its cost."""
        limits, document = self.limits, context.document
        errors = [
            GraphQLError(f"{NUL_MESSAGE} (in `${name}`)", extensions={"argument": name})
            for name, value in (self.execution_context.variables or {}).items()
            if _holds_nul(value)
        ]
        depth = query_depth(document)
        if depth > limits.max_depth:
            errors.append(
                too_complex(
                    f"it nests {depth} levels deep and the limit is {limits.max_depth}.",
                    depth=depth,
                    limit=limits.max_depth,
                )
            )
        aliases = alias_count(document)
        if aliases > limits.max_aliases:
            errors.append(
                too_complex(
                    f"it has {aliases:,} aliases and the limit is {limits.max_aliases}.",
                    aliases=aliases,
                    limit=limits.max_aliases,
                )
            )
        execution = self.execution_context
        self.requested = query_cost(
            context.schema, document, execution.variables, execution.operation_name
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
