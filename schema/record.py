"""Said versus did: a member's record on a topic (`Legislator.record`), and the stance tags
editors put on a statement's links to bills and votes (docs/record-and-timeline.md).

Consistency is shown, never judged: a vote position carries the stances the member's own
statements on the topic were tagged with, beside the position itself. No stance is inferred.
"""

from enum import Enum
from typing import Any

import strawberry

from db.pagination import Window
from schema.arguments import After, Before, First, Last
from schema.bills import Bill, Cosponsorship
from schema.context import Info
from schema.dates import FuzzyDate, fuzzy_date
from schema.provenance import Provenance
from schema.relations import related_connection, relation
from schema.relay import Connection, window
from schema.sources import Source
from schema.statements import Statement
from schema.topics import parse_slug
from schema.votes import Vote, VotePosition


@strawberry.enum(description="The stance an editor tagged a statement as taking.")
class Stance(Enum):
    SUPPORTS = strawberry.enum_value("supports", description="The statement supports it.")
    OPPOSES = strawberry.enum_value("opposes", description="The statement opposes it.")


@strawberry.type(
    description="An editor's tag on a statement's link to a bill or a roll-call vote: the "
    "stance the statement takes on it, as its curated record says. Never inferred; an "
    "untagged link has no tag."
)
class StanceTag:
    statement_pk: strawberry.Private[int]
    bill_pk: strawberry.Private[int | None]
    vote_pk: strawberry.Private[int | None]
    stance: Stance = strawberry.field(description="Supports or opposes.")

    @classmethod
    def from_row(cls, row: Any) -> "StanceTag":
        return cls(
            statement_pk=row["statement_id"],
            bill_pk=row["bill_id"],
            vote_pk=row["vote_id"],
            stance=Stance(row["stance"]),
        )

    @strawberry.field(description="The statement that takes the stance.")
    async def statement(self, info: Info) -> Statement | None:
        return await Statement.load(info, self.statement_pk)

    @strawberry.field(description="The bill it takes a stance on, when the tag is on a bill.")
    async def bill(self, info: Info) -> Bill | None:
        return await Bill.load(info, self.bill_pk) if self.bill_pk else None

    @strawberry.field(description="The vote it takes a stance on, when the tag is on a vote.")
    async def vote(self, info: Info) -> Vote | None:
        return await Vote.load(info, self.vote_pk) if self.vote_pk else None


async def statement_stances(info: Info, statement_pk: int) -> list[StanceTag]:
    """The stance tags on statement row `statement_pk`'s links: bills first, then votes."""
    rows = await info.context.loaders.record.statement_stances.load(statement_pk)
    return [StanceTag.from_row(row) for row in rows or []]


@strawberry.enum(description="The kinds of item in a member's record on a topic.")
class RecordKind(Enum):
    SPONSORSHIP = strawberry.enum_value(
        "sponsorship", description="They sponsored one of the topic's bills."
    )
    COSPONSORSHIP = strawberry.enum_value(
        "cosponsorship",
        description="They cosponsored one of its bills (perhaps withdrawn: see "
        "`cosponsorship.withdrawnOn`).",
    )
    VOTE_POSITION = strawberry.enum_value(
        "vote_position",
        description="How they voted on one of its roll-call votes or on a vote on its bills.",
    )
    STATEMENT = strawberry.enum_value(
        "statement", description="Something they said, filed under the topic."
    )


@strawberry.type(
    description="One thing a member said or did on a topic; `kind` says which fields are set."
)
class RecordItem:
    pk: strawberry.Private[int]
    legislator_pk: strawberry.Private[int]
    topic_pk: strawberry.Private[int]
    bill_pk: strawberry.Private[int | None]
    vote_pk: strawberry.Private[int | None]
    kind: RecordKind = strawberry.field(description="What kind of item it is.")
    date: FuzzyDate = strawberry.field(
        description="When, as precisely as known: a statement's date, a bill's introduction "
        "(SPONSORSHIP), the day they signed on (COSPONSORSHIP), the vote's day in Washington "
        "(VOTE_POSITION)."
    )

    @classmethod
    def from_row(cls, row: Any) -> "RecordItem":
        return cls(
            pk=row["id"],
            legislator_pk=row["legislator_id"],
            topic_pk=row["topic_id"],
            bill_pk=row["bill_id"],
            vote_pk=row["vote_id"],
            kind=RecordKind(row["kind"]),
            date=fuzzy_date(row["on_date"], row["precision"]),
        )

    @strawberry.field(description="STATEMENT: what they said.")
    async def statement(self, info: Info) -> Statement | None:
        if self.kind is not RecordKind.STATEMENT:
            return None
        return await Statement.load(info, self.pk)

    @strawberry.field(
        description="STATEMENT: the sources that record it, most recently published first; "
        "null for other kinds (see `provenance`)."
    )
    def sources(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Source] | None:
        if self.kind is not RecordKind.STATEMENT:
            return None
        return related_connection(
            info,
            relation("Statement", "sources"),
            self.pk,
            window(first, after, last, before),
            None,
            Source.from_row,
        )

    @strawberry.field(
        description="Where the item's record was imported from: the statement's curated file, "
        "the bill's file (SPONSORSHIP, COSPONSORSHIP) or the roll call's file and official "
        "URL (VOTE_POSITION); null for a record an editor wrote."
    )
    async def provenance(self, info: Info) -> Provenance | None:
        found: Statement | Bill | Vote | None
        if self.kind is RecordKind.STATEMENT:
            found = await Statement.load(info, self.pk)
        elif self.kind is RecordKind.VOTE_POSITION:
            found = await Vote.load(info, self.vote_pk) if self.vote_pk else None
        else:
            found = await Bill.load(info, self.bill_pk) if self.bill_pk else None
        return found.provenance if found else None

    @strawberry.field(
        description="SPONSORSHIP, COSPONSORSHIP: the bill; VOTE_POSITION: the bill voted on, "
        "when stored."
    )
    async def bill(self, info: Info) -> Bill | None:
        return await Bill.load(info, self.bill_pk) if self.bill_pk else None

    @strawberry.field(
        description="COSPONSORSHIP: when they signed on, whether as an original cosponsor, and "
        "`withdrawnOn`, the day they withdrew (null if they did not)."
    )
    async def cosponsorship(self, info: Info) -> Cosponsorship | None:
        if self.kind is not RecordKind.COSPONSORSHIP:
            return None
        row = await info.context.loaders.record.cosponsorships.load(self.pk)
        return Cosponsorship.from_row(row) if row else None

    @strawberry.field(description="VOTE_POSITION: the roll-call vote.")
    async def vote(self, info: Info) -> Vote | None:
        return await Vote.load(info, self.vote_pk) if self.vote_pk else None

    @strawberry.field(description="VOTE_POSITION: how they voted, as the roll call records it.")
    async def position(self, info: Info) -> VotePosition | None:
        if self.kind is not RecordKind.VOTE_POSITION:
            return None
        row = await info.context.loaders.record.positions.load(self.pk)
        return VotePosition.from_row(row) if row else None

    @strawberry.field(
        description="VOTE_POSITION: the stances their statements filed under this topic were "
        "tagged with, on this vote or on the bill it was on, oldest statement first, each with "
        "the statement; empty when none is tagged (nothing is inferred). Empty for other kinds."
    )
    async def stances(self, info: Info) -> list[StanceTag]:
        if self.kind is not RecordKind.VOTE_POSITION or self.vote_pk is None:
            return []
        key = (self.legislator_pk, self.topic_pk, self.vote_pk)
        rows = await info.context.loaders.record.vote_stances.load(key)
        return [StanceTag.from_row(row) for row in rows or []]


def record_of(
    info: Info, legislator_pk: int, topic: str, page_window: Window
) -> Connection[RecordItem]:
    """One page of legislator row `legislator_pk`'s record on the topic with slug `topic`
    (BAD_USER_INPUT if it is not a slug; an unknown topic gives an empty record)."""
    slug = parse_slug(topic, "topic")
    return related_connection(
        info,
        relation("Legislator", "record"),
        legislator_pk,
        page_window,
        slug,
        RecordItem.from_row,
    )
