"""Scorecards (docs/scorecards.md): which votes and bills count on a topic, and each member's
score with every part it is made of, so that each figure can be traced in the answer."""

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Annotated, Any

import strawberry

from db import scorecards as scorecard_sql
from db.pagination import Window
from schema.arguments import After, Before, First, Last
from schema.bills import Bill, parse_bioguide_id
from schema.context import Info
from schema.enums import Chamber
from schema.errors import BadUserInput, NotFound
from schema.legislators import Legislator
from schema.relations import related_connection, relation
from schema.relay import Connection, window
from schema.validation import state_code
from schema.votes import Vote, VotePositionValue


@strawberry.enum(description="How one item of a scorecard counted in a member's score.")
class ScoreOutcome(Enum):
    PRO = strawberry.enum_value("pro", description="Counted, as pro.")
    AGAINST = strawberry.enum_value("against", description="Counted, as against.")
    MISSED = strawberry.enum_value(
        "missed", description="In the roll call, but not Yea or Nay (Not Voting, Present)."
    )
    ABSENT = strawberry.enum_value(
        "absent",
        description="Not in the roll call: not a member of that chamber at the time.",
    )
    WITHDRAWN = strawberry.enum_value(
        "withdrawn", description="A cosponsorship that was withdrawn: shown, not counted."
    )


@strawberry.enum(description="How sponsoring or cosponsoring a scorecard's bill counts.")
class SponsorshipCounts(Enum):
    PRO = strawberry.enum_value("pro", description="As pro.")
    AGAINST = strawberry.enum_value("against", description="As against.")


@strawberry.enum(description="A member's part in a bill.")
class SponsorshipRole(Enum):
    SPONSOR = strawberry.enum_value("sponsor", description="Its sponsor.")
    COSPONSOR = strawberry.enum_value("cosponsor", description="A cosponsor.")


def _party(value: str | None) -> str | None:
    """A party as roll calls spell it (`D`, `R`, `I`), 1 to 40 characters, or BAD_USER_INPUT."""
    if value is None:
        return None
    party = value.strip()
    if not 0 < len(party) <= 40:
        raise BadUserInput(
            f"`party` must be 1 to 40 characters, such as `D`, got {value!r}", argument="party"
        )
    return party


def member_filter(
    chamber: Chamber | None, party: str | None, state: str | None
) -> scorecard_sql.MemberFilter | None:
    """The narrowing of `Scorecard.members` for its arguments (None: none given);
    BAD_USER_INPUT for a malformed party or state."""
    conditions = scorecard_sql.MemberFilter(
        chamber=str(Chamber(chamber).value) if chamber else None,
        party=_party(party),
        state=state_code(state),
    )
    return None if conditions == scorecard_sql.MemberFilter() else conditions


def _weight(value: Decimal) -> float:
    return float(value)


def _side(pro: bool) -> SponsorshipCounts:
    return SponsorshipCounts.PRO if pro else SponsorshipCounts.AGAINST


@strawberry.type(description="A roll-call vote a scorecard counts.")
class ScorecardVote:
    vote_pk: strawberry.Private[int]
    pro: VotePositionValue = strawberry.field(description="The position that counts as pro.")
    weight: float = strawberry.field(description="Its weight in the score.")
    reason: str | None = strawberry.field(description="Why it counts, as the curators say.")

    @strawberry.field(description="The vote.")
    async def vote(self, info: Info) -> Vote:
        found = await Vote.load(info, self.vote_pk)
        assert found is not None  # a foreign key guarantees it
        return found


@strawberry.type(description="A bill whose sponsorship and cosponsorship a scorecard counts.")
class ScorecardBill:
    bill_pk: strawberry.Private[int]
    sponsorship: SponsorshipCounts = strawberry.field(
        description="How sponsoring or cosponsoring it counts."
    )
    weight: float = strawberry.field(description="Its weight in the score.")
    reason: str | None = strawberry.field(description="Why it counts, as the curators say.")

    @strawberry.field(description="The bill.")
    async def bill(self, info: Info) -> Bill:
        found = await Bill.load(info, self.bill_pk)
        assert found is not None  # a foreign key guarantees it
        return found


@strawberry.type(description="One scorecard vote in a member's score.")
class ScoredVote:
    vote_pk: strawberry.Private[int]
    pro: VotePositionValue = strawberry.field(description="The position that counts as pro.")
    weight: float = strawberry.field(description="Its weight.")
    position: VotePositionValue | None = strawberry.field(
        description="The member's position as the roll call records it; null when absent."
    )
    party: str | None = strawberry.field(description="Their party as the roll call records it.")
    state: str | None = strawberry.field(description="Their state as the roll call records it.")
    outcome: ScoreOutcome = strawberry.field(
        description="PRO or AGAINST (counted), MISSED or ABSENT (not counted)."
    )

    @strawberry.field(description="The vote.")
    async def vote(self, info: Info) -> Vote:
        found = await Vote.load(info, self.vote_pk)
        assert found is not None  # a foreign key guarantees it
        return found


@strawberry.type(description="A member's sponsorship or cosponsorship of a scorecard bill.")
class ScoredSponsorship:
    bill_pk: strawberry.Private[int]
    role: SponsorshipRole = strawberry.field(description="Sponsor or cosponsor.")
    since: date | None = strawberry.field(
        description="When: the bill's introduction for its sponsor, the date of signing for a "
        "cosponsor."
    )
    withdrawn_on: date | None = strawberry.field(
        description="When the cosponsorship was withdrawn, if it was."
    )
    weight: float = strawberry.field(description="Its weight.")
    outcome: ScoreOutcome = strawberry.field(
        description="PRO or AGAINST (counted), or WITHDRAWN (not counted)."
    )

    @strawberry.field(description="The bill.")
    async def bill(self, info: Info) -> Bill:
        found = await Bill.load(info, self.bill_pk)
        assert found is not None  # a foreign key guarantees it
        return found


@strawberry.type(
    description="A member's score on a scorecard with its parts: "
    "score = 100 * proWeight / countedWeight."
)
class ScorecardMember:
    legislator_pk: strawberry.Private[int]
    scorecard_pk: strawberry.Private[int]
    score: float | None = strawberry.field(
        description="0 to 100, rounded to two decimals; null when nothing counted."
    )
    pro_weight: float = strawberry.field(description="Sum of the weights of the pro items.")
    counted_weight: float = strawberry.field(
        description="Sum of the weights of the counted items (pro or against)."
    )
    partial: bool = strawberry.field(
        description="Whether the member was absent from some of the scorecard's votes (not in "
        "the roll call: not in that chamber then, or a delegate without a floor vote there), so "
        "the score covers only part of it."
    )
    votes_total: int = strawberry.field(description="How many votes the scorecard counts.")
    votes_eligible: int = strawberry.field(
        description="Of those, how many roll calls list the member."
    )
    votes_counted: int = strawberry.field(description="How many of those were Yea or Nay.")
    votes_missed: int = strawberry.field(description="How many were neither (Not Voting, Present).")
    votes_absent: int = strawberry.field(
        description="How many roll calls do not list the member (votesTotal - votesEligible)."
    )
    sponsorships_counted: int = strawberry.field(
        description="How many sponsorships and cosponsorships of its bills counted."
    )

    @classmethod
    def from_row(cls, scorecard_pk: int, row: Any) -> "ScorecardMember":
        return cls(
            legislator_pk=row["legislator_id"],
            scorecard_pk=scorecard_pk,
            score=None if row["score"] is None else float(row["score"]),
            pro_weight=_weight(row["pro_weight"]),
            counted_weight=_weight(row["counted_weight"]),
            partial=row["votes_absent"] > 0,
            votes_total=row["votes_total"],
            votes_eligible=row["votes_eligible"],
            votes_counted=row["votes_counted"],
            votes_missed=row["votes_missed"],
            votes_absent=row["votes_absent"],
            sponsorships_counted=row["sponsorships_counted"],
        )

    @strawberry.field(description="The member.")
    async def legislator(self, info: Info) -> Legislator:
        found = await Legislator.load(info, self.legislator_pk)
        assert found is not None  # a foreign key guarantees it
        return found

    async def _parts(self, info: Info) -> list[Any]:
        loader = info.context.loaders.scorecards.parts
        rows: list[Any] = await loader.load((self.legislator_pk, self.scorecard_pk))
        return rows

    @strawberry.field(
        description="Every vote of the scorecard, oldest first, with the member's position "
        "and how it counted."
    )
    async def votes(self, info: Info) -> list[ScoredVote]:
        return [
            ScoredVote(
                vote_pk=row["target_id"],
                pro=VotePositionValue(row["pro"]),
                weight=_weight(row["weight"]),
                position=VotePositionValue(row["position"]) if row["position"] else None,
                party=row["party"],
                state=row["state"],
                outcome=ScoreOutcome(row["outcome"]),
            )
            for row in await self._parts(info)
            if row["kind"] == "vote"
        ]

    @strawberry.field(
        description="The member's sponsorships and cosponsorships of the scorecard's bills, "
        "by bill id, with how each counted."
    )
    async def sponsorships(self, info: Info) -> list[ScoredSponsorship]:
        return [
            ScoredSponsorship(
                bill_pk=row["target_id"],
                role=SponsorshipRole(row["kind"]),
                since=row["acted_on"],
                withdrawn_on=row["withdrawn_on"],
                weight=_weight(row["weight"]),
                outcome=ScoreOutcome(row["outcome"]),
            )
            for row in await self._parts(info)
            if row["kind"] != "vote"
        ]


@strawberry.type(
    description="A topic's scorecard: the votes and bills that count, the position that counts "
    "as pro on each and the weights, its method in plain words, and members ranked by score."
)
class Scorecard:
    pk: strawberry.Private[int]
    name: str = strawberry.field(description="Its name.")
    method: str = strawberry.field(
        description="In plain words: what counts and why, what is left out, and what the "
        "score does not measure."
    )
    formula: str = strawberry.field(description="The exact arithmetic of a score.")
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")

    @classmethod
    def from_row(cls, row: Any) -> "Scorecard":
        return cls(
            pk=row["id"],
            name=row["name"],
            method=row["method"],
            formula=scorecard_sql.FORMULA,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    async def _items(self, info: Info) -> list[Any]:
        rows: list[Any] = await info.context.loaders.scorecards.items.load(self.pk) or []
        return rows

    @strawberry.field(description="The votes it counts, oldest first.")
    async def votes(self, info: Info) -> list[ScorecardVote]:
        return [
            ScorecardVote(
                vote_pk=row["target_id"],
                pro=VotePositionValue(row["pro"]),
                weight=_weight(row["weight"]),
                reason=row["reason"],
            )
            for row in await self._items(info)
            if row["kind"] == "vote"
        ]

    @strawberry.field(description="The bills whose sponsorship it counts, by bill id.")
    async def bills(self, info: Info) -> list[ScorecardBill]:
        return [
            ScorecardBill(
                bill_pk=row["target_id"],
                sponsorship=_side(row["sponsorship_pro"]),
                weight=_weight(row["weight"]),
                reason=row["reason"],
            )
            for row in await self._items(info)
            if row["kind"] == "bill"
        ]

    @strawberry.field(
        description="Members with at least one vote or sponsorship on it, highest score first "
        "(no score last, ties by record). `chamber`, `party` and `state` match the member as a "
        'roll call of one of its votes records them (`party: "D"`, `state: "MA"`); with '
        "only `chamber`, sponsoring or cosponsoring one of its bills from that chamber matches "
        "too."
    )
    def members(
        self,
        info: Info,
        chamber: Annotated[
            Chamber | None, strawberry.argument(description="Only members in this chamber.")
        ] = None,
        party: Annotated[
            str | None,
            strawberry.argument(
                description="Only members of this party, as roll calls spell it (`D`, `R`,"
                " `I`; any letter case)."
            ),
        ] = None,
        state: Annotated[
            str | None, strawberry.argument(description="Only members for this state (`MA`).")
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ScorecardMember]:
        return related_connection(
            info,
            relation("Scorecard", "members"),
            self.pk,
            window(first, after, last, before),
            member_filter(chamber, party, state),
            partial(ScorecardMember.from_row, self.pk),
        )

    @strawberry.field(
        description="One member's score with its parts; null, with a NOT_FOUND error, when "
        "they have no vote or sponsorship on this scorecard."
    )
    async def member(
        self,
        info: Info,
        bioguide_id: Annotated[
            str, strawberry.argument(description="Their bioguide id, e.g. `P000617`.")
        ],
    ) -> ScorecardMember | None:
        key = parse_bioguide_id(bioguide_id, "bioguideId")
        found = await info.context.loaders.scorecards.members(
            self.pk, scorecard_sql.MemberFilter(bioguide=key), Window(first=1)
        )
        if not found.rows:
            raise NotFound(f"no member {key!r} on this scorecard")
        return ScorecardMember.from_row(self.pk, found.rows[0])


async def scorecard_of(info: Info, topic_pk: int) -> Scorecard | None:
    """The scorecard of topic row `topic_pk`, or None when it has none."""
    row = await info.context.loaders.scorecards.by_topic.load(topic_pk)
    return Scorecard.from_row(row) if row else None
