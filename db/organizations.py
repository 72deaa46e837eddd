"""SQL for organizations: agencies, advocacy groups, news outlets."""

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
    "o.id, o.slug, o.name, o.abbreviation, o.kind, o.url, o.version, o.dataset_id,"
    " o.source_file, o.created_at, o.updated_at"
)
# Soft-deleted organizations are left out of every read.
LIVE = soft_delete.ORGANIZATION

ORDERINGS = {
    "name": Ordering("name", (("o.name", "text"), ("o.id", "bigint"))),
    "updated": Ordering("updated", (("o.updated_at", "timestamptz"), ("o.id", "bigint"))),
}
BY_NAME = ORDERINGS["name"]


@dataclass(frozen=True)
class OrganizationFilter:
    """Conditions on organizations."""

    kind: str | None = None
    name: str | None = None
    updated_since: datetime | None = None


def listing(f: OrganizationFilter) -> Listing:
    """The organizations that match `f`."""
    p = Params()
    where = [LIVE]
    if f.kind is not None:
        where.append(f"o.kind = {p.add(f.kind)}")
    if f.name is not None:
        where.append(
            "to_tsvector('simple', fold_text(o.name || ' ' || coalesce(o.abbreviation, '')))"
            f" @@ to_tsquery('simple', fold_text({p.add(prefix_query(f.name))}))"
        )
    if f.updated_since is not None:
        where.append(f"o.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "organizations o", tuple(where), tuple(p.values))


async def page(db: Executor, f: OrganizationFilter, order: str, window: Window) -> Page:
    """One page of organizations matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: OrganizationFilter) -> int:
    """How many organizations match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Organizations by row id."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM organizations o WHERE o.id = ANY($1) AND {LIVE}", ids
    )
    return {row["id"]: row for row in rows}


async def by_slugs(db: Executor, slugs: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Organizations by slug."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM organizations o WHERE o.slug = ANY($1) AND {LIVE}", slugs
    )
    return {row["slug"]: row for row in rows}


# Writes: the columns an editor sets.
TABLE = Table(
    "organizations",
    "o",
    COLUMNS,
    "Organization",
    frozenset({"slug", "name", "abbreviation", "kind", "url"}),
)


async def live_statement_count(db: Executor, organization_id: int) -> int:
    """How many statements that are not deleted the organization made."""
    return int(
        await db.fetchval(
            f"SELECT count(*) FROM statements s WHERE s.speaker_organization_id = $1"
            f" AND {soft_delete.STATEMENT}",
            organization_id,
        )
    )
