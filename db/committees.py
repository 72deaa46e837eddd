"""SQL for committees, subcommittees and their memberships."""

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
    fetch_page,
)
from db.pool import Executor
from db.search import prefix_query

COLUMNS = (
    "c.id, c.thomas_id, c.parent_id, c.chamber, c.name, c.url, c.jurisdiction, c.address,"
    " c.phone, c.dataset_id, c.source_file, c.created_at, c.updated_at"
)

ORDERINGS = {
    "name": Ordering("name", (("c.name", "text"), ("c.id", "bigint"))),
    "thomas_id": Ordering("thomas_id", (("c.thomas_id", "text"),)),
    "updated": Ordering("updated", (("c.updated_at", "timestamptz"), ("c.id", "bigint"))),
}

MEMBERSHIP_COLUMNS = (
    "m.id, m.committee_id, m.legislator_id, m.rank, m.side, m.title, m.created_at, m.updated_at"
)
# By seniority within the committee: majority first, then by rank.
BY_RANK = Ordering(
    "rank",
    (
        ("coalesce(m.side, 'zz')", "text"),
        ("coalesce(m.rank, 2147483647)", "integer"),
        ("m.id", "bigint"),
    ),
)
BY_COMMITTEE_NAME = Ordering("committee", (("c.name", "text"), ("m.id", "bigint")))


@dataclass(frozen=True)
class CommitteeFilter:
    """Conditions on committees."""

    chamber: str | None = None
    subcommittees: bool | None = None
    name: str | None = None
    updated_since: datetime | None = None


def listing(f: CommitteeFilter) -> Listing:
    """The committees that match `f`."""
    p = Params()
    where = []
    if f.chamber is not None:
        where.append(f"c.chamber = {p.add(f.chamber)}")
    if f.subcommittees is True:
        where.append("c.parent_id IS NOT NULL")
    if f.subcommittees is False:
        where.append("c.parent_id IS NULL")
    if f.name is not None:
        where.append(
            "to_tsvector('simple', fold_text(c.name))"
            f" @@ to_tsquery('simple', fold_text({p.add(prefix_query(f.name))}))"
        )
    if f.updated_since is not None:
        where.append(f"c.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "committees c", tuple(where), tuple(p.values))


async def page(db: Executor, f: CommitteeFilter, order: str, window: Window) -> Page:
    """One page of committees matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: CommitteeFilter) -> int:
    """How many committees match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Committees by row id."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM committees c WHERE c.id = ANY($1)", ids)
    return {row["id"]: row for row in rows}


async def by_thomas_ids(db: Executor, thomas_ids: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Committees by thomas code (`HSJU`, or `HSJU08` for a subcommittee)."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM committees c WHERE c.thomas_id = ANY($1)", thomas_ids
    )
    return {row["thomas_id"]: row for row in rows}


MEMBERSHIPS = Listing(
    MEMBERSHIP_COLUMNS, "committee_memberships m JOIN committees c ON c.id = m.committee_id"
)
