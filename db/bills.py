"""SQL for bills: the bills themselves, their titles, actions, cosponsors and links."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from db import incidents as incident_sql
from db import statements as statement_sql
from db import topics as topic_sql
from db import votes as vote_sql
from db.committees import COLUMNS as COMMITTEE_COLUMNS
from db.pagination import (
    Listing,
    Ordering,
    Page,
    Params,
    Window,
    count,
    count_by_parent,
    fetch_page,
    fetch_pages_by_parent,
)
from db.pool import Executor

COLUMNS = (
    "b.id, b.congress, b.bill_type, b.number, b.bill_id, b.official_title, b.short_title,"
    " b.popular_title, b.introduced_date, b.origin_chamber, b.policy_area, b.status,"
    " b.status_date, b.latest_action_date, b.latest_action_text, b.sponsor_id,"
    " b.sponsor_bioguide_id, b.url, b.dataset_id, b.source_file, b.created_at, b.updated_at"
)

# Bills with no introduction date sort as the oldest.
_INTRODUCED = (("coalesce(b.introduced_date, '-infinity'::date)", "date"), ("b.id", "bigint"))

ORDERINGS = {
    "introduced_desc": Ordering("introduced_desc", _INTRODUCED, descending=True),
    "introduced_asc": Ordering("introduced_asc", _INTRODUCED),
    "bill_id": Ordering(
        "bill_id",
        (
            ("b.congress", "integer"),
            ("b.bill_type", "text"),
            ("b.number", "integer"),
            ("b.id", "bigint"),
        ),
    ),
    "updated": Ordering("updated", (("b.updated_at", "timestamptz"), ("b.id", "bigint"))),
}

COSPONSOR_COLUMNS = (
    "bc.id, bc.bill_id, bc.legislator_id, bc.bioguide_id, bc.sponsored_on, bc.is_original,"
    " bc.withdrawn_on, bc.created_at, bc.updated_at"
)
# In the order they signed on; original cosponsors share the introduction date.
BY_SIGNING = Ordering(
    "signed", (("coalesce(bc.sponsored_on, '-infinity'::date)", "date"), ("bc.id", "bigint"))
)

ACTION_COLUMNS = (
    "ba.id, ba.bill_id, ba.position, ba.acted_on, ba.acted_at, ba.text, ba.action_type,"
    " ba.action_code, ba.chamber, ba.committee_id, ba.created_at, ba.updated_at"
)
# Oldest first; `position` keeps the source's order within one day.
CHRONOLOGICAL = Ordering(
    "acted", (("ba.acted_on", "date"), ("ba.position", "integer"), ("ba.id", "bigint"))
)

RELATED_COLUMNS = (
    "rb.id, rb.bill_id, rb.related_bill_key, rb.related_id, rb.relationship,"
    " rb.created_at, rb.updated_at"
)
BY_RELATED_KEY = Ordering("related", (("rb.related_bill_key", "text"), ("rb.id", "bigint")))

BY_COMMITTEE_NAME = Ordering("committee", (("c.name", "text"), ("c.id", "bigint")))


@dataclass(frozen=True)
class BillFilter:
    """Conditions on bills; people are named by bioguide id."""

    congress: int | None = None
    bill_type: str | None = None
    sponsor: str | None = None
    cosponsor: str | None = None
    subject: str | None = None
    status: str | None = None
    introduced_from: date | None = None
    introduced_to: date | None = None
    search: str | None = None
    updated_since: datetime | None = None


def listing(f: BillFilter) -> Listing:
    """The bills that match `f`."""
    p = Params()
    where = []
    if f.congress is not None:
        where.append(f"b.congress = {p.add(f.congress)}")
    if f.bill_type is not None:
        where.append(f"b.bill_type = {p.add(f.bill_type)}")
    if f.sponsor is not None:
        where.append(f"b.sponsor_bioguide_id = {p.add(f.sponsor)}")
    if f.cosponsor is not None:
        where.append(
            "EXISTS (SELECT 1 FROM bill_cosponsors bc WHERE bc.bill_id = b.id"
            f" AND bc.bioguide_id = {p.add(f.cosponsor)})"
        )
    if f.subject is not None:
        where.append(
            "EXISTS (SELECT 1 FROM bill_subjects bs WHERE bs.bill_id = b.id"
            f" AND bs.subject = {p.add(f.subject)})"
        )
    if f.status is not None:
        where.append(f"b.status = {p.add(f.status)}")
    if f.introduced_from is not None:
        where.append(f"b.introduced_date >= {p.add(f.introduced_from)}")
    if f.introduced_to is not None:
        where.append(f"b.introduced_date <= {p.add(f.introduced_to)}")
    if f.search is not None:
        where.append(f"b.search @@ websearch_to_tsquery('english', fold_text({p.add(f.search)}))")
    if f.updated_since is not None:
        where.append(f"b.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "bills b", tuple(where), tuple(p.values))


async def page(db: Executor, f: BillFilter, order: str, window: Window) -> Page:
    """One page of bills matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: BillFilter) -> int:
    """How many bills match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Bills by row id."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM bills b WHERE b.id = ANY($1)", ids)
    return {row["id"]: row for row in rows}


async def by_bill_ids(db: Executor, bill_ids: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Bills by natural key (`hr1470-117`)."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM bills b WHERE b.bill_id = ANY($1)", bill_ids)
    return {row["bill_id"]: row for row in rows}


async def _grouped_rows(
    db: Executor, sql: str, bill_ids: Sequence[int]
) -> dict[int, list[asyncpg.Record]]:
    grouped: dict[int, list[asyncpg.Record]] = {i: [] for i in bill_ids}
    for row in await db.fetch(sql, bill_ids):
        grouped[row["bill_id"]].append(row)
    return grouped


async def titles(db: Executor, bill_ids: Sequence[int]) -> dict[int, list[asyncpg.Record]]:
    """Every title of each bill, by type."""
    return await _grouped_rows(
        db,
        "SELECT bill_id, title_type, title, as_of FROM bill_titles"
        " WHERE bill_id = ANY($1) ORDER BY bill_id, title_type, id",
        bill_ids,
    )


async def subjects(db: Executor, bill_ids: Sequence[int]) -> dict[int, list[str]]:
    """The legislative subject terms of each bill, alphabetically."""
    rows = await _grouped_rows(
        db,
        "SELECT bill_id, subject FROM bill_subjects WHERE bill_id = ANY($1)"
        " ORDER BY bill_id, subject",
        bill_ids,
    )
    return {key: [row["subject"] for row in found] for key, found in rows.items()}


async def summaries(db: Executor, bill_ids: Sequence[int]) -> dict[int, list[asyncpg.Record]]:
    """The CRS summaries of each bill, oldest first."""
    return await _grouped_rows(
        db,
        "SELECT bill_id, version_code, action_date, action_desc, text FROM bill_summaries"
        " WHERE bill_id = ANY($1)"
        " ORDER BY bill_id, coalesce(action_date, '0001-01-01'::date), version_code",
        bill_ids,
    )


async def text_versions(db: Executor, bill_ids: Sequence[int]) -> dict[int, list[asyncpg.Record]]:
    """The published text versions of each bill, oldest first."""
    return await _grouped_rows(
        db,
        "SELECT bill_id, version_type, version_date, url FROM bill_text_versions"
        " WHERE bill_id = ANY($1)"
        " ORDER BY bill_id, coalesce(version_date, '0001-01-01'::date), version_type, id",
        bill_ids,
    )


def cosponsors_listing(include_withdrawn: bool) -> Listing:
    """Cosponsorships, optionally without the withdrawn ones."""
    where = () if include_withdrawn else ("bc.withdrawn_on IS NULL",)
    return Listing(COSPONSOR_COLUMNS, "bill_cosponsors bc", where)


async def cosponsor_pages(
    db: Executor, bill_ids: Sequence[int], args: tuple[Window, bool]
) -> dict[int, Page]:
    """A page of cosponsorships for each bill, in signing order."""
    window, include_withdrawn = args
    return await fetch_pages_by_parent(
        db,
        cosponsors_listing(include_withdrawn),
        ("bc.bill_id", "bigint"),
        bill_ids,
        BY_SIGNING,
        window,
    )


async def cosponsor_counts(
    db: Executor, bill_ids: Sequence[int], include_withdrawn: bool
) -> dict[int, int]:
    """How many cosponsors each bill has."""
    return await count_by_parent(
        db, cosponsors_listing(include_withdrawn), ("bc.bill_id", "bigint"), bill_ids
    )


ACTIONS = Listing(ACTION_COLUMNS, "bill_actions ba")


async def action_pages(db: Executor, bill_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of actions for each bill, oldest first."""
    return await fetch_pages_by_parent(
        db, ACTIONS, ("ba.bill_id", "bigint"), bill_ids, CHRONOLOGICAL, window
    )


async def action_counts(db: Executor, bill_ids: Sequence[int]) -> dict[int, int]:
    """How many actions each bill has."""
    return await count_by_parent(db, ACTIONS, ("ba.bill_id", "bigint"), bill_ids)


COMMITTEES = Listing(
    COMMITTEE_COLUMNS, "bill_committees bcm JOIN committees c ON c.id = bcm.committee_id"
)


async def committee_pages(db: Executor, bill_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of the committees each bill was referred to, by name."""
    return await fetch_pages_by_parent(
        db, COMMITTEES, ("bcm.bill_id", "bigint"), bill_ids, BY_COMMITTEE_NAME, window
    )


async def committee_counts(db: Executor, bill_ids: Sequence[int]) -> dict[int, int]:
    """How many committees each bill was referred to."""
    return await count_by_parent(db, COMMITTEES, ("bcm.bill_id", "bigint"), bill_ids)


RELATED = Listing(RELATED_COLUMNS, "related_bills rb")


async def related_pages(db: Executor, bill_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of related bills for each bill, by bill id."""
    return await fetch_pages_by_parent(
        db, RELATED, ("rb.bill_id", "bigint"), bill_ids, BY_RELATED_KEY, window
    )


async def related_counts(db: Executor, bill_ids: Sequence[int]) -> dict[int, int]:
    """How many related bills each bill lists."""
    return await count_by_parent(db, RELATED, ("rb.bill_id", "bigint"), bill_ids)


SPONSORED = Listing(COLUMNS, "bills b")


async def sponsored_pages(
    db: Executor, legislator_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of the bills each legislator sponsored, newest first."""
    return await fetch_pages_by_parent(
        db,
        SPONSORED,
        ("b.sponsor_id", "bigint"),
        legislator_ids,
        ORDERINGS["introduced_desc"],
        window,
    )


async def sponsored_counts(db: Executor, legislator_ids: Sequence[int]) -> dict[int, int]:
    """How many bills each legislator sponsored."""
    return await count_by_parent(db, SPONSORED, ("b.sponsor_id", "bigint"), legislator_ids)


COSPONSORED = Listing(COLUMNS, "bill_cosponsors bc JOIN bills b ON b.id = bc.bill_id")


async def cosponsored_pages(
    db: Executor, legislator_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of the bills each legislator cosponsored (withdrawn or not), newest first."""
    return await fetch_pages_by_parent(
        db,
        COSPONSORED,
        ("bc.legislator_id", "bigint"),
        legislator_ids,
        ORDERINGS["introduced_desc"],
        window,
    )


async def cosponsored_counts(db: Executor, legislator_ids: Sequence[int]) -> dict[int, int]:
    """How many bills each legislator cosponsored."""
    return await count_by_parent(db, COSPONSORED, ("bc.legislator_id", "bigint"), legislator_ids)


REFERRED = Listing(COLUMNS, "bill_committees bcm JOIN bills b ON b.id = bcm.bill_id")


async def referred_pages(
    db: Executor, committee_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of the bills referred to each committee, newest first."""
    return await fetch_pages_by_parent(
        db,
        REFERRED,
        ("bcm.committee_id", "bigint"),
        committee_ids,
        ORDERINGS["introduced_desc"],
        window,
    )


async def referred_counts(db: Executor, committee_ids: Sequence[int]) -> dict[int, int]:
    """How many bills were referred to each committee."""
    return await count_by_parent(db, REFERRED, ("bcm.committee_id", "bigint"), committee_ids)


def votes_listing() -> Listing:
    """Roll-call votes with their bills."""
    return Listing(vote_sql.COLUMNS, "votes v")


async def vote_pages(db: Executor, bill_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of the roll calls on each bill, oldest first."""
    return await fetch_pages_by_parent(
        db,
        votes_listing(),
        ("v.bill_id", "bigint"),
        bill_ids,
        vote_sql.ORDERINGS["date_asc"],
        window,
    )


async def vote_counts(db: Executor, bill_ids: Sequence[int]) -> dict[int, int]:
    """How many roll calls each bill had."""
    return await count_by_parent(db, votes_listing(), ("v.bill_id", "bigint"), bill_ids)


def statements_listing() -> Listing:
    """Statements with the bills they are about."""
    return Listing(
        statement_sql.COLUMNS,
        "statement_bills sb JOIN statements s ON s.id = sb.statement_id",
        (statement_sql.LIVE,),
    )


async def statement_pages(db: Executor, bill_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of the statements about each bill, newest first."""
    return await fetch_pages_by_parent(
        db, statements_listing(), ("sb.bill_id", "bigint"), bill_ids, statement_sql.NEWEST, window
    )


async def statement_counts(db: Executor, bill_ids: Sequence[int]) -> dict[int, int]:
    """How many statements are about each bill."""
    return await count_by_parent(db, statements_listing(), ("sb.bill_id", "bigint"), bill_ids)


def topics_listing() -> Listing:
    """Topics with the bills filed under them."""
    return Listing(
        topic_sql.COLUMNS, "bill_topics bt JOIN topics tp ON tp.id = bt.topic_id", (topic_sql.LIVE,)
    )


async def topic_pages(db: Executor, bill_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of the topics each bill is filed under, by name."""
    return await fetch_pages_by_parent(
        db, topics_listing(), ("bt.bill_id", "bigint"), bill_ids, topic_sql.BY_NAME, window
    )


async def topic_counts(db: Executor, bill_ids: Sequence[int]) -> dict[int, int]:
    """How many topics each bill is filed under."""
    return await count_by_parent(db, topics_listing(), ("bt.bill_id", "bigint"), bill_ids)


def incidents_listing() -> Listing:
    """Incidents with the bills linked to them."""
    return Listing(
        incident_sql.COLUMNS,
        "incident_bills ib JOIN incidents i ON i.id = ib.incident_id",
        (incident_sql.LIVE,),
    )


async def incident_pages(db: Executor, bill_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of the incidents linked to each bill, newest first."""
    return await fetch_pages_by_parent(
        db, incidents_listing(), ("ib.bill_id", "bigint"), bill_ids, incident_sql.NEWEST, window
    )


async def incident_counts(db: Executor, bill_ids: Sequence[int]) -> dict[int, int]:
    """How many incidents are linked to each bill."""
    return await count_by_parent(db, incidents_listing(), ("ib.bill_id", "bigint"), bill_ids)
