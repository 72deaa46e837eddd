"""SQL for bills: the bills themselves, their titles, actions, cosponsors and links."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from db.pagination import (
    Listing,
    Ordering,
    Page,
    Params,
    Window,
    count,
    fetch_page,
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


ACTIONS = Listing(ACTION_COLUMNS, "bill_actions ba")


RELATED = Listing(RELATED_COLUMNS, "related_bills rb")
