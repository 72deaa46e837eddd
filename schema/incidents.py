"""Incidents: deaths in custody, shootings, uses of force and raids, with who was involved."""

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.incidents import IncidentFilter as IncidentConditions
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.dates import DateRange, FuzzyDate, fuzzy_date
from schema.errors import NotFound
from schema.people import Person
from schema.relay import Connection, Node, connection, loaded_count, to_global_id, window
from schema.topics import parse_slug
from schema.validation import search_words, state_code

if TYPE_CHECKING:
    from schema.bills import Bill
    from schema.organizations import Organization
    from schema.sources import Source
    from schema.statements import Statement
    from schema.topics import Topic


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
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")

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
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Incident | None":
        row = await info.context.loaders.incidents.by_id.load(pk)
        return cls.from_row(row) if row else None

    @strawberry.field(description="The agencies involved, by name.")
    async def agencies(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Organization", strawberry.lazy("schema.organizations")]]:
        from schema.organizations import Organization

        loaders = info.context.loaders.incidents
        page = await loaders.agencies.load((self.pk, window(first, after, last, before)))
        return connection(
            page, Organization.from_row, lambda: loaded_count(loaders.agency_count, self.pk)
        )

    @strawberry.field(description="The people involved and their parts; victims first.")
    async def people(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection["IncidentPerson"]:
        loaders = info.context.loaders.incidents
        page = await loaders.people.load((self.pk, window(first, after, last, before)))
        return connection(
            page, IncidentPerson.from_row, lambda: loaded_count(loaders.person_count, self.pk)
        )

    @strawberry.field(description="The sources that record it, most recently published first.")
    async def sources(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Source", strawberry.lazy("schema.sources")]]:
        from schema.sources import Source

        loaders = info.context.loaders.incidents
        page = await loaders.sources.load((self.pk, window(first, after, last, before)))
        return connection(
            page, Source.from_row, lambda: loaded_count(loaders.source_count, self.pk)
        )

    @strawberry.field(description="Statements about it, newest first.")
    async def statements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Statement", strawberry.lazy("schema.statements")]]:
        from schema.statements import Statement

        loaders = info.context.loaders.incidents
        page = await loaders.statements.load((self.pk, window(first, after, last, before)))
        return connection(
            page, Statement.from_row, lambda: loaded_count(loaders.statement_count, self.pk)
        )

    @strawberry.field(description="Bills linked to it, newest introduced first.")
    async def bills(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Bill", strawberry.lazy("schema.bills")]]:
        from schema.bills import Bill

        loaders = info.context.loaders.incidents
        page = await loaders.bills.load((self.pk, window(first, after, last, before)))
        return connection(page, Bill.from_row, lambda: loaded_count(loaders.bill_count, self.pk))

    @strawberry.field(description="Topics it is filed under, by name.")
    async def topics(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Topic", strawberry.lazy("schema.topics")]]:
        from schema.topics import Topic

        loaders = info.context.loaders.incidents
        page = await loaders.topics.load((self.pk, window(first, after, last, before)))
        return connection(page, Topic.from_row, lambda: loaded_count(loaders.topic_count, self.pk))


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
    async def incidents(
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
        page = await loaders.page(
            conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Incident.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description="One incident by the key its dataset gives it; NOT_FOUND if there is none."
    )
    async def incident(
        self,
        info: Info,
        external_key: Annotated[
            str, strawberry.argument(description="The incident's `externalKey`, exactly.")
        ],
    ) -> Incident:
        row = await info.context.loaders.incidents.by_external_key.load(external_key)
        if row is None:
            raise NotFound(f"no incident with external key {external_key!r}")
        return Incident.from_row(row)
