"""People who are not members of Congress: speakers, and people involved in incidents."""

from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import people as person_sql
from db.people import PersonFilter as PersonConditions
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


@strawberry.enum(description="Sort orders for people.")
class PersonOrder(Enum):
    NAME = strawberry.enum_value("name", description="By name as written.")
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.type(description="A person who is not a member of Congress.")
class Person(Node):
    pk: strawberry.Private[int]
    slug: str = strawberry.field(description="Natural key, e.g. `stephen-miller`.")
    name: str = strawberry.field(description="The person's name.")
    description: str | None = strawberry.field(description="Who they are, briefly.")
    version: int = strawberry.field(
        description="Moves on with every change; pass it as `expectedVersion` to change the record."
    )
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")
    provenance: Provenance | None = strawberry.field(description=PROVENANCE_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> "Person":
        return cls(
            pk=row["id"],
            id=to_global_id("Person", row["id"]),
            slug=row["slug"],
            name=row["name"],
            description=row["description"],
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Person | None":
        row = await info.context.loaders.people.by_id.load(pk)
        return cls.from_row(row) if row else None

    statements = nested(
        "Person",
        "statements",
        "schema.statements:Statement",
        "What they said in public, newest first (unknown dates last).",
    )

    incidents = nested(
        "Person",
        "incidents",
        "schema.incidents:IncidentPerson",
        "The incidents they were involved in, with their role; newest first.",
    )


@strawberry.input(description="Conditions on people; all given conditions must hold.")
class PersonFilter:
    name: str | None = strawberry.field(
        default=None, description="Words that begin parts of the name: `ste mil`."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> PersonConditions:
        return PersonConditions(
            name=search_words(self.name, "name"), updated_since=self.updated_since
        )


@strawberry.type
class PersonQueries:
    @strawberry.field(description="People who are not members of Congress, filtered and sorted.")
    def people(
        self,
        info: Info,
        filter: Annotated[
            PersonFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            PersonOrder, strawberry.argument(description="The sort order.")
        ] = PersonOrder.NAME,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Person]:
        conditions = (filter or PersonFilter()).conditions()
        loaders = info.context.loaders.people
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Person.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description="One person by slug; null, with a NOT_FOUND error, if there is none."
    )
    async def person(
        self,
        info: Info,
        slug: Annotated[str, strawberry.argument(description="A slug such as `stephen-miller`.")],
    ) -> Person | None:
        row = await info.context.loaders.people.by_slug.load(slug)
        if row is None:
            raise NotFound(f"no person with slug {slug!r}")
        return Person.from_row(row)


@strawberry.input(description="A new person.")
class PersonInput:
    slug: str = strawberry.field(
        description="Natural key: lower-case words joined by dashes, e.g. `stephen-miller` "
        "(at most 100 characters)."
    )
    name: str = strawberry.field(description="The person's name (at most 300 characters).")
    description: str | None = strawberry.field(
        default=None, description="Who they are, briefly (at most 20,000 characters)."
    )

    def values(self) -> dict[str, Any]:
        """The columns of the new person, checked."""
        return {
            "slug": editing.slug(self.slug),
            "name": editing.required_text(self.name, "name", "name"),
            "description": editing.text(self.description, "description", "description"),
        }


@strawberry.input(description="Changes to a person; omitted fields stay as they are.")
class UpdatePersonInput:
    id: strawberry.ID = strawberry.field(description="The person's global id.")
    expected_version: int = strawberry.field(
        description="The `version` the person had when read; CONFLICT if it has changed since."
    )
    slug: str | None = strawberry.field(default=strawberry.UNSET, description="A new slug.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="A new name.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new description; null removes it."
    )

    def values(self) -> dict[str, Any]:
        """The columns to change, checked."""
        values: dict[str, Any] = {}
        if editing.given(self.slug):
            values["slug"] = editing.slug(self.slug)
        if editing.given(self.name):
            values["name"] = editing.required_text(self.name, "name", "name")
        if editing.given(self.description):
            values["description"] = editing.text(self.description, "description", "description")
        return values


@strawberry.type(description="The person a mutation wrote.")
class PersonPayload:
    person: Person = strawberry.field(description="The person as written.")


async def _no_live_statements(tx: Any, row: Any) -> None:
    said = await person_sql.live_statement_count(tx, row["id"])
    if said:
        raise editing.invalid(
            "id", f"this person is the speaker of {said} statement(s); delete those first"
        )


@strawberry.type
class PersonMutations:
    @strawberry.mutation(description="Add a person. Needs an editor key.")
    async def create_person(
        self,
        info: Info,
        input: Annotated[PersonInput, strawberry.argument(description="The new person.")],
    ) -> PersonPayload:
        async with editing.editing(info) as edit:
            row = await editing.create(edit, person_sql.TABLE, input.values())
        return PersonPayload(person=Person.from_row(row))

    @strawberry.mutation(description="Change a person. Needs an editor key.")
    async def update_person(
        self,
        info: Info,
        input: Annotated[UpdatePersonInput, strawberry.argument(description="The changes.")],
    ) -> PersonPayload:
        row = await editing.update_record(
            info, person_sql.TABLE, input.id, input.expected_version, input.values
        )
        return PersonPayload(person=Person.from_row(row))

    @strawberry.mutation(
        description="Delete a person (they can be restored). Refused while they are the "
        "speaker of a statement. Needs an editor key."
    )
    async def delete_person(
        self,
        info: Info,
        input: Annotated[DeleteInput, strawberry.argument(description="What to delete, and why.")],
    ) -> PersonPayload:
        row = await editing.delete_record(info, person_sql.TABLE, input, _no_live_statements)
        return PersonPayload(person=Person.from_row(row))

    @strawberry.mutation(description="Bring back a deleted person. Needs an admin key.")
    async def restore_person(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The person's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why they are restored.")],
    ) -> PersonPayload:
        row = await editing.restore_record(info, person_sql.TABLE, id, reason)
        return PersonPayload(person=Person.from_row(row))
