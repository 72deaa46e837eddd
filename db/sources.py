"""SQL for sources: the documents that back statements and incidents."""

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

COLUMNS = (
    "src.id, src.url, src.title, src.publisher, src.published_on, src.published_precision,"
    " src.archived_url, src.retrieved_at, src.dataset_id, src.source_file, src.version,"
    " src.created_at, src.updated_at"
)
# Soft-deleted sources are left out of every read.
LIVE = soft_delete.SOURCE

ORDERINGS = {
    # Unknown publication dates sort last.
    "newest": Ordering(
        "newest",
        (("coalesce(src.published_on, '-infinity'::date)", "date"), ("src.id", "bigint")),
        descending=True,
    ),
    "updated": Ordering("updated", (("src.updated_at", "timestamptz"), ("src.id", "bigint"))),
}
NEWEST = ORDERINGS["newest"]


@dataclass(frozen=True)
class SourceFilter:
    """Conditions on sources."""

    publisher: str | None = None
    dataset: str | None = None
    updated_since: datetime | None = None


def listing(f: SourceFilter) -> Listing:
    """The sources that match `f`."""
    p = Params()
    where = [LIVE]
    if f.publisher is not None:
        where.append(f"fold_text(src.publisher) = fold_text({p.add(f.publisher)})")
    if f.dataset is not None:
        where.append(
            "EXISTS (SELECT 1 FROM datasets d WHERE d.id = src.dataset_id"
            f" AND d.key = {p.add(f.dataset)})"
        )
    if f.updated_since is not None:
        where.append(f"src.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "sources src", tuple(where), tuple(p.values))


async def page(db: Executor, f: SourceFilter, order: str, window: Window) -> Page:
    """One page of sources matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: SourceFilter) -> int:
    """How many sources match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Sources by row id."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM sources src WHERE src.id = ANY($1) AND {LIVE}", ids
    )
    return {row["id"]: row for row in rows}


async def by_urls(db: Executor, urls: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Sources by URL."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM sources src WHERE src.url = ANY($1) AND {LIVE}", urls
    )
    return {row["url"]: row for row in rows}


# Writes: the columns an editor sets.
TABLE = Table(
    "sources",
    "src",
    COLUMNS,
    "Source",
    frozenset({"url", "title", "publisher", "published_on", "published_precision", "archived_url"}),
)


async def sole_source_counts(db: Executor, source_id: int) -> tuple[int, int]:
    """How many live statements, and how many live incidents, cite no live source but this."""
    others = (
        "NOT EXISTS (SELECT 1 FROM {link} o JOIN sources other ON other.id = o.source_id"
        " WHERE o.{owner} = {alias}.id AND o.source_id <> $1 AND other.deleted_at IS NULL)"
    )
    row = await db.fetchrow(
        "SELECT (SELECT count(*) FROM statement_sources ss JOIN statements s"
        f" ON s.id = ss.statement_id WHERE ss.source_id = $1 AND {soft_delete.STATEMENT} AND "
        + others.format(link="statement_sources", owner="statement_id", alias="s")
        + ") AS statements, (SELECT count(*) FROM incident_sources isrc JOIN incidents i"
        f" ON i.id = isrc.incident_id WHERE isrc.source_id = $1 AND {soft_delete.INCIDENT} AND "
        + others.format(link="incident_sources", owner="incident_id", alias="i")
        + ") AS incidents",
        source_id,
    )
    assert row is not None
    return int(row["statements"]), int(row["incidents"])
