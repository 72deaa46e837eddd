"""Members of Congress: who they are, the terms they served, and where to find them."""

from datetime import date, datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.legislators import LegislatorFilter as LegislatorConditions
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.enums import Chamber
from schema.errors import NotFound
from schema.prefetch import built, column, with_related
from schema.provenance import PROVENANCE_DESCRIPTION, Provenance, provenance_of
from schema.relay import Connection, Node, connection, loaded_count, to_global_id, window
from schema.validation import search_words, state_code

if TYPE_CHECKING:
    from schema.bills import Bill
    from schema.committees import CommitteeMembership
    from schema.statements import Statement
    from schema.votes import VotePosition


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


@strawberry.type(description="A legislator's name in its parts.")
class LegislatorName:
    first: str = strawberry.field(description="First name.")
    middle: str | None = strawberry.field(description="Middle name or initial.")
    last: str = strawberry.field(description="Last name.")
    suffix: str | None = strawberry.field(description="Suffix such as Jr. or III.")
    nickname: str | None = strawberry.field(description="The name they go by, if different.")
    official_full: str | None = strawberry.field(
        description="The full name as the member's office writes it."
    )


@strawberry.type(description="One term in the House or the Senate.")
class Term:
    chamber: Chamber = strawberry.field(description="The chamber served in.")
    state: str = strawberry.field(description="Two-letter postal code of the state represented.")
    district: int | None = strawberry.field(
        description="House district (0 for at-large); null for senators."
    )
    senate_class: int | None = strawberry.field(description="Senate class (1, 2 or 3).")
    state_rank: str | None = strawberry.field(description="`junior` or `senior` senator.")
    party: str = strawberry.field(description="Party during this term, e.g. `Democrat`.")
    start: date = strawberry.field(description="First day of the term.")
    end: date = strawberry.field(description="Last day of the term (may be in the future).")
    url: str | None = strawberry.field(description="Official website during this term.")
    phone: str | None = strawberry.field(description="Office phone number.")
    address: str | None = strawberry.field(description="Office mailing address.")
    office: str | None = strawberry.field(description="Office room.")
    contact_form: str | None = strawberry.field(description="Web contact form.")

    @classmethod
    def from_row(cls, row: Any) -> "Term":
        return cls(
            chamber=Chamber(row["chamber"]),
            state=row["state"],
            district=row["district"],
            senate_class=row["senate_class"],
            state_rank=row["state_rank"],
            party=row["party"],
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
    bioguide_id: str = strawberry.field(description="Bioguide id, e.g. `P000617`.")
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
            ),
            birthday=row["birthday"],
            gender=Gender(row["gender"]) if row["gender"] else None,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Legislator | None":
        row = await info.context.loaders.legislators.by_id.load(pk)
        return cls.from_row(row) if row else None

    @classmethod
    async def load_many(cls, info: Info, pks: list[int]) -> "dict[int, Legislator | None]":
        """Legislators by primary key in one batched load, each built once per request."""
        loader = info.context.loaders.legislators.by_ids
        return await built(info, "Legislator", loader, pks, cls.from_row)

    @strawberry.field(description="Every term served, newest first.")
    def terms(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Term]:
        loaders = info.context.loaders.legislators
        page = partial(loaders.terms.load, (self.pk, window(first, after, last, before)))
        return connection(page, Term.from_row, lambda: loaded_count(loaders.term_count, self.pk))

    @strawberry.field(description="The term being served today, or null.")
    async def current_term(self, info: Info) -> Term | None:
        row = await info.context.loaders.legislators.current_term.load(self.pk)
        return Term.from_row(row) if row else None

    @strawberry.field(description="Official social media accounts.")
    async def social_accounts(self, info: Info) -> list[SocialAccount]:
        rows = await info.context.loaders.legislators.social_accounts.load(self.pk)
        return [SocialAccount.from_row(row) for row in rows or []]

    @strawberry.field(description="Committee and subcommittee seats, by committee name.")
    def committees(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["CommitteeMembership", strawberry.lazy("schema.committees")]]:
        from schema.committees import Committee
        from schema.committees import CommitteeMembership as Membership

        loaders = info.context.loaders.committees
        page = partial(loaders.memberships_of.load, (self.pk, window(first, after, last, before)))
        committees: dict[int, Committee | None] = {}
        return connection(
            with_related(
                page,
                committees,
                lambda page: Committee.load_many(info, column(page, "committee_id")),
            ),
            partial(Membership.from_row, committees=committees, legislators={self.pk: self}),
            lambda: loaded_count(loaders.membership_count, self.pk),
        )

    @strawberry.field(description="Bills they sponsored, newest introduced first.")
    def sponsored_bills(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Bill", strawberry.lazy("schema.bills")]]:
        from schema.bills import Bill

        loaders = info.context.loaders.bills
        page = partial(loaders.sponsored_by.load, (self.pk, window(first, after, last, before)))
        return connection(
            page, Bill.from_row, lambda: loaded_count(loaders.sponsored_count, self.pk)
        )

    @strawberry.field(
        description="Bills they cosponsored (withdrawn cosponsorships included), newest first."
    )
    def cosponsored_bills(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Bill", strawberry.lazy("schema.bills")]]:
        from schema.bills import Bill

        loaders = info.context.loaders.bills
        page = partial(loaders.cosponsored_by.load, (self.pk, window(first, after, last, before)))
        return connection(
            page, Bill.from_row, lambda: loaded_count(loaders.cosponsored_count, self.pk)
        )

    @strawberry.field(description="How they voted on each roll call, newest vote first.")
    def vote_positions(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["VotePosition", strawberry.lazy("schema.votes")]]:
        from schema.votes import VotePosition

        loaders = info.context.loaders.votes
        key = (self.pk, window(first, after, last, before))
        page = partial(loaders.positions_of_legislator.load, key)
        return connection(
            page,
            partial(VotePosition.from_row, members={self.pk: self}),
            lambda: loaded_count(loaders.positions_of_legislator_count, self.pk),
        )

    @strawberry.field(description="What they said in public, newest first (unknown dates last).")
    def statements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Statement", strawberry.lazy("schema.statements")]]:
        from schema.statements import Statement

        loaders = info.context.loaders.statements
        page = partial(loaders.by_legislator.load, (self.pk, window(first, after, last, before)))
        return connection(
            page, Statement.from_row, lambda: loaded_count(loaders.by_legislator_count, self.pk)
        )


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

    @strawberry.field(description="One legislator by bioguide id; NOT_FOUND if there is none.")
    async def legislator(
        self,
        info: Info,
        bioguide_id: Annotated[
            str, strawberry.argument(description="A bioguide id such as `P000617`.")
        ],
    ) -> Legislator:
        row = await info.context.loaders.legislators.by_bioguide_id.load(bioguide_id)
        if row is None:
            raise NotFound(f"no legislator with bioguide id {bioguide_id!r}")
        return Legislator.from_row(row)
