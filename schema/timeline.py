"""A topic's timeline: its bills' actions, roll-call votes, statements and incidents in one
precision-aware order (`Topic.timeline`, docs/record-and-timeline.md)."""

from collections.abc import Sequence
from enum import Enum
from typing import Any

import strawberry

from db.pagination import Window
from schema.bills import Bill, BillAction
from schema.context import Info
from schema.dates import FuzzyDate, fuzzy_date
from schema.errors import BadUserInput
from schema.incidents import Incident
from schema.relations import related_connection, relation
from schema.relay import Connection
from schema.statements import Statement
from schema.votes import Vote


@strawberry.enum(description="The kinds of item on a topic's timeline.")
class TimelineKind(Enum):
    BILL_ACTION = strawberry.enum_value(
        "bill_action", description="An action on one of the topic's bills."
    )
    VOTE = strawberry.enum_value(
        "vote", description="A roll-call vote filed under the topic, or on one of its bills."
    )
    STATEMENT = strawberry.enum_value("statement", description="A statement filed under it.")
    INCIDENT = strawberry.enum_value("incident", description="An incident filed under it.")


@strawberry.type(
    description="One item of a topic's timeline; `kind` says which of `action`, `vote`, "
    "`statement` and `incident` is set."
)
class TimelineItem:
    pk: strawberry.Private[int]
    bill_pk: strawberry.Private[int | None]
    kind: TimelineKind = strawberry.field(description="What kind of item it is.")
    date: FuzzyDate = strawberry.field(
        description="When it happened, as precisely as known: `2026-01` for a statement the "
        "sources date only to January 2026. A vote's day is Washington's."
    )

    @classmethod
    def from_row(cls, row: Any) -> "TimelineItem":
        return cls(
            pk=row["id"],
            bill_pk=row["bill_id"],
            kind=TimelineKind(row["kind"]),
            date=fuzzy_date(row["on_date"], row["precision"]),
        )

    @strawberry.field(description="BILL_ACTION: the action.")
    async def action(self, info: Info) -> BillAction | None:
        if self.kind is not TimelineKind.BILL_ACTION:
            return None
        row = await info.context.loaders.timeline.actions.load(self.pk)
        return BillAction.from_row(row) if row else None

    @strawberry.field(
        description="BILL_ACTION: the bill acted on; VOTE: the bill voted on, when stored."
    )
    async def bill(self, info: Info) -> Bill | None:
        return await Bill.load(info, self.bill_pk) if self.bill_pk else None

    @strawberry.field(description="VOTE: the roll-call vote.")
    async def vote(self, info: Info) -> Vote | None:
        return await Vote.load(info, self.pk) if self.kind is TimelineKind.VOTE else None

    @strawberry.field(description="STATEMENT: the statement, with its sources.")
    async def statement(self, info: Info) -> Statement | None:
        if self.kind is not TimelineKind.STATEMENT:
            return None
        return await Statement.load(info, self.pk)

    @strawberry.field(description="INCIDENT: the incident, with its sources.")
    async def incident(self, info: Info) -> Incident | None:
        if self.kind is not TimelineKind.INCIDENT:
            return None
        return await Incident.load(info, self.pk)


def timeline_of(
    info: Info, topic_pk: int, kinds: Sequence[TimelineKind] | None, page_window: Window
) -> Connection[TimelineItem]:
    """The timeline of topic row `topic_pk`, of `kinds` (None: every kind), one page of it.

    BAD_USER_INPUT for an empty `kinds`; a cursor of another list is BAD_USER_INPUT too
    (db.pagination.CursorError, when the page is read).
    """
    return related_connection(
        info,
        relation("Topic", "timeline"),
        topic_pk,
        page_window,
        kinds_narrowing(kinds),
        TimelineItem.from_row,
    )


def kinds_narrowing(kinds: Sequence[TimelineKind] | None) -> tuple[str, ...] | None:
    """The narrowing of `Topic.timeline` for its `kinds` argument: the stored kinds, sorted
    (None: every kind). BAD_USER_INPUT for an empty `kinds`."""
    if kinds is None:
        return None
    if not kinds:
        raise BadUserInput("`kinds` must name at least one kind", argument="kinds")
    return tuple(sorted({str(TimelineKind(kind).value) for kind in kinds}))
