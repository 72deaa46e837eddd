"""SQL for sources: the documents that back statements and incidents."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from db import incidents as incident_sql
from db import statements as statement_sql
from db.editing import Table
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
    "src.id, src.url, src.title, src.publisher, src.published_on, src.published_precision,"
    " src.archived_url, src.retrieved_at, src.dataset_id, src.source_file, src.version,"
    " src.created_at, src.updated_at"
)
# Soft-deleted sources are left out of every read.
LIVE = "src.deleted_at IS NULL"

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


def statements_listing() -> Listing:
    """Statements with the sources that back them."""
    return Listing(
        statement_sql.COLUMNS,
        "statement_sources ss JOIN statements s ON s.id = ss.statement_id",
        (statement_sql.LIVE,),
    )


async def statement_pages(
    db: Executor, source_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of the statements each source backs, newest first."""
    return await fetch_pages_by_parent(
        db,
        statements_listing(),
        ("ss.source_id", "bigint"),
        source_ids,
        statement_sql.NEWEST,
        window,
    )


async def statement_counts(db: Executor, source_ids: Sequence[int]) -> dict[int, int]:
    """How many statements each source backs."""
    return await count_by_parent(db, statements_listing(), ("ss.source_id", "bigint"), source_ids)


def incidents_listing() -> Listing:
    """Incidents with the sources that back them."""
    return Listing(
        incident_sql.COLUMNS,
        "incident_sources isrc JOIN incidents i ON i.id = isrc.incident_id",
        (incident_sql.LIVE,),
    )


async def incident_pages(
    db: Executor, source_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of the incidents each source backs, newest first."""
    return await fetch_pages_by_parent(
        db,
        incidents_listing(),
        ("isrc.source_id", "bigint"),
        source_ids,
        incident_sql.NEWEST,
        window,
    )


async def incident_counts(db: Executor, source_ids: Sequence[int]) -> dict[int, int]:
    """How many incidents each source backs."""
    return await count_by_parent(db, incidents_listing(), ("isrc.source_id", "bigint"), source_ids)


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
        f" ON s.id = ss.statement_id WHERE ss.source_id = $1 AND {statement_sql.LIVE} AND "
        + others.format(link="statement_sources", owner="statement_id", alias="s")
        + ") AS statements, (SELECT count(*) FROM incident_sources isrc JOIN incidents i"
        f" ON i.id = isrc.incident_id WHERE isrc.source_id = $1 AND {incident_sql.LIVE} AND "
        + others.format(link="incident_sources", owner="incident_id", alias="i")
        + ") AS incidents",
        source_id,
    )
    assert row is not None
    return int(row["statements"]), int(row["incidents"])
