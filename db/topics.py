"""SQL for topics and the bills, votes, statements and incidents filed under them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from db import bills as bill_sql
from db import incidents as incident_sql
from db import statements as statement_sql
from db import votes as vote_sql
from db.editing import Link, Table
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

COLUMNS = "tp.id, tp.slug, tp.name, tp.description, tp.version, tp.created_at, tp.updated_at"
# Soft-deleted topics are left out of every read.
LIVE = "tp.deleted_at IS NULL"

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


def statements_listing() -> Listing:
    """Statements with their topics."""
    return Listing(
        statement_sql.COLUMNS,
        "statement_topics st JOIN statements s ON s.id = st.statement_id",
        (statement_sql.LIVE,),
    )


async def statement_pages(
    db: Executor, topic_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of each topic's statements, newest first."""
    return await fetch_pages_by_parent(
        db, statements_listing(), ("st.topic_id", "bigint"), topic_ids, statement_sql.NEWEST, window
    )


async def statement_counts(db: Executor, topic_ids: Sequence[int]) -> dict[int, int]:
    """How many statements each topic has."""
    return await count_by_parent(db, statements_listing(), ("st.topic_id", "bigint"), topic_ids)


def incidents_listing() -> Listing:
    """Incidents with their topics."""
    return Listing(
        incident_sql.COLUMNS,
        "incident_topics it JOIN incidents i ON i.id = it.incident_id",
        (incident_sql.LIVE,),
    )


async def incident_pages(db: Executor, topic_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of each topic's incidents, newest first."""
    return await fetch_pages_by_parent(
        db, incidents_listing(), ("it.topic_id", "bigint"), topic_ids, incident_sql.NEWEST, window
    )


async def incident_counts(db: Executor, topic_ids: Sequence[int]) -> dict[int, int]:
    """How many incidents each topic has."""
    return await count_by_parent(db, incidents_listing(), ("it.topic_id", "bigint"), topic_ids)


def bills_listing() -> Listing:
    """Bills with their topics."""
    return Listing(bill_sql.COLUMNS, "bill_topics bt JOIN bills b ON b.id = bt.bill_id")


async def bill_pages(db: Executor, topic_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of each topic's bills, newest introduced first."""
    return await fetch_pages_by_parent(
        db,
        bills_listing(),
        ("bt.topic_id", "bigint"),
        topic_ids,
        bill_sql.ORDERINGS["introduced_desc"],
        window,
    )


async def bill_counts(db: Executor, topic_ids: Sequence[int]) -> dict[int, int]:
    """How many bills each topic has."""
    return await count_by_parent(db, bills_listing(), ("bt.topic_id", "bigint"), topic_ids)


def votes_listing() -> Listing:
    """Roll-call votes with their topics."""
    return Listing(vote_sql.COLUMNS, "vote_topics vt JOIN votes v ON v.id = vt.vote_id")


async def vote_pages(db: Executor, topic_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of each topic's votes, newest first."""
    return await fetch_pages_by_parent(
        db,
        votes_listing(),
        ("vt.topic_id", "bigint"),
        topic_ids,
        vote_sql.ORDERINGS["date_desc"],
        window,
    )


async def vote_counts(db: Executor, topic_ids: Sequence[int]) -> dict[int, int]:
    """How many votes each topic has."""
    return await count_by_parent(db, votes_listing(), ("vt.topic_id", "bigint"), topic_ids)


# Writes: the columns an editor sets, and the links a topic owns (bills and votes, which
# editors cannot change themselves, are filed under topics from the topic's side).
TABLE = Table("topics", "tp", COLUMNS, "Topic", frozenset({"slug", "name", "description"}))
LINKS = {
    "Bill": Link("bill_topics", "topic_id", "bill_id", "bills", False),
    "Vote": Link("vote_topics", "topic_id", "vote_id", "votes", False),
}
