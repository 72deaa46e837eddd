"""SQL for people: speakers who are not members of Congress, and people in incidents."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from db import soft_delete
from db.editing import Table
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
    "pe.id, pe.slug, pe.name, pe.description, pe.version, pe.dataset_id, pe.source_file,"
    " pe.created_at, pe.updated_at"
)
# Soft-deleted people are left out of every read.
LIVE = soft_delete.PERSON

ORDERINGS = {
    "name": Ordering("name", (("pe.name", "text"), ("pe.id", "bigint"))),
    "updated": Ordering("updated", (("pe.updated_at", "timestamptz"), ("pe.id", "bigint"))),
}

# A person's part in incidents, the incident newest first.
BY_INCIDENT_DATE = Ordering(
    "incident",
    (("coalesce(i.occurred_on, '-infinity'::date)", "date"), ("ip.id", "bigint")),
    descending=True,
)


@dataclass(frozen=True)
class PersonFilter:
    """Conditions on people."""

    name: str | None = None
    updated_since: datetime | None = None


def listing(f: PersonFilter) -> Listing:
    """The people that match `f`."""
    p = Params()
    where = [LIVE]
    if f.name is not None:
        where.append(f"pe.search @@ to_tsquery('simple', fold_text({p.add(prefix_query(f.name))}))")
    if f.updated_since is not None:
        where.append(f"pe.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "people pe", tuple(where), tuple(p.values))


async def page(db: Executor, f: PersonFilter, order: str, window: Window) -> Page:
    """One page of people matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: PersonFilter) -> int:
    """How many people match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """People by row id."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM people pe WHERE pe.id = ANY($1) AND {LIVE}", ids)
    return {row["id"]: row for row in rows}


async def by_slugs(db: Executor, slugs: Sequence[str]) -> dict[str, asyncpg.Record]:
    """People by slug."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM people pe WHERE pe.slug = ANY($1) AND {LIVE}", slugs
    )
    return {row["slug"]: row for row in rows}


# Writes: the columns an editor sets.
TABLE = Table("people", "pe", COLUMNS, "Person", frozenset({"slug", "name", "description"}))


async def live_statement_count(db: Executor, person_id: int) -> int:
    """How many statements that are not deleted the person made."""
    return int(
        await db.fetchval(
            f"SELECT count(*) FROM statements s WHERE s.speaker_person_id = $1"
            f" AND {soft_delete.STATEMENT}",
            person_id,
        )
    )
