"""Public statements: who said what, when, where, and the sources that record it."""

import re
from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry

from db import editing as editing_sql
from db import sources as source_sql
from db import statements as statement_sql
from db.statements import StatementFilter as StatementConditions
from schema import editing
from schema.arguments import After, Before, First, Last
from schema.bills import parse_bill_id
from schema.context import Info
from schema.dates import DateRange, FuzzyDate, fuzzy_date
from schema.editing import DeleteInput, Edit, FuzzyDateInput, LinkInput
from schema.errors import BadUserInput, NotFound
from schema.legislators import Legislator
from schema.organizations import Organization
from schema.people import Person
from schema.provenance import PROVENANCE_DESCRIPTION, Provenance, provenance_of
from schema.relations import nested
from schema.relay import (
    Connection,
    Node,
    connection,
    from_global_id,
    to_global_id,
    window,
)
from schema.sources import SourceInput
from schema.topics import parse_slug
from schema.validation import search_words

if TYPE_CHECKING:
    from schema.record import StanceTag

Speaker: TypeAlias = Annotated[
    Legislator | Person | Organization,
    strawberry.union("Speaker", description="Who made a statement."),
]

_BIOGUIDE_ID = re.compile(r"^[A-Z]\d{6}$")
_SPEAKER_TYPES = ("Legislator", "Person", "Organization")


@strawberry.enum(description="Where or how a statement was made.")
class StatementMedium(Enum):
    FLOOR_SPEECH = strawberry.enum_value(
        "floor_speech", description="A speech on the House or Senate floor."
    )
    PRESS_RELEASE = strawberry.enum_value("press_release", description="A press release.")
    SOCIAL_POST = strawberry.enum_value("social_post", description="A social media post.")
    TV = strawberry.enum_value("tv", description="On television.")
    INTERVIEW = strawberry.enum_value("interview", description="An interview.")
    HEARING = strawberry.enum_value("hearing", description="At a hearing.")
    FILING = strawberry.enum_value("filing", description="In a court or regulatory filing.")
    PUBLICATION = strawberry.enum_value(
        "publication", description="In a published report, article or guide."
    )


@strawberry.enum(description="Sort orders for statements.")
class StatementOrder(Enum):
    NEWEST = strawberry.enum_value(
        "newest", description="Most recent first; statements with unknown dates last."
    )
    OLDEST = strawberry.enum_value(
        "oldest", description="Earliest first; statements with unknown dates last."
    )
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.type(description="Something said in public, with the sources that record it.")
class Statement(Node):
    pk: strawberry.Private[int]
    legislator_pk: strawberry.Private[int | None]
    person_pk: strawberry.Private[int | None]
    organization_pk: strawberry.Private[int | None]
    speaker_bioguide_id: str | None = strawberry.field(
        description="The speaker's bioguide id as recorded, when the speaker is a member of "
        "Congress; it is kept even when that member is not in the data and `speaker` is null."
    )
    said: FuzzyDate = strawberry.field(
        description="When it was said, as precisely as the sources tell."
    )
    quote: str = strawberry.field(description="The words, exactly as quoted by the source.")
    context: str | None = strawberry.field(description="The circumstances it was said in.")
    medium: StatementMedium | None = strawberry.field(
        description="Where or how it was said, when known."
    )
    external_key: str | None = strawberry.field(
        description="The stable key its curated file gives it, when it has one."
    )
    version: int = strawberry.field(
        description="Moves on with every change; pass it as `expectedVersion` to change the record."
    )
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")
    provenance: Provenance | None = strawberry.field(description=PROVENANCE_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> "Statement":
        return cls(
            pk=row["id"],
            legislator_pk=row["speaker_legislator_id"],
            person_pk=row["speaker_person_id"],
            organization_pk=row["speaker_organization_id"],
            id=to_global_id("Statement", row["id"]),
            speaker_bioguide_id=row["speaker_bioguide_id"],
            said=fuzzy_date(row["said_on"], row["said_on_precision"]),
            quote=row["quote"],
            context=row["context"],
            medium=StatementMedium(row["medium"]) if row["medium"] else None,
            external_key=row["external_key"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Statement | None":
        row = await info.context.loaders.statements.by_id.load(pk)
        return cls.from_row(row) if row else None

    @strawberry.field(
        description="Who said it: a legislator, a person or an organization. Null when only "
        "a bioguide id is known and that member is not in the data (see `speakerBioguideId`)."
    )
    async def speaker(self, info: Info) -> Speaker | None:
        loaders = info.context.loaders
        if self.legislator_pk is not None:
            return await Legislator.load(info, self.legislator_pk)
        if self.person_pk is not None:
            return await Person.load(info, self.person_pk)
        if self.organization_pk is not None:
            return await Organization.load(info, self.organization_pk)
        if self.speaker_bioguide_id is not None:
            row = await loaders.legislators.by_bioguide_id.load(self.speaker_bioguide_id)
            return Legislator.from_row(row) if row else None
        return None

    sources = nested(
        "Statement",
        "sources",
        "schema.sources:Source",
        "The sources that record it, most recently published first.",
    )

    bills = nested(
        "Statement", "bills", "schema.bills:Bill", "Bills it is about, newest introduced first."
    )

    votes = nested(
        "Statement", "votes", "schema.votes:Vote", "Roll-call votes it is about, newest first."
    )

    incidents = nested(
        "Statement",
        "incidents",
        "schema.incidents:Incident",
        "Incidents it is about, newest first.",
    )

    topics = nested(
        "Statement", "topics", "schema.topics:Topic", "Topics it is filed under, by name."
    )

    @strawberry.field(
        description="The stances editors tagged it as taking on the bills and votes it is "
        "linked to (bills first); empty when no link is tagged. Never inferred."
    )
    async def stances(
        self, info: Info
    ) -> list[Annotated["StanceTag", strawberry.lazy("schema.record")]]:
        from schema.record import statement_stances  # imports this module

        return await statement_stances(info, self.pk)


def _global_id(value: str, argument: str, types: tuple[str, ...]) -> tuple[str, int]:
    """The type and row id in a global id of one of `types`, or BAD_USER_INPUT."""
    expected = " or ".join((", ".join(types[:-1]), types[-1])) if len(types) > 1 else types[0]
    try:
        type_name, pk = from_global_id(value)
    except BadUserInput:
        type_name, pk = "", 0
    if type_name not in types:
        raise BadUserInput(
            f"`{argument}` must be the id of a {expected}, got {value!r}", argument=argument
        )
    return type_name, pk


@strawberry.input(description="Conditions on statements; all given conditions must hold.")
class StatementFilter:
    speaker: strawberry.ID | None = strawberry.field(
        default=None,
        description="Said by this speaker: the global id of a Legislator, Person or "
        "Organization, or a bioguide id such as `M000133`. A legislator (by id or bioguide id) "
        "also matches statements recorded only under their bioguide id.",
    )
    said: DateRange | None = strawberry.field(
        default=None,
        description="Said within this range. A statement dated only to a month or a year "
        "matches when that month or year overlaps the range; one with no date never matches.",
    )
    medium: StatementMedium | None = strawberry.field(
        default=None, description="Made through this medium."
    )
    bill: str | None = strawberry.field(
        default=None, description="About this bill, by bill id such as `hr1470-117`."
    )
    incident: strawberry.ID | None = strawberry.field(
        default=None, description="About this incident, by its global id."
    )
    topic: str | None = strawberry.field(
        default=None, description="Filed under this topic, by slug."
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words in the quote or its context (full text, web search syntax: "
        '`"federal immunity" -police`).',
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> StatementConditions:
        said = self.said.checked() if self.said else DateRange()
        speaker: dict[str, Any] = {}
        if self.speaker is not None:
            bioguide = self.speaker.strip().upper()
            if _BIOGUIDE_ID.match(bioguide):
                speaker["bioguide_id"] = bioguide
            else:
                type_name, pk = _global_id(self.speaker, "speaker", _SPEAKER_TYPES)
                speaker[f"{type_name.lower()}_id"] = pk
        return StatementConditions(
            **speaker,
            said_start=said.start,
            said_end=said.end,
            medium=str(self.medium.value) if self.medium else None,
            bill_id=parse_bill_id(self.bill, "bill") if self.bill is not None else None,
            incident_id=_global_id(self.incident, "incident", ("Incident",))[1]
            if self.incident is not None
            else None,
            topic=parse_slug(self.topic, "topic"),
            search=search_words(self.search, "search"),
            updated_since=self.updated_since,
        )


@strawberry.type
class StatementQueries:
    @strawberry.field(description="Public statements, filtered and sorted.")
    def statements(
        self,
        info: Info,
        filter: Annotated[
            StatementFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            StatementOrder, strawberry.argument(description="The sort order.")
        ] = StatementOrder.NEWEST,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Statement]:
        conditions = (filter or StatementFilter()).conditions()
        loaders = info.context.loaders.statements
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Statement.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description=(
            "One statement by the key its curated file gives it; null, with a NOT_FOUND error,"
            " if none."
        )
    )
    async def statement(
        self,
        info: Info,
        external_key: Annotated[
            str, strawberry.argument(description="The statement's `externalKey`, exactly.")
        ],
    ) -> Statement | None:
        row = await info.context.loaders.statements.by_external_key.load(external_key)
        if row is None:
            raise NotFound(f"no statement with external key {external_key!r}")
        return Statement.from_row(row)


SPEAKER_HELP = (
    "Who said it: the global id of a Legislator, Person or Organization, or the bioguide id "
    "of a member of Congress (such as `M000133`) even when that member is not in the data."
)


async def _speaker(edit: Edit, value: str, field: str = "speaker") -> dict[str, Any]:
    """The speaker columns for `value`; BAD_USER_INPUT or NOT_FOUND naming the field."""
    columns: dict[str, Any] = {
        "speaker_legislator_id": None,
        "speaker_person_id": None,
        "speaker_organization_id": None,
        "speaker_bioguide_id": None,
    }
    bioguide = value.strip().upper()
    if _BIOGUIDE_ID.match(bioguide):
        columns["speaker_bioguide_id"] = bioguide
        columns["speaker_legislator_id"] = await statement_sql.legislator_by_bioguide(
            edit.tx, bioguide
        )
        return columns
    type_name, pk = editing.record_id(value, _SPEAKER_TYPES, field)
    if type_name == "Legislator":
        columns["speaker_bioguide_id"] = await statement_sql.legislator_bioguide(edit.tx, pk)
        found = columns["speaker_bioguide_id"] is not None
    else:
        table = "people" if type_name == "Person" else "organizations"
        found = await editing_sql.share_live(edit.tx, table, pk)
    if not found:
        raise NotFound(f"no {type_name} with id {value!r}", argument="input", field=field)
    columns[f"speaker_{type_name.lower()}_id"] = pk
    return columns


def _medium(value: StatementMedium | None) -> str | None:
    return str(value.value) if value is not None else None


@strawberry.input(description="A new statement, with at least one source.")
class StatementInput:
    speaker: strawberry.ID = strawberry.field(description=SPEAKER_HELP)
    said: FuzzyDateInput = strawberry.field(
        description="When it was said, as precisely as the sources tell (not in the future)."
    )
    quote: str = strawberry.field(
        description="The words, exactly as quoted by the source (at most 10,000 characters)."
    )
    context: str | None = strawberry.field(
        default=None,
        description="The circumstances it was said in (at most 5,000 characters).",
    )
    medium: StatementMedium | None = strawberry.field(
        default=None, description="Where or how it was said."
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
        """The columns of the new statement except its speaker, checked."""
        said_on, precision = editing.fuzzy(self.said, "said")
        return {
            "said_on": said_on,
            "said_on_precision": precision,
            "quote": editing.required_text(self.quote, "quote", "quote"),
            "context": editing.text(self.context, "context", "context"),
            "medium": _medium(self.medium),
        }


@strawberry.input(description="Changes to a statement; omitted fields stay as they are.")
class UpdateStatementInput:
    id: strawberry.ID = strawberry.field(description="The statement's global id.")
    expected_version: int = strawberry.field(
        description="The `version` the statement had when read; CONFLICT if it has changed since."
    )
    speaker: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description=SPEAKER_HELP
    )
    said: FuzzyDateInput | None = strawberry.field(
        default=strawberry.UNSET, description="A new date (precision UNKNOWN if not known)."
    )
    quote: str | None = strawberry.field(default=strawberry.UNSET, description="A new quote.")
    context: str | None = strawberry.field(
        default=strawberry.UNSET, description="New circumstances; null removes them."
    )
    medium: StatementMedium | None = strawberry.field(
        default=strawberry.UNSET, description="A new medium; null removes it."
    )

    def values(self) -> dict[str, Any]:
        """The columns to change except the speaker, checked."""
        values: dict[str, Any] = {}
        if editing.given(self.said):
            values["said_on"], values["said_on_precision"] = editing.fuzzy(self.said, "said")
        if editing.given(self.quote):
            values["quote"] = editing.required_text(self.quote, "quote", "quote")
        if editing.given(self.context):
            values["context"] = editing.text(self.context, "context", "context")
        if editing.given(self.medium):
            values["medium"] = _medium(self.medium)
        return values


@strawberry.type(description="The statement a mutation wrote.")
class StatementPayload:
    statement: Statement = strawberry.field(description="The statement as written.")


async def _has_live_source(tx: Any, row: Any) -> None:
    if await statement_sql.live_source_count(tx, row["id"]) == 0:
        raise editing.invalid(
            "target", "a statement needs at least one source: link another one first"
        )


async def _restorable(tx: Any, row: Any) -> None:
    if await statement_sql.live_source_count(tx, row["id"]) == 0:
        raise editing.invalid(
            "id", "every source of this statement is deleted: restore one of them first", "id"
        )
    for column, table in (
        ("speaker_person_id", "people"),
        ("speaker_organization_id", "organizations"),
    ):
        if row[column] is not None and not await editing_sql.share_live(tx, table, row[column]):
            raise editing.invalid(
                "id", "the speaker of this statement is deleted: restore them first", "id"
            )


@strawberry.type
class StatementMutations:
    @strawberry.mutation(description="Add a statement with its sources. Needs an editor key.")
    async def create_statement(
        self,
        info: Info,
        input: Annotated[StatementInput, strawberry.argument(description="The new statement.")],
    ) -> StatementPayload:
        async with editing.editing(info) as edit:
            values = input.values()
            new_sources = [
                source.values(f"newSources[{i}].")
                for i, source in enumerate(input.new_sources or [])
            ]
            values.update(await _speaker(edit, input.speaker))
            row = await editing.insert(edit, statement_sql.TABLE, values)
            source_ids = await editing.attach_sources(
                edit,
                statement_sql.TABLE,
                statement_sql.LINKS["Source"],
                row["id"],
                input.sources,
                new_sources,
                source_sql.TABLE,
            )
            await editing.audit_created(edit, statement_sql.TABLE, row, {"source_ids": source_ids})
        return StatementPayload(statement=Statement.from_row(row))

    @strawberry.mutation(description="Change a statement. Needs an editor key.")
    async def update_statement(
        self,
        info: Info,
        input: Annotated[UpdateStatementInput, strawberry.argument(description="The changes.")],
    ) -> StatementPayload:
        async with editing.editing(info) as edit:
            _, pk = editing.record_id(input.id, ("Statement",), "id")
            expected = editing.version(input.expected_version)
            values = input.values()
            if editing.given(input.speaker):
                if input.speaker is None:
                    raise editing.invalid("speaker", "`speaker` cannot be null")
                values.update(await _speaker(edit, input.speaker))
            row = await editing.update(edit, statement_sql.TABLE, pk, expected, values)
        return StatementPayload(statement=Statement.from_row(row))

    @strawberry.mutation(
        description="Delete a statement (it can be restored). Needs an editor key."
    )
    async def delete_statement(
        self,
        info: Info,
        input: Annotated[DeleteInput, strawberry.argument(description="What to delete, and why.")],
    ) -> StatementPayload:
        row = await editing.delete_record(info, statement_sql.TABLE, input)
        return StatementPayload(statement=Statement.from_row(row))

    @strawberry.mutation(description="Bring back a deleted statement. Needs an admin key.")
    async def restore_statement(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The statement's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why it is restored.")],
    ) -> StatementPayload:
        row = await editing.restore_record(info, statement_sql.TABLE, id, reason, _restorable)
        return StatementPayload(statement=Statement.from_row(row))

    @strawberry.mutation(
        description="Link a statement (`id`) to a bill, a roll-call vote, an incident, a topic "
        "or a source (`target`). Needs an editor key."
    )
    async def link_statement(
        self,
        info: Info,
        input: Annotated[
            LinkInput, strawberry.argument(description="The statement and the target.")
        ],
    ) -> StatementPayload:
        row = await editing.link_record(
            info, statement_sql.TABLE, statement_sql.LINKS, input, add=True
        )
        return StatementPayload(statement=Statement.from_row(row))

    @strawberry.mutation(
        description="Unlink a statement (`id`) from a bill, a roll-call vote, an incident, a "
        "topic or a source (`target`). Its last source cannot be unlinked. Needs an editor key."
    )
    async def unlink_statement(
        self,
        info: Info,
        input: Annotated[
            LinkInput, strawberry.argument(description="The statement and the target.")
        ],
    ) -> StatementPayload:
        row = await editing.link_record(
            info,
            statement_sql.TABLE,
            statement_sql.LINKS,
            input,
            add=False,
            check=_has_live_source,
        )
        return StatementPayload(statement=Statement.from_row(row))
