"""Bills and resolutions of Congress: titles, sponsors, cosponsors, actions and links."""

import re
from datetime import date, datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.bills import BillFilter as BillConditions
from schema.arguments import After, Before, First, Last
from schema.committees import Committee
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
from schema.validation import search_words

if TYPE_CHECKING:
    pass

_BILL_ID = re.compile(r"^(hr|s|hres|sres|hjres|sjres|hconres|sconres)(\d+)-(\d+)$")
_BIOGUIDE_ID = re.compile(r"^[A-Z]\d{6}$")


def parse_bill_id(value: str, argument: str = "billId") -> str:
    """A bill's natural key such as `hr1470-117`, lower-cased, or BAD_USER_INPUT."""
    key = value.strip().lower()
    if not _BILL_ID.match(key):
        raise BadUserInput(
            f"`{argument}` must look like `hr1470-117` (type, number, dash, congress),"
            f" got {value!r}",
            argument=argument,
        )
    return key


def parse_bioguide_id(value: str | None, argument: str) -> str | None:
    """A bioguide id such as `P000617`, upper-cased, or BAD_USER_INPUT."""
    if value is None:
        return None
    key = value.strip().upper()
    if not _BIOGUIDE_ID.match(key):
        raise BadUserInput(
            f"`{argument}` must be a bioguide id such as `P000617`, got {value!r}",
            argument=argument,
        )
    return key


@strawberry.enum(description="The kind of a bill or resolution.")
class BillType(Enum):
    HR = strawberry.enum_value("hr", description="A House bill (H.R.).")
    S = strawberry.enum_value("s", description="A Senate bill (S.).")
    HRES = strawberry.enum_value("hres", description="A House simple resolution (H.Res.).")
    SRES = strawberry.enum_value("sres", description="A Senate simple resolution (S.Res.).")
    HJRES = strawberry.enum_value("hjres", description="A House joint resolution (H.J.Res.).")
    SJRES = strawberry.enum_value("sjres", description="A Senate joint resolution (S.J.Res.).")
    HCONRES = strawberry.enum_value(
        "hconres", description="A House concurrent resolution (H.Con.Res.)."
    )
    SCONRES = strawberry.enum_value(
        "sconres", description="A Senate concurrent resolution (S.Con.Res.)."
    )


@strawberry.enum(description="Sort orders for bills.")
class BillOrder(Enum):
    INTRODUCED_DESC = strawberry.enum_value(
        "introduced_desc", description="Newest introduction first (undated bills last)."
    )
    INTRODUCED_ASC = strawberry.enum_value(
        "introduced_asc", description="Oldest introduction first (undated bills first)."
    )
    BILL_ID = strawberry.enum_value("bill_id", description="By congress, then type, then number.")
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.type(description="One of a bill's titles.")
class BillTitle:
    type: str = strawberry.field(description="The kind of title, as the source names it.")
    title: str = strawberry.field(description="The title.")

    @classmethod
    def from_row(cls, row: Any) -> "BillTitle":
        return cls(type=row["title_type"], title=row["title"])


@strawberry.type(description="A Congressional Research Service summary of one bill version.")
class BillSummary:
    version_code: str = strawberry.field(description="The source's code of the version summarised.")
    action_date: date | None = strawberry.field(description="The date of the action summarised.")
    action_description: str | None = strawberry.field(
        description="The action summarised, e.g. `Introduced in House`."
    )
    text: str = strawberry.field(description="The summary, as published (may contain HTML).")

    @classmethod
    def from_row(cls, row: Any) -> "BillSummary":
        return cls(
            version_code=row["version_code"],
            action_date=row["action_date"],
            action_description=row["action_desc"],
            text=row["text"],
        )


@strawberry.type(description="One published version of a bill's text.")
class BillTextVersion:
    type: str = strawberry.field(description="The version, e.g. `Introduced in House`.")
    published_on: date | None = strawberry.field(
        name="date", description="When this version was published."
    )
    url: str | None = strawberry.field(description="Where the text can be read.")

    @classmethod
    def from_row(cls, row: Any) -> "BillTextVersion":
        return cls(type=row["version_type"], published_on=row["version_date"], url=row["url"])


@strawberry.type(description="The most recent action on a bill.")
class LatestAction:
    acted_on: date | None = strawberry.field(name="date", description="When it happened.")
    text: str | None = strawberry.field(description="What happened.")


@strawberry.type(description="A bill or resolution of Congress.")
class Bill(Node):
    pk: strawberry.Private[int]
    sponsor_pk: strawberry.Private[int | None]
    bill_id: str = strawberry.field(
        description="Natural key: type, number, congress (`hr1470-117`)."
    )
    congress: int = strawberry.field(description="The Congress it was introduced in, e.g. 117.")
    bill_type: BillType = strawberry.field(description="Bill or kind of resolution.")
    number: int = strawberry.field(description="Its number within its type and Congress.")
    official_title: str | None = strawberry.field(description="The official title.")
    short_title: str | None = strawberry.field(description="The short title, if it has one.")
    popular_title: str | None = strawberry.field(description="The popular title, if it has one.")
    introduced_date: date | None = strawberry.field(description="When it was introduced.")
    origin_chamber: Chamber | None = strawberry.field(description="The chamber it started in.")
    policy_area: str | None = strawberry.field(
        description="The one policy area the Library of Congress assigned."
    )
    latest_action: LatestAction | None = strawberry.field(
        description="The most recent action, or null if none is recorded."
    )
    status: str | None = strawberry.field(description="Its status as the source gives it.")
    status_date: date | None = strawberry.field(description="When it reached that status.")
    sponsor_bioguide_id: str | None = strawberry.field(
        description="The sponsor's bioguide id, even when the sponsor is not in the database."
    )
    url: str | None = strawberry.field(description="Its page on congress.gov.")
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")
    provenance: Provenance | None = strawberry.field(description=PROVENANCE_DESCRIPTION)

    @classmethod
    def from_row(cls, row: Any) -> "Bill":
        has_action = row["latest_action_date"] or row["latest_action_text"]
        return cls(
            pk=row["id"],
            sponsor_pk=row["sponsor_id"],
            id=to_global_id("Bill", row["id"]),
            bill_id=row["bill_id"],
            congress=row["congress"],
            bill_type=BillType(row["bill_type"]),
            number=row["number"],
            official_title=row["official_title"],
            short_title=row["short_title"],
            popular_title=row["popular_title"],
            introduced_date=row["introduced_date"],
            origin_chamber=Chamber(row["origin_chamber"]) if row["origin_chamber"] else None,
            policy_area=row["policy_area"],
            latest_action=LatestAction(
                acted_on=row["latest_action_date"], text=row["latest_action_text"]
            )
            if has_action
            else None,
            status=row["status"],
            status_date=row["status_date"],
            sponsor_bioguide_id=row["sponsor_bioguide_id"],
            url=row["url"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row, row["url"]),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Bill | None":
        row = await info.context.loaders.bills.by_id.load(pk)
        return cls.from_row(row) if row else None

    @strawberry.field(description="Every title (official, short, popular...) with its type.")
    async def titles(self, info: Info) -> list[BillTitle]:
        rows = await info.context.loaders.bills.titles.load(self.pk)
        return [BillTitle.from_row(row) for row in rows or []]

    @strawberry.field(description="Legislative subject terms, alphabetically.")
    async def subjects(self, info: Info) -> list[str]:
        return list(await info.context.loaders.bills.subjects.load(self.pk) or [])

    @strawberry.field(description="CRS summaries, oldest first.")
    async def summaries(self, info: Info) -> list[BillSummary]:
        rows = await info.context.loaders.bills.summaries.load(self.pk)
        return [BillSummary.from_row(row) for row in rows or []]

    @strawberry.field(description="Published versions of the text, oldest first.")
    async def text_versions(self, info: Info) -> list[BillTextVersion]:
        rows = await info.context.loaders.bills.text_versions.load(self.pk)
        return [BillTextVersion.from_row(row) for row in rows or []]

    @strawberry.field(description="The sponsor, or null when not in the database.")
    async def sponsor(self, info: Info) -> Legislator | None:
        return await Legislator.load(info, self.sponsor_pk) if self.sponsor_pk else None

    @strawberry.field(description="Cosponsors in the order they signed on.")
    def cosponsors(
        self,
        info: Info,
        include_withdrawn: Annotated[
            bool,
            strawberry.argument(description="Include cosponsors who later withdrew."),
        ] = True,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection["Cosponsorship"]:
        return related_connection(
            info,
            relation("Bill", "cosponsors"),
            self.pk,
            window(first, after, last, before),
            include_withdrawn,
            Cosponsorship.from_row,
        )

    actions = nested("Bill", "actions", "schema.bills:BillAction", "Its actions, oldest first.")
    votes = nested("Bill", "votes", "schema.votes:Vote", "Roll-call votes on it, oldest first.")
    committees = nested(
        "Bill", "committees", Committee, "The committees it was referred to, by name."
    )
    related_bills = nested(
        "Bill",
        "relatedBills",
        "schema.bills:RelatedBill",
        "Bills the source lists as related, by bill id.",
    )
    statements = nested(
        "Bill",
        "statements",
        "schema.statements:Statement",
        "Public statements about it, newest first.",
    )
    topics = nested(
        "Bill", "topics", "schema.topics:Topic", "The topics it is filed under, by name."
    )
    incidents = nested(
        "Bill", "incidents", "schema.incidents:Incident", "Incidents linked to it, newest first."
    )


@strawberry.type(description="A legislator's cosponsorship of a bill.")
class Cosponsorship:
    bill_pk: strawberry.Private[int]
    legislator_pk: strawberry.Private[int | None]
    bioguide_id: str = strawberry.field(description="The cosponsor's bioguide id.")
    sponsored_on: date | None = strawberry.field(description="When they signed on.")
    is_original: bool = strawberry.field(description="Whether they cosponsored at introduction.")
    withdrawn_on: date | None = strawberry.field(
        description="When they withdrew, or null if they did not."
    )

    @classmethod
    def from_row(cls, row: Any) -> "Cosponsorship":
        return cls(
            bill_pk=row["bill_id"],
            legislator_pk=row["legislator_id"],
            bioguide_id=row["bioguide_id"],
            sponsored_on=row["sponsored_on"],
            is_original=row["is_original"],
            withdrawn_on=row["withdrawn_on"],
        )

    @strawberry.field(description="The cosponsor, or null when not in the database.")
    async def legislator(self, info: Info) -> Legislator | None:
        return await Legislator.load(info, self.legislator_pk) if self.legislator_pk else None

    @strawberry.field(description="The bill cosponsored.")
    async def bill(self, info: Info) -> Bill:
        bill = await Bill.load(info, self.bill_pk)
        assert bill is not None  # a foreign key guarantees it
        return bill


@strawberry.type(description="One step in a bill's life: referral, vote, passage...")
class BillAction:
    committee_pk: strawberry.Private[int | None]
    acted_on: date = strawberry.field(name="date", description="When it happened.")
    text: str = strawberry.field(description="What happened, as the source words it.")
    type: str | None = strawberry.field(description="The source's kind of action.")
    action_code: str | None = strawberry.field(description="The source's action code.")
    chamber: Chamber | None = strawberry.field(description="The chamber that acted.")

    @classmethod
    def from_row(cls, row: Any) -> "BillAction":
        return cls(
            committee_pk=row["committee_id"],
            acted_on=row["acted_on"],
            text=row["text"],
            type=row["action_type"],
            action_code=row["action_code"],
            chamber=Chamber(row["chamber"]) if row["chamber"] else None,
        )

    @strawberry.field(description="The committee that acted, if any.")
    async def committee(self, info: Info) -> Committee | None:
        return await Committee.load(info, self.committee_pk) if self.committee_pk else None


@strawberry.type(description="A bill the source lists as related to another.")
class RelatedBill:
    related_pk: strawberry.Private[int | None]
    relationship: str | None = strawberry.field(
        description="How they relate, e.g. `Identical bill`."
    )
    bill_id: str = strawberry.field(description="The related bill's natural key.")

    @classmethod
    def from_row(cls, row: Any) -> "RelatedBill":
        return cls(
            related_pk=row["related_id"],
            relationship=row["relationship"],
            bill_id=row["related_bill_key"],
        )

    @strawberry.field(description="The related bill, or null when not in the database.")
    async def bill(self, info: Info) -> Bill | None:
        return await Bill.load(info, self.related_pk) if self.related_pk else None


@strawberry.input(description="Conditions on bills; all given conditions must hold.")
class BillFilter:
    congress: int | None = strawberry.field(
        default=None, description="Introduced in this Congress."
    )
    type: BillType | None = strawberry.field(default=None, description="Of this type.")
    sponsor: str | None = strawberry.field(
        default=None, description="Sponsored by this legislator (bioguide id)."
    )
    cosponsor: str | None = strawberry.field(
        default=None, description="Cosponsored by this legislator (bioguide id), even if withdrawn."
    )
    subject: str | None = strawberry.field(
        default=None, description="Has this legislative subject term, exactly as written."
    )
    status: str | None = strawberry.field(default=None, description="Has this status, exactly.")
    introduced: DateRange | None = strawberry.field(
        default=None, description="Introduced within this range of dates."
    )
    search: str | None = strawberry.field(
        default=None,
        description='Words in a title (full text, web search syntax: `"qualified immunity"`).',
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> BillConditions:
        introduced = self.introduced.checked() if self.introduced else DateRange()
        return BillConditions(
            congress=self.congress,
            bill_type=str(self.type.value) if self.type else None,
            sponsor=parse_bioguide_id(self.sponsor, "sponsor"),
            cosponsor=parse_bioguide_id(self.cosponsor, "cosponsor"),
            subject=self.subject,
            status=self.status,
            introduced_from=introduced.start,
            introduced_to=introduced.end,
            search=search_words(self.search, "search"),
            updated_since=self.updated_since,
        )


@strawberry.type
class BillQueries:
    @strawberry.field(description="Bills and resolutions, filtered and sorted.")
    def bills(
        self,
        info: Info,
        filter: Annotated[
            BillFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            BillOrder, strawberry.argument(description="The sort order.")
        ] = BillOrder.INTRODUCED_DESC,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Bill]:
        conditions = (filter or BillFilter()).conditions()
        loaders = info.context.loaders.bills
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Bill.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description="One bill by natural key; null, with a NOT_FOUND error, if there is none."
    )
    async def bill(
        self,
        info: Info,
        bill_id: Annotated[str, strawberry.argument(description="A bill id such as `hr1470-117`.")],
    ) -> Bill | None:
        key = parse_bill_id(bill_id)
        row = await info.context.loaders.bills.by_bill_id.load(key)
        if row is None:
            raise NotFound(f"no bill with id {key!r}")
        return Bill.from_row(row)
