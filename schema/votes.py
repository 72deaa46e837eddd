"""Roll-call votes in the House and the Senate, and how each member voted."""

import re
from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.votes import PositionFilter as PositionConditions
from db.votes import VoteFilter as VoteConditions
from schema.arguments import After, Before, First, Last
from schema.bills import Bill, parse_bill_id
from schema.context import Info
from schema.dates import DateRange
from schema.enums import Chamber
from schema.errors import BadUserInput, NotFound
from schema.legislators import Legislator
from schema.provenance import PROVENANCE_DESCRIPTION, Provenance, provenance_of
from schema.relations import nested, related_connection, relation
from schema.relay import (
    Connection,
    Node,
    connection,
    to_global_id,
    window,
)
from schema.validation import state_code

if TYPE_CHECKING:
    pass

_VOTE_ID = re.compile(r"^[hs]\d+-\d+\.\d{4}$")


def parse_vote_id(value: str, argument: str = "voteId") -> str:
    """A vote's natural key such as `h60-117.2021`, lower-cased, or BAD_USER_INPUT."""
    key = value.strip().lower()
    if not _VOTE_ID.match(key):
        raise BadUserInput(
            f"`{argument}` must look like `h60-117.2021` (chamber, roll number, dash, congress,"
            f" dot, session year), got {value!r}",
            argument=argument,
        )
    return key


@strawberry.enum(description="How a member voted.")
class VotePositionValue(Enum):
    YEA = strawberry.enum_value("yea", description="Yea, or Aye.")
    NAY = strawberry.enum_value("nay", description="Nay, or No.")
    PRESENT = strawberry.enum_value("present", description="Present, without voting.")
    NOT_VOTING = strawberry.enum_value("not_voting", description="Did not vote.")
    CANDIDATE = strawberry.enum_value(
        "candidate",
        description="Voted for a candidate in an election (Speaker); `candidate` names them.",
    )
    OTHER = strawberry.enum_value(
        "other",
        description="An option of no known kind; `option` holds it as published.",
    )


@strawberry.enum(description="What a vote was on (see docs/votes.md).")
class VoteTarget(Enum):
    BILL = strawberry.enum_value("bill", description="A bill or resolution (`bill`).")
    AMENDMENT = strawberry.enum_value(
        "amendment", description="An amendment (`amendment`), not its bill's passage."
    )
    NOMINATION = strawberry.enum_value("nomination", description="A nomination (`nomination`).")
    TREATY = strawberry.enum_value("treaty", description="A treaty (`treaty`).")
    ELECTION = strawberry.enum_value(
        "election", description="An election, such as of the Speaker; options are candidates."
    )
    OTHER = strawberry.enum_value(
        "other", description="Anything else: a quorum call, a motion to adjourn..."
    )


@strawberry.enum(description="Sort orders for votes.")
class VoteOrder(Enum):
    DATE_DESC = strawberry.enum_value("date_desc", description="Newest vote first.")
    DATE_ASC = strawberry.enum_value("date_asc", description="Oldest vote first.")
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.type(description="The treaty a vote was on, as the vote record gives it.")
class Treaty:
    title: str | None = strawberry.field(description="The treaty's title, when given.")
    congress: int | None = strawberry.field(
        description="For an amendment to a treaty: the congress unitedstates/congress gives,"
        " which is the vote's congress, not necessarily the treaty document's (S.Amdt. 924 of"
        " s207-116.2019 amends Treaty Doc. 113-4 and gives 116)."
    )
    number: str | None = strawberry.field(
        description="For an amendment to a treaty: the treaty document's number, e.g. `4`."
    )


@strawberry.type(description="The amendment a vote was on.")
class Amendment:
    bill_pk: strawberry.Private[int | None]
    number: int = strawberry.field(
        description="Its number: the Senate amendment number (S.Amdt. 14), or in the House"
        " the amendment's serial number within its bill."
    )
    type: str = strawberry.field(
        description="Its kind as published: `s` (a Senate amendment) or `h-bill` (a House"
        " amendment numbered within its bill)."
    )
    purpose: str | None = strawberry.field(description="Its purpose (Senate amendments).")
    author: str | None = strawberry.field(
        description="Its author as the House Clerk gives it, e.g. `Crane of Arizona Amendment"
        " No. 2` (House amendments)."
    )
    bill_id: str | None = strawberry.field(
        description="The natural key of the bill it amends, even when the bill is not stored."
    )
    treaty: Treaty | None = strawberry.field(description="The treaty it amends, or null.")

    @strawberry.field(description="The bill it amends, or null when none is stored.")
    async def bill(self, info: Info) -> Bill | None:
        return await Bill.load(info, self.bill_pk) if self.bill_pk else None


@strawberry.type(description="How many members chose one published option.")
class OptionTotal:
    option: str = strawberry.field(description="The option as published, e.g. `Aye`, `Jeffries`.")
    position: VotePositionValue = strawberry.field(description="Its normalised position.")
    count: int = strawberry.field(description="Members who chose it.")


@strawberry.type(description="The nomination a vote was on.")
class Nomination:
    number: str = strawberry.field(description="The nomination's number, e.g. `11-11` (PN11-11).")
    title: str | None = strawberry.field(description="Who was nominated, to what.")


@strawberry.type(description="How many members took each position.")
class PartyTotals:
    party: str | None = strawberry.field(description="The party as the vote record gives it.")
    yea: int = strawberry.field(description="Members voting yea.")
    nay: int = strawberry.field(description="Members voting nay.")
    present: int = strawberry.field(description="Members voting present.")
    not_voting: int = strawberry.field(description="Members not voting.")

    @classmethod
    def from_row(cls, row: Any) -> "PartyTotals":
        return cls(
            party=row["party"],
            yea=row["yea"],
            nay=row["nay"],
            present=row["present"],
            not_voting=row["not_voting"],
        )


@strawberry.type(description="The tally of a vote, overall and by party.")
class VoteTotals:
    yea: int = strawberry.field(description="Members voting yea.")
    nay: int = strawberry.field(description="Members voting nay.")
    present: int = strawberry.field(description="Members voting present.")
    not_voting: int = strawberry.field(description="Members not voting.")
    by_party: list[PartyTotals] = strawberry.field(description="The same counts for each party.")

    @classmethod
    def from_rows(cls, rows: list[Any]) -> "VoteTotals":
        overall = [row for row in rows if row["overall"]]
        if not overall:
            return cls(yea=0, nay=0, present=0, not_voting=0, by_party=[])
        row = overall[0]
        return cls(
            yea=row["yea"],
            nay=row["nay"],
            present=row["present"],
            not_voting=row["not_voting"],
            by_party=[PartyTotals.from_row(r) for r in rows if not r["overall"]],
        )


@strawberry.input(description="Conditions on the positions in a vote; all given must hold.")
class VotePositionFilter:
    position: VotePositionValue | None = strawberry.field(
        default=None, description="Only members who voted this way."
    )
    option: str | None = strawberry.field(
        default=None,
        description="Only members who chose this option, exactly as published (`Aye`,"
        " `Johnson (LA)`).",
    )
    party: str | None = strawberry.field(
        default=None, description="Only this party, as the vote record gives it (`D`, `R`, `I`)."
    )
    state: str | None = strawberry.field(
        default=None,
        description="Only this state's members (two-letter code), as `VotePosition.state`.",
    )

    def conditions(self) -> PositionConditions:
        return PositionConditions(
            position=str(self.position.value) if self.position else None,
            option=self.option,
            party=self.party,
            state=state_code(self.state),
        )


def _treaty(row: Any) -> Treaty | None:
    if row["treaty_title"] is None and row["treaty_number"] is None:
        return None
    return Treaty(
        title=row["treaty_title"], congress=row["treaty_congress"], number=row["treaty_number"]
    )


def _amendment(row: Any) -> Amendment | None:
    if row["amendment_number"] is None:
        return None
    return Amendment(
        bill_pk=row["bill_id"],
        number=row["amendment_number"],
        type=row["amendment_type"],
        purpose=row["amendment_purpose"],
        author=row["amendment_author"],
        bill_id=row["bill_key"],
        treaty=_treaty(row),
    )


@strawberry.type(description="A roll-call vote in the House or the Senate.")
class Vote(Node):
    pk: strawberry.Private[int]
    bill_pk: strawberry.Private[int | None]
    vote_id: str = strawberry.field(
        description="Natural key: chamber, roll number, congress, session (`h60-117.2021`)."
    )
    chamber: Chamber = strawberry.field(description="The chamber that voted.")
    congress: int = strawberry.field(description="The Congress, e.g. 117.")
    session: str = strawberry.field(description="The session, as the year, e.g. `2021`.")
    number: int = strawberry.field(description="The roll-call number within the session.")
    voted_at: datetime = strawberry.field(description="When the vote was taken.")
    question: str | None = strawberry.field(description="The question voted on.")
    type: str | None = strawberry.field(description="The kind of vote, e.g. `On Passage`.")
    category: str | None = strawberry.field(
        description="The source's category, e.g. `passage` or `nomination`."
    )
    result: str | None = strawberry.field(
        description="The result as published, e.g. `Passed`, or the elected candidate's name"
        " (`Johnson (LA)`)."
    )
    result_text: str | None = strawberry.field(
        description="The result's full published text, e.g. `Bill Passed (50-50, Vice"
        " President of the United States, voted Yea)`."
    )
    subject: str | None = strawberry.field(
        description="The record's own title for what was voted on, e.g. `Cornyn Amdt. No. 14`."
    )
    target: VoteTarget = strawberry.field(
        description="What the vote was on: an amendment vote is on the amendment, not on"
        " its bill's passage."
    )
    amendment: Amendment | None = strawberry.field(description="The amendment voted on, or null.")
    treaty: Treaty | None = strawberry.field(description="The treaty voted on, or null.")
    requires: str | None = strawberry.field(description="The majority required, e.g. `1/2`.")
    source_url: str | None = strawberry.field(description="The official record of the vote.")
    nomination: Nomination | None = strawberry.field(
        description="The nomination voted on, or null."
    )
    bill_id: str | None = strawberry.field(
        description="The natural key of the bill voted on, even when the bill is not stored."
    )
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")
    provenance: Provenance | None = strawberry.field(description=PROVENANCE_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> "Vote":
        return cls(
            pk=row["id"],
            bill_pk=row["bill_id"],
            id=to_global_id("Vote", row["id"]),
            vote_id=row["vote_id"],
            chamber=Chamber(row["chamber"]),
            congress=row["congress"],
            session=row["session"],
            number=row["number"],
            voted_at=row["voted_at"],
            question=row["question"],
            type=row["vote_type"],
            category=row["category"],
            result=row["result"],
            requires=row["requires"],
            source_url=row["source_url"],
            result_text=row["result_text"],
            subject=row["subject"],
            target=VoteTarget(row["target"]),
            amendment=_amendment(row),
            treaty=_treaty(row),
            nomination=Nomination(number=row["nomination_number"], title=row["nomination_title"])
            if row["nomination_number"]
            else None,
            bill_id=row["bill_key"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row, row["source_url"]),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Vote | None":
        row = await info.context.loaders.votes.by_id.load(pk)
        return cls.from_row(row) if row else None

    @strawberry.field(description="The bill voted on, or null.")
    async def bill(self, info: Info) -> Bill | None:
        return await Bill.load(info, self.bill_pk) if self.bill_pk else None

    @strawberry.field(description="The tally, overall and by party, counted from the positions.")
    async def totals(self, info: Info) -> VoteTotals:
        rows = await info.context.loaders.votes.totals.load(self.pk)
        return VoteTotals.from_rows(rows or [])

    @strawberry.field(
        description="One row per published option that some member chose, most chosen first"
        " (then by label): `Yea`/`Aye` stay apart, and each candidate has a row."
    )
    async def option_totals(self, info: Info) -> list[OptionTotal]:
        rows = await info.context.loaders.votes.option_totals.load(self.pk)
        return [
            OptionTotal(
                option=r["option"], position=VotePositionValue(r["position"]), count=r["count"]
            )
            for r in rows or []
        ]

    @strawberry.field(description="How each member voted, by member id.")
    def positions(
        self,
        info: Info,
        filter: Annotated[
            VotePositionFilter | None,
            strawberry.argument(description="Only positions matching all of these."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection["VotePosition"]:
        return related_connection(
            info,
            relation("Vote", "positions"),
            self.pk,
            window(first, after, last, before),
            filter.conditions() if filter is not None else None,
            VotePosition.from_row,
        )

    statements = nested(
        "Vote",
        "statements",
        "schema.statements:Statement",
        "Public statements about it, newest first.",
    )
    topics = nested(
        "Vote", "topics", "schema.topics:Topic", "The topics it is filed under, by name."
    )


@strawberry.type(description="How one member voted in one roll call.")
class VotePosition:
    vote_pk: strawberry.Private[int]
    legislator_pk: strawberry.Private[int | None]
    position: VotePositionValue = strawberry.field(
        description="How they voted, normalised: Yea, Aye, Yes and Guilty are YEA; Nay, No and"
        " Not Guilty are NAY; a name in an election is CANDIDATE."
    )
    option: str = strawberry.field(
        description="The option as the vote record published it: `Yea`, `Aye`, `Guilty`,"
        " `Johnson (LA)`. Where the source publishes a code rather than a label (Voteview),"
        " the standard label of `position` (`Yea`, `Nay`, `Present`, `Not Voting`)."
    )
    candidate: str | None = strawberry.field(
        description="In an election, the candidate they voted for, as published; else null."
    )
    party: str | None = strawberry.field(description="Their party as the vote record gives it.")
    state: str | None = strawberry.field(
        description="Their state as the vote record gives it. Where the record gives none"
        " (the placeholder `XX` for delegates in Committee of the Whole votes), the state of"
        " their term that covers the vote's date; null if no such term is stored."
    )
    member_id: str = strawberry.field(
        description="Their id in the vote record: bioguide id (House) or LIS id (Senate)."
    )

    @classmethod
    def from_row(cls, row: Any) -> "VotePosition":
        return cls(
            vote_pk=row["vote_id"],
            legislator_pk=row["legislator_id"],
            position=VotePositionValue(row["position"]),
            option=row["option"],
            candidate=row["option"] if row["position"] == "candidate" else None,
            party=row["party"],
            state=row["state"],
            member_id=row["member_id"],
        )

    @strawberry.field(description="The member, or null when not in the database.")
    async def legislator(self, info: Info) -> Legislator | None:
        return await Legislator.load(info, self.legislator_pk) if self.legislator_pk else None

    @strawberry.field(description="The vote.")
    async def vote(self, info: Info) -> Vote:
        vote = await Vote.load(info, self.vote_pk)
        assert vote is not None  # a foreign key guarantees it
        return vote


@strawberry.input(description="Conditions on votes; all given conditions must hold.")
class VoteFilter:
    chamber: Chamber | None = strawberry.field(default=None, description="Only this chamber.")
    congress: int | None = strawberry.field(default=None, description="Only this Congress.")
    date: DateRange | None = strawberry.field(
        default=None, description="Taken within this range of dates (Washington time)."
    )
    bill: str | None = strawberry.field(
        default=None, description="Only votes on this bill (`hr1280-117`)."
    )
    result: str | None = strawberry.field(
        default=None, description="Only this result, e.g. `Passed` (any letter case)."
    )
    target: VoteTarget | None = strawberry.field(
        default=None, description="Only votes on this kind of thing (e.g. AMENDMENT)."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> VoteConditions:
        dates = self.date.checked() if self.date else DateRange()
        return VoteConditions(
            chamber=str(self.chamber.value) if self.chamber else None,
            congress=self.congress,
            date_from=dates.start,
            date_to=dates.end,
            bill=parse_bill_id(self.bill, "bill") if self.bill is not None else None,
            result=self.result,
            target=str(self.target.value) if self.target else None,
            updated_since=self.updated_since,
        )


@strawberry.type
class VoteQueries:
    @strawberry.field(description="Roll-call votes, filtered and sorted.")
    def votes(
        self,
        info: Info,
        filter: Annotated[
            VoteFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            VoteOrder, strawberry.argument(description="The sort order.")
        ] = VoteOrder.DATE_DESC,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Vote]:
        conditions = (filter or VoteFilter()).conditions()
        loaders = info.context.loaders.votes
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Vote.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description="One vote by natural key; null, with a NOT_FOUND error, if there is none."
    )
    async def vote(
        self,
        info: Info,
        vote_id: Annotated[
            str, strawberry.argument(description="A vote id such as `h60-117.2021`.")
        ],
    ) -> Vote | None:
        key = parse_vote_id(vote_id)
        row = await info.context.loaders.votes.by_vote_id.load(key)
        if row is None:
            raise NotFound(f"no vote with id {key!r}")
        return Vote.from_row(row)
