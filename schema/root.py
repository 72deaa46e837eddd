"""The GraphQL schema: every domain's root fields, and error classification."""

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from schema.audit import AuditQueries
from schema.bills import BillQueries
from schema.changes import ChangeQueries
from schema.committees import CommitteeQueries
from schema.compiled import CompiledExecution
from schema.dates import DateTime
from schema.errors import classify
from schema.guards import Limits, guards, load_limits
from schema.incidents import IncidentQueries
from schema.legislators import LegislatorQueries
from schema.mutations import Mutation
from schema.nodes import NodeQueries
from schema.organizations import OrganizationQueries
from schema.people import PersonQueries
from schema.search import SearchQueries
from schema.sources import SourceQueries
from schema.statements import StatementQueries
from schema.subscriptions import Subscription
from schema.topics import TopicQueries
from schema.votes import VoteQueries
from schema.webhooks import WebhookMutations, WebhookQueries


@strawberry.type(
    description="Accountability data: bills, legislators, votes, statements, incidents."
)
class Query(
    NodeQueries,
    LegislatorQueries,
    CommitteeQueries,
    BillQueries,
    VoteQueries,
    StatementQueries,
    IncidentQueries,
    PersonQueries,
    OrganizationQueries,
    SourceQueries,
    TopicQueries,
    AuditQueries,
    ChangeQueries,
    SearchQueries,
    WebhookQueries,
):
    pass


@strawberry.type(
    name="Mutation",
    description="Editors' writes: create, change, delete and link statements, incidents, "
    "people, organizations, sources and topics, each with an editor key (admin to restore), in "
    "one transaction, written to the audit log. And any API key's webhooks (docs/webhooks.md).",
)
class RootMutation(Mutation, WebhookMutations):
    pass


class RedressSchema(strawberry.Schema):
    """A schema whose errors all carry `extensions.code`, with unexpected ones masked."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            classify(error)


def build_schema(limits: Limits | None = None, **options: Any) -> RedressSchema:
    """The schema with the query guards (`limits`, else from the environment) and options."""
    extensions = [*guards(limits or load_limits()), *options.pop("extensions", ())]
    return RedressSchema(
        query=Query,
        mutation=RootMutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=CompiledExecution,
        scalar_overrides={datetime: DateTime},  # refuses instants timestamptz cannot hold
        **options,
    )


schema = build_schema()
