"""Members of Congress: who they are, the terms they served, and where to find them."""

from datetime import date, datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.legislators import LegislatorFilter as LegislatorConditions
from db.legislators import term_role
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.enums import Chamber
from schema.errors import NotFound
from schema.provenance import PROVENANCE_DESCRIPTION, Provenance, provenance_of
from schema.relations import nested
from schema.relay import Connection, Node, connection, to_global_id, window
from schema.validation import search_words, state_code

if TYPE_CHECKING:
    from schema.record import RecordItem


@strawberry.enum(description="Gender as recorded by the congress-legislators project.")
class Gender(Enum):
    FEMALE = strawberry.enum_value("F", description="Female.")
    MALE = strawberry.enum_value("M", description="Male.")


@strawberry.enum(description="Sort orders for legislators.")
class LegislatorOrder(Enum):
    NAME = strawberry.enum_value("name", description="By last name, then first name.")
    BIOGUIDE_ID = strawberry.enum_value("bioguide", description="By bioguide id.")
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.enum(description="The seat a term held in Congress.")
class TermRole(Enum):
    REPRESENTATIVE = strawberry.enum_value(
        "representative", description="A Representative of a state, with a floor vote."
    )
    SENATOR = strawberry.enum_value("senator", description="A Senator, with a floor vote.")
    DELEGATE = strawberry.enum_value(
        "delegate",
        description="A Delegate to the House from a territory or the District of Columbia "
        "(or from a territory before its statehood); no vote on passage.",
    )
    RESIDENT_COMMISSIONER = strawberry.enum_value(
        "resident_commissioner",
        description="The Resident Commissioner of Puerto Rico (or of the Philippines, "
        "1907-1946); no vote on passage.",
    )


@strawberry.enum(description="Which kind of source the legislator's record comes from.")
class LegislatorSource(Enum):
    CONGRESS_LEGISLATORS = strawberry.enum_value(
        "congress-legislators",
        description="The unitedstates/congress-legislators files: a full record.",
    )
    VOTEVIEW_MEMBERS = strawberry.enum_value(
        "voteview-members",
        description="Only a Voteview members file named this member: ids and `LAST, First`.",
    )
    ROLL_CALL = strawberry.enum_value(
        "roll-call",
        description="Only a roll call named this member: its id (bioguide in the House, LIS "
        "in the Senate) and the name it printed, if any.",
    )
    SPEECH = strawberry.enum_value(
        "speech",
        description="Only a Congressional Record speech named this member: the bioguide id "
        "and the speaker as printed (`Mr. DeLAY`).",
    )


@strawberry.type(description="A party held for part (or all) of a term.")
class PartyAffiliation:
    party: str = strawberry.field(description="The party, e.g. `Democrat`.")
    caucus: str | None = strawberry.field(
        description="The party caucused with, when not the party itself (independents)."
    )
    start: date = strawberry.field(description="First day with this affiliation.")
    end: date = strawberry.field(description="Last day with this affiliation.")


@strawberry.type(
    description="A legislator's name in its parts, as the source of the record gives it: a "
    "former member known only from a roll call, Voteview or a speech may have only some parts."
)
class LegislatorName:
    first: str | None = strawberry.field(description="First name, when published.")
    middle: str | None = strawberry.field(description="Middle name or initial.")
    last: str | None = strawberry.field(
        description="Last name, when published (Voteview's upper case kept, e.g. `SANDERS`)."
    )
    published: str | None = strawberry.field(
        description="The name exactly as the source that named a former member printed it "
        "(`Mr. DeLAY`, `Johnson (LA)`, `SANDERS, Bernard`); null for congress-legislators "
        "records, which give the parts."
    )
    suffix: str | None = strawberry.field(description="Suffix such as Jr. or III.")
    nickname: str | None = strawberry.field(description="The name they go by, if different.")
    official_full: str | None = strawberry.field(
        description="The full name as the member's office writes it."
    )


@strawberry.type(
    description="A party leadership position held in a chamber (congress-legislators)."
)
class LeadershipRole:
    title: str = strawberry.field(
        description="The position as published, e.g. `Senate Democratic Steering Committee Chair`."
    )
    chamber: Chamber | None = strawberry.field(description="The chamber, when published.")
    start: date | None = strawberry.field(description="When it began, when published.")
    end: date | None = strawberry.field(description="When it ended; null while it is held.")

    @classmethod
    def from_row(cls, row: Any) -> "LeadershipRole":
        return cls(
            title=row["title"],
            chamber=Chamber(row["chamber"]) if row["chamber"] else None,
            start=row["start_date"],
            end=row["end_date"],
        )


@strawberry.type(description="One term in the House or the Senate.")
class Term:
    pk: strawberry.Private[int]
    chamber: Chamber = strawberry.field(description="The chamber served in.")
    state: str = strawberry.field(
        description="Two-letter postal code of the state, territory or district represented "
        "(`DC`, `PR`, ...)."
    )
    district: int | None = strawberry.field(
        description="House district as published: 0 for at-large (and for delegates and the "
        "Resident Commissioner), -1 where historical data does not know it; null for senators."
    )
    senate_class: int | None = strawberry.field(description="Senate class (1, 2 or 3).")
    state_rank: str | None = strawberry.field(description="`junior` or `senior` senator.")
    role: TermRole | None = strawberry.field(
        description="The seat held: Representative, Senator, Delegate or Resident "
        "Commissioner. Delegates and the Resident Commissioner are decided by the area "
        "(territories, DC, PR) and, for a state that was a territory, by its admission date; "
        "null when a term spans that date, so the status is not guessed (docs/members.md)."
    )
    has_floor_vote: bool | None = strawberry.field(
        description="Whether the seat votes on passage: false for Delegates and the Resident "
        "Commissioner (they may vote in the Committee of the Whole only); null when `role` "
        "is null."
    )
    party: str = strawberry.field(
        description="Party at the end of this term, e.g. `Democrat`; a member who changed "
        "party during the term has the earlier parties in `partyAffiliations`."
    )
    caucus: str | None = strawberry.field(
        description="The party caucused with at the end of the term, when not `party` "
        "(independents, e.g. `Democrat` for Bernie Sanders)."
    )
    start: date = strawberry.field(description="First day of the term.")
    end: date = strawberry.field(description="Last day of the term (may be in the future).")
    url: str | None = strawberry.field(description="Official website during this term.")
    phone: str | None = strawberry.field(description="Office phone number.")
    address: str | None = strawberry.field(description="Office mailing address.")
    office: str | None = strawberry.field(description="Office room.")
    contact_form: str | None = strawberry.field(description="Web contact form.")

    @strawberry.field(
        description="The parties held during the term with their dates, as congress-legislators "
        "publishes them when a member changed party or caucus mid-term (e.g. Jefferson Van "
        "Drew, Democrat then Republican in 2019). A term without published affiliations gives "
        "one: its party (and caucus) over the whole term."
    )
    async def party_affiliations(self, info: Info) -> list[PartyAffiliation]:
        rows = await info.context.loaders.legislators.party_affiliations.load(self.pk)
        if not rows:
            return [
                PartyAffiliation(
                    party=self.party, caucus=self.caucus, start=self.start, end=self.end
                )
            ]
        return [
            PartyAffiliation(
                party=r["party"], caucus=r["caucus"], start=r["start_date"], end=r["end_date"]
            )
            for r in rows
        ]

    @classmethod
    def from_row(cls, row: Any) -> "Term":
        role = term_role(row["chamber"], row["state"], row["start_date"], row["end_date"])
        return cls(
            pk=row["id"],
            chamber=Chamber(row["chamber"]),
            state=row["state"],
            district=row["district"],
            senate_class=row["senate_class"],
            state_rank=row["state_rank"],
            role=TermRole(role) if role else None,
            has_floor_vote=None if role is None else role in ("representative", "senator"),
            party=row["party"],
            caucus=row["caucus"],
            start=row["start_date"],
            end=row["end_date"],
            url=row["url"],
            phone=row["phone"],
            address=row["address"],
            office=row["office"],
            contact_form=row["contact_form"],
        )


@strawberry.type(description="An official social media account.")
class SocialAccount:
    platform: str = strawberry.field(description="twitter, facebook, youtube, instagram...")
    handle: str = strawberry.field(description="The account's name on the platform.")
    account_id: str | None = strawberry.field(description="The platform's numeric id.")
    account_type: str | None = strawberry.field(description="`office` or `campaign`.")

    @classmethod
    def from_row(cls, row: Any) -> "SocialAccount":
        return cls(
            platform=row["platform"],
            handle=row["handle"],
            account_id=row["account_id"],
            account_type=row["account_type"],
        )


@strawberry.type(description="A current or former member of Congress.")
class Legislator(Node):
    pk: strawberry.Private[int]
    bioguide_id: str | None = strawberry.field(
        description="Bioguide id, e.g. `P000617`; null for a former senator known only from a "
        "Senate roll call (by `lisId`) or a Voteview member published without one."
    )
    lis_id: str | None = strawberry.field(description="Senate LIS id, e.g. `S428`.")
    icpsr_id: int | None = strawberry.field(description="ICPSR id, used by Voteview.")
    govtrack_id: int | None = strawberry.field(description="GovTrack id.")
    thomas_id: str | None = strawberry.field(description="THOMAS id.")
    fec_ids: list[str] = strawberry.field(description="Federal Election Commission ids.")
    name: LegislatorName = strawberry.field(description="The legislator's name.")
    birthday: date | None = strawberry.field(description="Date of birth.")
    gender: Gender | None = strawberry.field(description="Gender.")
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")
    provenance: Provenance | None = strawberry.field(description=PROVENANCE_DESCRIPTION)
    named_by: LegislatorSource = strawberry.field(
        description="Which kind of source the record comes from: congress-legislators, or, for "
        "a former member no congress-legislators file loaded holds, the Voteview members file, "
        "roll call or speech that named them (`provenance` gives that file). A later "
        "congress-legislators import upgrades the record in place."
    )

    @classmethod
    def from_row(cls, row: Any) -> "Legislator":
        return cls(
            pk=row["id"],
            id=to_global_id("Legislator", row["id"]),
            bioguide_id=row["bioguide_id"],
            lis_id=row["lis_id"],
            icpsr_id=row["icpsr_id"],
            govtrack_id=row["govtrack_id"],
            thomas_id=row["thomas_id"],
            fec_ids=list(row["fec_ids"]),
            name=LegislatorName(
                first=row["first_name"],
                middle=row["middle_name"],
                last=row["last_name"],
                suffix=row["suffix"],
                nickname=row["nickname"],
                official_full=row["official_full_name"],
                published=row["published_name"],
            ),
            named_by=LegislatorSource(row["named_by"]),
            birthday=row["birthday"],
            gender=Gender(row["gender"]) if row["gender"] else None,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Legislator | None":
        loader = info.context.loaders.legislators.by_id
        found: Legislator | None = await info.context.build_once(
            "Legislator", pk, loader.load, cls.from_row
        )
        return found

    terms = nested("Legislator", "terms", Term, "Every term served, newest first.")
    leadership_roles = nested(
        "Legislator",
        "leadershipRoles",
        LeadershipRole,
        "Party leadership positions held, newest first (congress-legislators).",
    )

    @strawberry.field(description="The term being served today, or null.")
    async def current_term(self, info: Info) -> Term | None:
        row = await info.context.loaders.legislators.current_term.load(self.pk)
        return Term.from_row(row) if row else None

    @strawberry.field(description="Official social media accounts.")
    async def social_accounts(self, info: Info) -> list[SocialAccount]:
        rows = await info.context.loaders.legislators.social_accounts.load(self.pk)
        return [SocialAccount.from_row(row) for row in rows or []]

    committees = nested(
        "Legislator",
        "committees",
        "schema.committees:CommitteeMembership",
        "Committee and subcommittee seats, by committee name.",
    )
    sponsored_bills = nested(
        "Legislator",
        "sponsoredBills",
        "schema.bills:Bill",
        "Bills they sponsored, newest introduced first.",
    )
    cosponsored_bills = nested(
        "Legislator",
        "cosponsoredBills",
        "schema.bills:Bill",
        "Bills they cosponsored (withdrawn cosponsorships included), newest first.",
    )
    vote_positions = nested(
        "Legislator",
        "votePositions",
        "schema.votes:VotePosition",
        "How they voted on each roll call, newest vote first.",
    )
    statements = nested(
        "Legislator",
        "statements",
        "schema.statements:Statement",
        "What they said in public, newest first (unknown dates last).",
    )

    @strawberry.field(
        description="Said versus did on one topic, oldest first: their statements filed under "
        "it, their sponsorships and cosponsorships (withdrawn ones included) of its bills, and "
        "their positions on its votes and on votes on its bills, each vote position with the "
        "stances their statements were tagged with. Ordered as `Topic.timeline` "
        "(docs/record-and-timeline.md)."
    )
    def record(
        self,
        info: Info,
        topic: Annotated[
            str,
            strawberry.argument(
                description="The topic's slug, e.g. `qualified-immunity-ice`; a slug no topic "
                "has gives an empty record."
            ),
        ],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["RecordItem", strawberry.lazy("schema.record")]]:
        from schema.record import record_of  # imports this module

        return record_of(info, self.pk, topic, window(first, after, last, before))


@strawberry.input(description="Conditions on legislators; all given conditions must hold.")
class LegislatorFilter:
    state: str | None = strawberry.field(
        default=None, description="Served (or, with `current`, serves) this state, e.g. `MA`."
    )
    party: str | None = strawberry.field(
        default=None, description="Served as a member of this party, e.g. `Democrat`."
    )
    chamber: Chamber | None = strawberry.field(default=None, description="Served in this chamber.")
    current: bool | None = strawberry.field(
        default=None,
        description="true: serving today (state, party and chamber then apply to the current "
        "term); false: not serving today.",
    )
    name: str | None = strawberry.field(
        default=None, description="Words that begin parts of the name: `ayan press`."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> LegislatorConditions:
        return LegislatorConditions(
            state=state_code(self.state),
            party=self.party,
            chamber=str(self.chamber.value) if self.chamber else None,
            current=self.current,
            name=search_words(self.name, "name"),
            updated_since=self.updated_since,
        )


@strawberry.type
class LegislatorQueries:
    @strawberry.field(description="Legislators, filtered and sorted.")
    def legislators(
        self,
        info: Info,
        filter: Annotated[
            LegislatorFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            LegislatorOrder, strawberry.argument(description="The sort order.")
        ] = LegislatorOrder.NAME,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Legislator]:
        conditions = (filter or LegislatorFilter()).conditions()
        loaders = info.context.loaders.legislators
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Legislator.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description="One legislator by bioguide id; null, with a NOT_FOUND error, if none."
    )
    async def legislator(
        self,
        info: Info,
        bioguide_id: Annotated[
            str, strawberry.argument(description="A bioguide id such as `P000617`.")
        ],
    ) -> Legislator | None:
        row = await info.context.loaders.legislators.by_bioguide_id.load(bioguide_id)
        if row is None:
            raise NotFound(f"no legislator with bioguide id {bioguide_id!r}")
        return Legislator.from_row(row)
