"""SQL for legislators, their terms and their social accounts."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

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
from db.search import prefix_query

COLUMNS = (
    "l.id, l.bioguide_id, l.lis_id, l.icpsr_id, l.govtrack_id, l.thomas_id, l.fec_ids,"
    " l.first_name, l.middle_name, l.last_name, l.suffix, l.nickname, l.official_full_name,"
    " l.birthday, l.gender, l.dataset_id, l.source_file, l.created_at, l.updated_at"
)

ORDERINGS = {
    "name": Ordering(
        "name", (("l.last_name", "text"), ("l.first_name", "text"), ("l.id", "bigint"))
    ),
    "bioguide": Ordering("bioguide", (("l.bioguide_id", "text"),)),
    "updated": Ordering("updated", (("l.updated_at", "timestamptz"), ("l.id", "bigint"))),
}

TERM_COLUMNS = (
    "t.id, t.legislator_id, t.chamber, t.state, t.district, t.senate_class, t.state_rank,"
    " t.party, t.start_date, t.end_date, t.url, t.phone, t.address, t.office, t.contact_form,"
    " t.created_at, t.updated_at"
)
TERM_ORDERING = Ordering("start", (("t.start_date", "date"), ("t.id", "bigint")), descending=True)


@dataclass(frozen=True)
class LegislatorFilter:
    """Conditions on legislators; state, party and chamber match any term (or the current one)."""

    state: str | None = None
    party: str | None = None
    chamber: str | None = None
    current: bool | None = None
    name: str | None = None
    updated_since: datetime | None = None


def listing(f: LegislatorFilter) -> Listing:
    """The legislators that match `f`."""
    p = Params()
    where = []
    term = []
    if f.state is not None:
        term.append(f"t.state = {p.add(f.state)}")
    if f.party is not None:
        term.append(f"t.party = {p.add(f.party)}")
    if f.chamber is not None:
        term.append(f"t.chamber = {p.add(f.chamber)}")
    if f.current:
        term.append("t.end_date >= current_date")
    if term:
        where.append(
            "EXISTS (SELECT 1 FROM legislator_terms t WHERE t.legislator_id = l.id AND "
            + " AND ".join(term)
            + ")"
        )
    if f.current is False:
        where.append(
            "NOT EXISTS (SELECT 1 FROM legislator_terms t"
            " WHERE t.legislator_id = l.id AND t.end_date >= current_date)"
        )
    if f.name is not None:
        where.append(f"l.search @@ to_tsquery('simple', {p.add(prefix_query(f.name))})")
    if f.updated_since is not None:
        where.append(f"l.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "legislators l", tuple(where), tuple(p.values))


async def page(db: Executor, f: LegislatorFilter, order: str, window: Window) -> Page:
    """One page of legislators matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: LegislatorFilter) -> int:
    """How many legislators match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Legislators by row id."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM legislators l WHERE l.id = ANY($1)", ids)
    return {row["id"]: row for row in rows}


async def by_bioguide_ids(db: Executor, bioguide_ids: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Legislators by bioguide id."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM legislators l WHERE l.bioguide_id = ANY($1)", bioguide_ids
    )
    return {row["bioguide_id"]: row for row in rows}


def terms_listing() -> Listing:
    """Every term of service."""
    return Listing(TERM_COLUMNS, "legislator_terms t")


async def term_pages(
    db: Executor, legislator_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of terms (newest first) for each legislator."""
    return await fetch_pages_by_parent(
        db, terms_listing(), ("t.legislator_id", "bigint"), legislator_ids, TERM_ORDERING, window
    )


async def term_counts(db: Executor, legislator_ids: Sequence[int]) -> dict[int, int]:
    """How many terms each legislator served."""
    return await count_by_parent(db, terms_listing(), ("t.legislator_id", "bigint"), legislator_ids)


async def current_terms(db: Executor, legislator_ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """The term each legislator serves today, if any."""
    rows = await db.fetch(
        f"SELECT DISTINCT ON (t.legislator_id) {TERM_COLUMNS} FROM legislator_terms t"
        " WHERE t.legislator_id = ANY($1) AND t.end_date >= current_date"
        " AND t.start_date <= current_date ORDER BY t.legislator_id, t.start_date DESC",
        legislator_ids,
    )
    return {row["legislator_id"]: row for row in rows}


async def social_accounts(
    db: Executor, legislator_ids: Sequence[int]
) -> dict[int, list[asyncpg.Record]]:
    """The social media accounts of each legislator."""
    rows = await db.fetch(
        "SELECT id, legislator_id, platform, handle, account_id, account_type,"
        " created_at, updated_at FROM social_accounts"
        " WHERE legislator_id = ANY($1) ORDER BY legislator_id, platform, handle",
        legislator_ids,
    )
    grouped: dict[int, list[asyncpg.Record]] = {i: [] for i in legislator_ids}
    for row in rows:
        grouped[row["legislator_id"]].append(row)
    return grouped
