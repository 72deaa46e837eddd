"""Committees and subcommittees of Congress, and who sits on them."""

from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.committees import CommitteeFilter as CommitteeConditions
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.errors import NotFound
from schema.legislators import Legislator
from schema.provenance import PROVENANCE_DESCRIPTION, Provenance, provenance_of
from schema.relations import nested
from schema.relay import Connection, Node, connection, to_global_id, window
from schema.validation import search_words

if TYPE_CHECKING:
    pass


@strawberry.enum(description="Which chamber a committee belongs to.")
class CommitteeChamber(Enum):
    HOUSE = strawberry.enum_value("house", description="A House committee.")
    SENATE = strawberry.enum_value("senate", description="A Senate committee.")
    JOINT = strawberry.enum_value("joint", description="A joint committee of both chambers.")


@strawberry.enum(description="Sort orders for committees.")
class CommitteeOrder(Enum):
    NAME = strawberry.enum_value("name", description="By name.")
    THOMAS_ID = strawberry.enum_value("thomas_id", description="By thomas code.")
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.enum(description="The side of the aisle a committee seat belongs to.")
class CommitteeSide(Enum):
    MAJORITY = strawberry.enum_value("majority", description="The majority party's side.")
    MINORITY = strawberry.enum_value("minority", description="The minority party's side.")


@strawberry.type(description="A committee or subcommittee of Congress.")
class Committee(Node):
    pk: strawberry.Private[int]
    parent_pk: strawberry.Private[int | None]
    thomas_id: str = strawberry.field(
        description="Thomas code: `HSJU` for a committee, `HSJU08` for a subcommittee."
    )
    chamber: CommitteeChamber = strawberry.field(description="The chamber it belongs to.")
    name: str = strawberry.field(description="The committee's name.")
    url: str | None = strawberry.field(description="The committee's website.")
    jurisdiction: str | None = strawberry.field(description="What the committee oversees.")
    address: str | None = strawberry.field(description="Office address.")
    phone: str | None = strawberry.field(description="Office phone number.")
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")
    provenance: Provenance | None = strawberry.field(description=PROVENANCE_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> "Committee":
        return cls(
            pk=row["id"],
            parent_pk=row["parent_id"],
            id=to_global_id("Committee", row["id"]),
            thomas_id=row["thomas_id"],
            chamber=CommitteeChamber(row["chamber"]),
            name=row["name"],
            url=row["url"],
            jurisdiction=row["jurisdiction"],
            address=row["address"],
            phone=row["phone"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Committee | None":
        loader = info.context.loaders.committees.by_id
        found: Committee | None = await info.context.build_once(
            "Committee", pk, loader.load, cls.from_row
        )
        return found

    @strawberry.field(description="The parent committee, for a subcommittee; otherwise null.")
    async def parent(self, info: Info) -> "Committee | None":
        return await Committee.load(info, self.parent_pk) if self.parent_pk else None

    subcommittees = nested(
        "Committee", "subcommittees", "schema.committees:Committee", "Its subcommittees, by name."
    )
    members = nested(
        "Committee",
        "members",
        "schema.committees:CommitteeMembership",
        "Its members, majority first, by rank.",
    )
    bills = nested(
        "Committee", "bills", "schema.bills:Bill", "Bills referred to it, newest introduced first."
    )


@strawberry.type(description="A legislator's seat on a committee.")
class CommitteeMembership:
    committee_pk: strawberry.Private[int]
    legislator_pk: strawberry.Private[int]
    rank: int | None = strawberry.field(description="Seniority on its side (1 = most senior).")
    side: CommitteeSide | None = strawberry.field(description="Majority or minority side.")
    title: str | None = strawberry.field(description="A title such as Chairman or Ranking Member.")

    @classmethod
    def from_row(cls, row: Any) -> "CommitteeMembership":
        return cls(
            committee_pk=row["committee_id"],
            legislator_pk=row["legislator_id"],
            rank=row["rank"],
            side=CommitteeSide(row["side"]) if row["side"] else None,
            title=row["title"],
        )

    @strawberry.field(description="The committee.")
    async def committee(self, info: Info) -> Committee:
        committee = await Committee.load(info, self.committee_pk)
        assert committee is not None  # the foreign key guarantees it
        return committee

    @strawberry.field(description="The member.")
    async def legislator(self, info: Info) -> Legislator:
        legislator = await Legislator.load(info, self.legislator_pk)
        assert legislator is not None  # the foreign key guarantees it
        return legislator


@strawberry.input(description="Conditions on committees; all given conditions must hold.")
class CommitteeFilter:
    chamber: CommitteeChamber | None = strawberry.field(
        default=None, description="Only this chamber's committees."
    )
    subcommittees: bool | None = strawberry.field(
        default=None, description="true: only subcommittees; false: only full committees."
    )
    name: str | None = strawberry.field(default=None, description="Words that begin the name.")
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> CommitteeConditions:
        return CommitteeConditions(
            chamber=str(self.chamber.value) if self.chamber else None,
            subcommittees=self.subcommittees,
            name=search_words(self.name, "name"),
            updated_since=self.updated_since,
        )


@strawberry.type
class CommitteeQueries:
    @strawberry.field(description="Committees and subcommittees, filtered and sorted.")
    def committees(
        self,
        info: Info,
        filter: Annotated[
            CommitteeFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            CommitteeOrder, strawberry.argument(description="The sort order.")
        ] = CommitteeOrder.NAME,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Committee]:
        conditions = (filter or CommitteeFilter()).conditions()
        loaders = info.context.loaders.committees
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Committee.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description="One committee by thomas code; null, with a NOT_FOUND error, if none."
    )
    async def committee(
        self,
        info: Info,
        thomas_id: Annotated[
            str, strawberry.argument(description="A thomas code such as `HSJU` or `HSJU08`.")
        ],
    ) -> Committee | None:
        row = await info.context.loaders.committees.by_thomas_id.load(thomas_id)
        if row is None:
            raise NotFound(f"no committee with thomas id {thomas_id!r}")
        return Committee.from_row(row)
