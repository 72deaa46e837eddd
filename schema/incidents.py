"""Incidents: deaths in custody, shootings, uses of force and raids, with who was involved."""

from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import incidents as incident_sql
from db import sources as source_sql
from db.incidents import IncidentFilter as IncidentConditions
from schema import editing
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.dates import DateRange, FuzzyDate, fuzzy_date
from schema.editing import DeleteInput, FuzzyDateInput, LinkInput
from schema.errors import NotFound
from schema.people import Person
from schema.provenance import PROVENANCE_DESCRIPTION, Provenance, provenance_of
from schema.relations import nested
from schema.relay import Connection, Node, connection, to_global_id, window
from schema.sources import SourceInput
from schema.topics import parse_slug
from schema.validation import search_words, state_code

if TYPE_CHECKING:
    pass


@strawberry.enum(description="What kind of incident it was.")
class IncidentKind(Enum):
    DEATH_IN_CUSTODY = strawberry.enum_value(
        "death_in_custody", description="A death in detention or custody."
    )
    SHOOTING = strawberry.enum_value("shooting", description="A shooting by an officer or agent.")
    USE_OF_FORCE = strawberry.enum_value(
        "use_of_force", description="Another use of force by an officer or agent."
    )
    RAID = strawberry.enum_value("raid", description="An enforcement raid.")
    OTHER = strawberry.enum_value("other", description="Any other incident.")


@strawberry.enum(description="A person's part in an incident.")
class IncidentRole(Enum):
    VICTIM = strawberry.enum_value("victim", description="The person harmed.")
    AGENT = strawberry.enum_value("agent", description="An officer or agent involved.")
    WITNESS = strawberry.enum_value("witness", description="A witness.")


@strawberry.enum(description="Sort orders for incidents.")
class IncidentOrder(Enum):
    NEWEST = strawberry.enum_value(
        "newest", description="Most recent first; incidents with unknown dates last."
    )
    OLDEST = strawberry.enum_value(
        "oldest", description="Earliest first; incidents with unknown dates last."
    )
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.type(description="Where an incident happened, as far as the sources say.")
class IncidentLocation:
    city: str | None = strawberry.field(description="City or town.")
    county: str | None = strawberry.field(description="County.")
    state: str | None = strawberry.field(description="Two-letter postal code of the state.")
    facility: str | None = strawberry.field(
        description="The detention facility or operation, when there was one."
    )
    latitude: float | None = strawberry.field(description="Latitude in degrees, when known.")
    longitude: float | None = strawberry.field(description="Longitude in degrees, when known.")


@strawberry.type(description="An incident involving law enforcement, with its sources.")
class Incident(Node):
    pk: strawberry.Private[int]
    kind: IncidentKind = strawberry.field(description="What kind of incident it was.")
    occurred: FuzzyDate = strawberry.field(
        description="When it happened, as precisely as the sources tell."
    )
    location: IncidentLocation = strawberry.field(description="Where it happened.")
    outcome: str | None = strawberry.field(description="How it ended, as the source puts it.")
    description: str | None = strawberry.field(description="What happened.")
    external_key: str | None = strawberry.field(
        description="The key its dataset gives it, when it comes from a dataset."
    )
    version: int = strawberry.field(
        description="Moves on with every change; pass it as `expectedVersion` to change the record."
    )
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")
    provenance: Provenance | None = strawberry.field(description=PROVENANCE_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> "Incident":
        return cls(
            pk=row["id"],
            id=to_global_id("Incident", row["id"]),
            kind=IncidentKind(row["kind"]),
            occurred=fuzzy_date(row["occurred_on"], row["occurred_precision"]),
            location=IncidentLocation(
                city=row["city"],
                county=row["county"],
                state=row["state"],
                facility=row["facility"],
                latitude=row["latitude"],
                longitude=row["longitude"],
            ),
            outcome=row["outcome"],
            description=row["description"],
            external_key=row["external_key"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Incident | None":
        row = await info.context.loaders.incidents.by_id.load(pk)
        return cls.from_row(row) if row else None

    agencies = nested(
        "Incident",
        "agencies",
        "schema.organizations:Organization",
        "The agencies involved, by name.",
    )

    people = nested(
        "Incident",
        "people",
        "schema.incidents:IncidentPerson",
        "The people involved and their parts; victims first.",
    )

    sources = nested(
        "Incident",
        "sources",
        "schema.sources:Source",
        "The sources that record it, most recently published first.",
    )

    statements = nested(
        "Incident",
        "statements",
        "schema.statements:Statement",
        "Statements about it, newest first.",
    )

    bills = nested(
        "Incident", "bills", "schema.bills:Bill", "Bills linked to it, newest introduced first."
    )

    topics = nested(
        "Incident", "topics", "schema.topics:Topic", "Topics it is filed under, by name."
    )

    representatives = nested(
        "Incident",
        "representatives",
        "schema.legislators:Legislator",
        "Who represented the place in Congress then: the senators of its state and, where the "
        "state elects its House member at large, that member; serving on the day, or in the "
        "month or year, its date stands for (today when unknown), as the stored terms say "
        "(docs/scorecards.md). No other House member: no district boundaries are shipped.",
    )


@strawberry.type(description="A person's part in an incident.")
class IncidentPerson:
    incident_pk: strawberry.Private[int]
    person_pk: strawberry.Private[int]
    role: IncidentRole = strawberry.field(description="Their part in it.")
    age: int | None = strawberry.field(description="Their age at the time, when known.")
    sex: str | None = strawberry.field(description="Their sex as the source records it.")
    nationality: str | None = strawberry.field(
        description="Their nationality or citizenship as the source records it."
    )

    @classmethod
    def from_row(cls, row: Any) -> "IncidentPerson":
        return cls(
            incident_pk=row["incident_id"],
            person_pk=row["person_id"],
            role=IncidentRole(row["role"]),
            age=row["age"],
            sex=row["sex"],
            nationality=row["nationality"],
        )

    @strawberry.field(description="The person.")
    async def person(self, info: Info) -> Person:
        person = await Person.load(info, self.person_pk)
        assert person is not None  # a foreign key guarantees it
        return person

    @strawberry.field(description="The incident.")
    async def incident(self, info: Info) -> Incident:
        incident = await Incident.load(info, self.incident_pk)
        assert incident is not None  # a foreign key guarantees it
        return incident


@strawberry.input(description="Conditions on incidents; all given conditions must hold.")
class IncidentFilter:
    occurred: DateRange | None = strawberry.field(
        default=None,
        description="Happened within this range. An incident dated only to a month or a year "
        "matches when that month or year overlaps the range; one with no date never matches.",
    )
    state: str | None = strawberry.field(
        default=None, description="Happened in this state (two-letter code, e.g. `MN`)."
    )
    agency: str | None = strawberry.field(
        default=None, description="Involved this agency, by organization slug."
    )
    kind: IncidentKind | None = strawberry.field(default=None, description="Of this kind.")
    outcome: str | None = strawberry.field(
        default=None, description="Has exactly this outcome (any letter case)."
    )
    topic: str | None = strawberry.field(
        default=None, description="Filed under this topic, by slug."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words in the description, place or outcome, or in the names of the people "
        'involved (full text, web search syntax: `"traffic stop" minneapolis`).',
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> IncidentConditions:
        occurred = self.occurred.checked() if self.occurred else DateRange()
        return IncidentConditions(
            occurred_start=occurred.start,
            occurred_end=occurred.end,
            state=state_code(self.state),
            agency=parse_slug(self.agency, "agency"),
            kind=str(self.kind.value) if self.kind else None,
            outcome=self.outcome.strip() if self.outcome is not None else None,
            topic=parse_slug(self.topic, "topic"),
            search=search_words(self.search, "search"),
            updated_since=self.updated_since,
        )


@strawberry.type
class IncidentQueries:
    @strawberry.field(description="Incidents, filtered and sorted.")
    def incidents(
        self,
        info: Info,
        filter: Annotated[
            IncidentFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            IncidentOrder, strawberry.argument(description="The sort order.")
        ] = IncidentOrder.NEWEST,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Incident]:
        conditions = (filter or IncidentFilter()).conditions()
        loaders = info.context.loaders.incidents
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Incident.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description=(
            "One incident by the key its dataset gives it; null, with a NOT_FOUND error, if none."
        )
    )
    async def incident(
        self,
        info: Info,
        external_key: Annotated[
            str, strawberry.argument(description="The incident's `externalKey`, exactly.")
        ],
    ) -> Incident | None:
        row = await info.context.loaders.incidents.by_external_key.load(external_key)
        if row is None:
            raise NotFound(f"no incident with external key {external_key!r}")
        return Incident.from_row(row)


@strawberry.input(description="Where an incident happened; every part is optional.")
class IncidentLocationInput:
    city: str | None = strawberry.field(
        default=None, description="City or town (at most 300 characters)."
    )
    county: str | None = strawberry.field(
        default=None, description="County (at most 300 characters)."
    )
    state: str | None = strawberry.field(
        default=None, description="Two-letter postal code of the state, e.g. `MN`."
    )
    facility: str | None = strawberry.field(
        default=None, description="The detention facility or operation (at most 300 characters)."
    )
    latitude: float | None = strawberry.field(
        default=None, description="Latitude in degrees, -90 to 90."
    )
    longitude: float | None = strawberry.field(
        default=None, description="Longitude in degrees, -180 to 180."
    )

    def values(self) -> dict[str, Any]:
        """The location columns, checked."""
        return {
            "city": editing.text(self.city, "location.city", "place"),
            "county": editing.text(self.county, "location.county", "place"),
            "state": editing.state(self.state, "location.state"),
            "facility": editing.text(self.facility, "location.facility", "place"),
            "latitude": editing.between(self.latitude, "location.latitude", -90, 90),
            "longitude": editing.between(self.longitude, "location.longitude", -180, 180),
        }


@strawberry.input(description="A new incident, with at least one source.")
class IncidentInput:
    kind: IncidentKind = strawberry.field(description="What kind of incident it was.")
    occurred: FuzzyDateInput = strawberry.field(
        description="When it happened, as precisely as the sources tell (not in the future)."
    )
    location: IncidentLocationInput | None = strawberry.field(
        default=None, description="Where it happened."
    )
    outcome: str | None = strawberry.field(
        default=None, description="How it ended, as the source puts it (at most 300 characters)."
    )
    description: str | None = strawberry.field(
        default=None, description="What happened (at most 20,000 characters)."
    )
    sources: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Global ids of existing sources that record it."
    )
    new_sources: list[SourceInput] | None = strawberry.field(
        default=None,
        description="Sources to create and cite. `sources` and `newSources` together need at "
        "least one entry and at most 20.",
    )

    def values(self) -> dict[str, Any]:
        """The columns of the new incident, checked."""
        occurred_on, precision = editing.fuzzy(self.occurred, "occurred")
        return {
            "kind": str(self.kind.value),
            "occurred_on": occurred_on,
            "occurred_precision": precision,
            **(self.location or IncidentLocationInput()).values(),
            "outcome": editing.text(self.outcome, "outcome", "outcome"),
            "description": editing.text(self.description, "description", "description"),
        }


@strawberry.input(description="Changes to an incident; omitted fields stay as they are.")
class UpdateIncidentInput:
    id: strawberry.ID = strawberry.field(description="The incident's global id.")
    expected_version: int = strawberry.field(
        description="The `version` the incident had when read; CONFLICT if it has changed since."
    )
    kind: IncidentKind | None = strawberry.field(
        default=strawberry.UNSET, description="A new kind."
    )
    occurred: FuzzyDateInput | None = strawberry.field(
        default=strawberry.UNSET, description="A new date (precision UNKNOWN if not known)."
    )
    location: IncidentLocationInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="A new location; it replaces the whole location (parts left out are removed).",
    )
    outcome: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new outcome; null removes it."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new description; null removes it."
    )

    def values(self) -> dict[str, Any]:
        """The columns to change, checked."""
        values: dict[str, Any] = {}
        if editing.given(self.kind):
            if self.kind is None:
                raise editing.invalid("kind", "`kind` cannot be null")
            values["kind"] = str(self.kind.value)
        if editing.given(self.occurred):
            values["occurred_on"], values["occurred_precision"] = editing.fuzzy(
                self.occurred, "occurred"
            )
        if editing.given(self.location):
            values.update((self.location or IncidentLocationInput()).values())
        if editing.given(self.outcome):
            values["outcome"] = editing.text(self.outcome, "outcome", "outcome")
        if editing.given(self.description):
            values["description"] = editing.text(self.description, "description", "description")
        return values


@strawberry.type(description="The incident a mutation wrote.")
class IncidentPayload:
    incident: Incident = strawberry.field(description="The incident as written.")


async def _has_live_source(tx: Any, row: Any) -> None:
    if await incident_sql.live_source_count(tx, row["id"]) == 0:
        raise editing.invalid(
            "target", "an incident needs at least one source: link another one first"
        )


async def _restorable(tx: Any, row: Any) -> None:
    if await incident_sql.live_source_count(tx, row["id"]) == 0:
        raise editing.invalid(
            "id", "every source of this incident is deleted: restore one of them first", "id"
        )


@strawberry.type
class IncidentMutations:
    @strawberry.mutation(description="Add an incident with its sources. Needs an editor key.")
    async def create_incident(
        self,
        info: Info,
        input: Annotated[IncidentInput, strawberry.argument(description="The new incident.")],
    ) -> IncidentPayload:
        async with editing.editing(info) as edit:
            values = input.values()
            new_sources = [
                source.values(f"newSources[{i}].")
                for i, source in enumerate(input.new_sources or [])
            ]
            row = await editing.insert(edit, incident_sql.TABLE, values)
            source_ids = await editing.attach_sources(
                edit,
                incident_sql.TABLE,
                incident_sql.LINKS["Source"],
                row["id"],
                input.sources,
                new_sources,
                source_sql.TABLE,
            )
            await editing.audit_created(edit, incident_sql.TABLE, row, {"source_ids": source_ids})
        return IncidentPayload(incident=Incident.from_row(row))

    @strawberry.mutation(description="Change an incident. Needs an editor key.")
    async def update_incident(
        self,
        info: Info,
        input: Annotated[UpdateIncidentInput, strawberry.argument(description="The changes.")],
    ) -> IncidentPayload:
        row = await editing.update_record(
            info, incident_sql.TABLE, input.id, input.expected_version, input.values
        )
        return IncidentPayload(incident=Incident.from_row(row))

    @strawberry.mutation(
        description="Delete an incident (it can be restored). Needs an editor key."
    )
    async def delete_incident(
        self,
        info: Info,
        input: Annotated[DeleteInput, strawberry.argument(description="What to delete, and why.")],
    ) -> IncidentPayload:
        row = await editing.delete_record(info, incident_sql.TABLE, input)
        return IncidentPayload(incident=Incident.from_row(row))

    @strawberry.mutation(description="Bring back a deleted incident. Needs an admin key.")
    async def restore_incident(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The incident's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why it is restored.")],
    ) -> IncidentPayload:
        row = await editing.restore_record(info, incident_sql.TABLE, id, reason, _restorable)
        return IncidentPayload(incident=Incident.from_row(row))

    @strawberry.mutation(
        description="Link an incident (`id`) to a bill, a topic or a source (`target`). "
        "Needs an editor key."
    )
    async def link_incident(
        self,
        info: Info,
        input: Annotated[
            LinkInput, strawberry.argument(description="The incident and the target.")
        ],
    ) -> IncidentPayload:
        row = await editing.link_record(
            info, incident_sql.TABLE, incident_sql.LINKS, input, add=True
        )
        return IncidentPayload(incident=Incident.from_row(row))

    @strawberry.mutation(
        description="Unlink an incident (`id`) from a bill, a topic or a source (`target`). "
        "Its last source cannot be unlinked. Needs an editor key."
    )
    async def unlink_incident(
        self,
        info: Info,
        input: Annotated[
            LinkInput, strawberry.argument(description="The incident and the target.")
        ],
    ) -> IncidentPayload:
        row = await editing.link_record(
            info, incident_sql.TABLE, incident_sql.LINKS, input, add=False, check=_has_live_source
        )
        return IncidentPayload(incident=Incident.from_row(row))
