"""Organizations: government agencies, advocacy groups, news outlets."""

from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import organizations as organization_sql
from db.organizations import OrganizationFilter as OrganizationConditions
from schema import editing
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.editing import DeleteInput
from schema.errors import NotFound
from schema.provenance import PROVENANCE_DESCRIPTION, Provenance, provenance_of
from schema.relations import nested
from schema.relay import Connection, Node, connection, to_global_id, window
from schema.validation import search_words

if TYPE_CHECKING:
    pass


@strawberry.enum(description="What kind of organization it is.")
class OrganizationKind(Enum):
    AGENCY = strawberry.enum_value("agency", description="A government agency, e.g. ICE.")
    ADVOCACY = strawberry.enum_value("advocacy", description="An advocacy or legal group.")
    NEWS = strawberry.enum_value("news", description="A news organization.")
    OTHER = strawberry.enum_value("other", description="Any other organization.")


@strawberry.enum(description="Sort orders for organizations.")
class OrganizationOrder(Enum):
    NAME = strawberry.enum_value("name", description="By name.")
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.type(description="An agency, advocacy group, news outlet or other organization.")
class Organization(Node):
    pk: strawberry.Private[int]
    slug: str = strawberry.field(description="Natural key, e.g. `reuters`.")
    name: str = strawberry.field(description="The organization's name.")
    abbreviation: str | None = strawberry.field(description="Its usual abbreviation, e.g. `ICE`.")
    kind: OrganizationKind = strawberry.field(description="What kind of organization it is.")
    url: str | None = strawberry.field(description="Its website.")
    version: int = strawberry.field(
        description="Moves on with every change; pass it as `expectedVersion` to change the record."
    )
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")
    provenance: Provenance | None = strawberry.field(description=PROVENANCE_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> "Organization":
        return cls(
            pk=row["id"],
            id=to_global_id("Organization", row["id"]),
            slug=row["slug"],
            name=row["name"],
            abbreviation=row["abbreviation"],
            kind=OrganizationKind(row["kind"]),
            url=row["url"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Organization | None":
        row = await info.context.loaders.organizations.by_id.load(pk)
        return cls.from_row(row) if row else None

    statements = nested(
        "Organization",
        "statements",
        "schema.statements:Statement",
        "What it said in public, newest first (unknown dates last).",
    )

    incidents = nested(
        "Organization",
        "incidents",
        "schema.incidents:Incident",
        "Incidents it was involved in as an agency, newest first.",
    )


@strawberry.input(description="Conditions on organizations; all given conditions must hold.")
class OrganizationFilter:
    kind: OrganizationKind | None = strawberry.field(default=None, description="Of this kind.")
    name: str | None = strawberry.field(
        default=None, description="Words that begin the name or abbreviation: `nat law`."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> OrganizationConditions:
        return OrganizationConditions(
            kind=str(self.kind.value) if self.kind else None,
            name=search_words(self.name, "name"),
            updated_since=self.updated_since,
        )


@strawberry.type
class OrganizationQueries:
    @strawberry.field(description="Organizations, filtered and sorted.")
    def organizations(
        self,
        info: Info,
        filter: Annotated[
            OrganizationFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            OrganizationOrder, strawberry.argument(description="The sort order.")
        ] = OrganizationOrder.NAME,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Organization]:
        conditions = (filter or OrganizationFilter()).conditions()
        loaders = info.context.loaders.organizations
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Organization.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description="One organization by slug; null, with a NOT_FOUND error, if there is none."
    )
    async def organization(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="A slug such as `reuters`.")],
    ) -> Organization | None:
        row = await info.context.loaders.organizations.by_slug.load(slug)
        if row is None:
            raise NotFound(f"no organization with slug {slug!r}")
        return Organization.from_row(row)


@strawberry.input(description="A new organization.")
class OrganizationInput:
    slug: str = strawberry.field(
        description="Natural key: lower-case words joined by dashes, e.g. `reuters` "
        "(at most 100 characters)."
    )
    name: str = strawberry.field(description="The organization's name (at most 300 characters).")
    kind: OrganizationKind = strawberry.field(description="What kind of organization it is.")
    abbreviation: str | None = strawberry.field(
        default=None, description="Its usual abbreviation, e.g. `ICE` (at most 50 characters)."
    )
    url: str | None = strawberry.field(default=None, description="Its website: an http(s) URL.")

    def values(self) -> dict[str, Any]:
        """The columns of the new organization, checked."""
        return {
            "slug": editing.slug(self.slug),
            "name": editing.required_text(self.name, "name", "name"),
            "kind": str(self.kind.value),
            "abbreviation": editing.text(self.abbreviation, "abbreviation", "abbreviation"),
            "url": editing.url(self.url, "url"),
        }


@strawberry.input(description="Changes to an organization; omitted fields stay as they are.")
class UpdateOrganizationInput:
    id: strawberry.ID = strawberry.field(description="The organization's global id.")
    expected_version: int = strawberry.field(
        description="The `version` the organization had when read; CONFLICT if it has changed "
        "since."
    )
    slug: str | None = strawberry.field(default=strawberry.UNSET, description="A new slug.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="A new name.")
    kind: OrganizationKind | None = strawberry.field(
        default=strawberry.UNSET, description="A new kind."
    )
    abbreviation: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new abbreviation; null removes it."
    )
    url: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new website; null removes it."
    )

    def values(self) -> dict[str, Any]:
        """The columns to change, checked."""
        values: dict[str, Any] = {}
        if editing.given(self.slug):
            values["slug"] = editing.slug(self.slug)
        if editing.given(self.name):
            values["name"] = editing.required_text(self.name, "name", "name")
        if editing.given(self.kind):
            if self.kind is None:
                raise editing.invalid("kind", "`kind` cannot be null")
            values["kind"] = str(self.kind.value)
        if editing.given(self.abbreviation):
            values["abbreviation"] = editing.text(self.abbreviation, "abbreviation", "abbreviation")
        if editing.given(self.url):
            values["url"] = editing.url(self.url, "url")
        return values


@strawberry.type(description="The organization a mutation wrote.")
class OrganizationPayload:
    organization: Organization = strawberry.field(description="The organization as written.")


async def _no_live_statements(tx: Any, row: Any) -> None:
    said = await organization_sql.live_statement_count(tx, row["id"])
    if said:
        raise editing.invalid(
            "id", f"this organization is the speaker of {said} statement(s); delete those first"
        )


@strawberry.type
class OrganizationMutations:
    @strawberry.mutation(description="Add an organization. Needs an editor key.")
    async def create_organization(
        self,
        info: Info,
        input: Annotated[OrganizationInput, strawberry.argument(description="The new one.")],
    ) -> OrganizationPayload:
        async with editing.editing(info) as edit:
            row = await editing.create(edit, organization_sql.TABLE, input.values())
        return OrganizationPayload(organization=Organization.from_row(row))

    @strawberry.mutation(description="Change an organization. Needs an editor key.")
    async def update_organization(
        self,
        info: Info,
        input: Annotated[UpdateOrganizationInput, strawberry.argument(description="The changes.")],
    ) -> OrganizationPayload:
        row = await editing.update_record(
            info, organization_sql.TABLE, input.id, input.expected_version, input.values
        )
        return OrganizationPayload(organization=Organization.from_row(row))

    @strawberry.mutation(
        description="Delete an organization (it can be restored). Refused while it is the "
        "speaker of a statement. Needs an editor key."
    )
    async def delete_organization(
        self,
        info: Info,
        input: Annotated[DeleteInput, strawberry.argument(description="What to delete, and why.")],
    ) -> OrganizationPayload:
        row = await editing.delete_record(info, organization_sql.TABLE, input, _no_live_statements)
        return OrganizationPayload(organization=Organization.from_row(row))

    @strawberry.mutation(description="Bring back a deleted organization. Needs an admin key.")
    async def restore_organization(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The organization's global id.")
        ],
        reason: Annotated[str, strawberry.argument(description="Why it is restored.")],
    ) -> OrganizationPayload:
        row = await editing.restore_record(info, organization_sql.TABLE, id, reason)
        return OrganizationPayload(organization=Organization.from_row(row))
