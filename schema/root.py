"""The GraphQL schema: every domain's root fields, and error classification."""

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from schema.committees import CommitteeQueries
from schema.errors import classify
from schema.legislators import LegislatorQueries
from schema.nodes import NodeQueries


@strawberry.type(
    description="Accountability data: bills, legislators, votes, statements, incidents."
)
class Query(NodeQueries, LegislatorQueries, CommitteeQueries):
    pass


class RedressSchema(strawberry.Schema):
    """A schema whose errors all carry `extensions.code`, with unexpected ones masked."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            classify(error)


def build_schema(**options: Any) -> RedressSchema:
    """The schema, with the given Strawberry options."""
    return RedressSchema(query=Query, **options)


schema = build_schema()
