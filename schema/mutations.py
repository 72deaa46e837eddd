"""The root Mutation type: every editable domain's mutations."""

import strawberry

from schema.incidents import IncidentMutations
from schema.organizations import OrganizationMutations
from schema.people import PersonMutations
from schema.sources import SourceMutations
from schema.statements import StatementMutations
from schema.topics import TopicMutations


@strawberry.type(
    description="Editors' writes: create, change, delete and link statements, incidents, "
    "people, organizations, sources and topics. Every mutation needs an API key (editor, or "
    "admin to restore), runs in one transaction and is written to the audit log."
)
class Mutation(
    StatementMutations,
    IncidentMutations,
    PersonMutations,
    OrganizationMutations,
    SourceMutations,
    TopicMutations,
):
    pass
