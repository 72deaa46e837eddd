"""SQL for topics and the bills, votes, statements and incidents filed under them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from db import soft_delete
from db.editing import Link, Table
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

COLUMNS = "tp.id, tp.slug, tp.name, tp.description, tp.version, tp.created_at, tp.updated_at"
# Soft-deleted topics are left out of every read.
LIVE = soft_delete.TOPIC

ORDERINGS = {
    "name": Ordering("name", (("tp.name", "text"), ("tp.id", "bigint"))),
    "updated": Ordering("updated", (("tp.updated_at", "timestamptz"), ("tp.id", "bigint"))),
}
BY_NAME = ORDERINGS["name"]


@dataclass(frozen=True)
class TopicFilter:
    """Conditions on topics."""

    name: str | None = None
    updated_since: datetime | None = None


def listing(f: TopicFilter) -> Listing:
    """The topics that match `f`."""
    p = Params()
    where = [LIVE]
    if f.name is not None:
        where.append(
            "to_tsvector('simple', fold_text(tp.name))"
            f" @@ to_tsquery('simple', fold_text({p.add(prefix_query(f.name))}))"
        )
    if f.updated_since is not None:
        where.append(f"tp.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "topics tp", tuple(where), tuple(p.values))


async def page(db: Executor, f: TopicFilter, order: str, window: Window) -> Page:
    """One page of topics matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: TopicFilter) -> int:
    """How many topics match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Topics by row id."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM topics tp WHERE tp.id = ANY($1) AND {LIVE}", ids)
    return {row["id"]: row for row in rows}


async def by_slugs(db: Executor, slugs: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Topics by slug."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM topics tp WHERE tp.slug = ANY($1) AND {LIVE}", slugs
    )
    return {row["slug"]: row for row in rows}


# Writes: the columns an editor sets, and the links a topic owns (bills and votes, which
# editors cannot change themselves, are filed under topics from the topic's side).
TABLE = Table("topics", "tp", COLUMNS, "Topic", frozenset({"slug", "name", "description"}))
LINKS = {
    "Bill": Link("bill_topics", "topic_id", "bill_id", "bills", False),
    "Vote": Link("vote_topics", "topic_id", "vote_id", "votes", False),
}
