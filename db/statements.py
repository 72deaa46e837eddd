"""SQL for public statements and what they link to: sources, incidents, topics.

A statement's speaker is a legislator, a person or an organization, or only a bioguide id
when the legislator is not in the data; such a statement still belongs to the legislator
with that bioguide id once one is loaded.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from db import bills as bill_sql
from db import incidents as incident_sql
from db import sources as source_sql
from db import topics as topic_sql
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

COLUMNS = (
    "s.id, s.speaker_legislator_id, s.speaker_person_id, s.speaker_organization_id,"
    " s.speaker_bioguide_id, s.said_on, s.said_on_precision, s.quote, s.context, s.medium,"
    " s.external_key, s.version, s.dataset_id, s.source_file, s.created_at, s.updated_at"
)
# Soft-deleted statements are left out of every read.
LIVE = "s.deleted_at IS NULL"

# Unknown dates sort last both ways. The stand-ins are -infinity and infinity, which asyncpg
# reads and writes as date.min and date.max, so that cursors holding them round-trip.
ORDERINGS = {
    "newest": Ordering(
        "newest",
        (("coalesce(s.said_on, '-infinity'::date)", "date"), ("s.id", "bigint")),
        descending=True,
    ),
    "oldest": Ordering(
        "oldest", (("coalesce(s.said_on, 'infinity'::date)", "date"), ("s.id", "bigint"))
    ),
    "updated": Ordering("updated", (("s.updated_at", "timestamptz"), ("s.id", "bigint"))),
}
NEWEST = ORDERINGS["newest"]


def fuzzy_overlap(
    column: str, precision: str, start: date | None, end: date | None, p: Params
) -> list[str]:
    """Conditions: the day, month or year that `column` stands for overlaps [start, end].

    A date of unknown precision matches no range.
    """
    where = []
    if start is not None or end is not None:
        where.append(f"{precision} <> 'unknown'")
    if start is not None:
        where.append(
            f"(date_trunc({precision}::text, {column}::timestamp)"
            f" + ('1 ' || {precision}::text)::interval - interval '1 day')::date"
            f" >= {p.add(start)}::date"
        )
    if end is not None:
        where.append(
            f"date_trunc({precision}::text, {column}::timestamp)::date <= {p.add(end)}::date"
        )
    return where


@dataclass(frozen=True)
class StatementFilter:
    """Conditions on statements. At most one speaker condition is set."""

    legislator_id: int | None = None
    person_id: int | None = None
    organization_id: int | None = None
    bioguide_id: str | None = None
    said_start: date | None = None
    said_end: date | None = None
    medium: str | None = None
    bill_id: str | None = None
    incident_id: int | None = None
    topic: str | None = None
    search: str | None = None
    updated_since: datetime | None = None


def listing(f: StatementFilter) -> Listing:
    """The statements that match `f`."""
    p = Params()
    where = [LIVE]
    if f.legislator_id is not None:
        n = p.add(f.legislator_id)
        where.append(
            f"s.speaker_legislator_id = {n} OR (s.speaker_legislator_id IS NULL AND"
            f" s.speaker_bioguide_id = (SELECT l.bioguide_id FROM legislators l WHERE l.id = {n}))"
        )
    if f.bioguide_id is not None:
        n = p.add(f.bioguide_id)
        where.append(
            f"s.speaker_bioguide_id = {n} OR s.speaker_legislator_id ="
            f" (SELECT l.id FROM legislators l WHERE l.bioguide_id = {n})"
        )
    if f.person_id is not None:
        where.append(f"s.speaker_person_id = {p.add(f.person_id)}")
    if f.organization_id is not None:
        where.append(f"s.speaker_organization_id = {p.add(f.organization_id)}")
    where += fuzzy_overlap("s.said_on", "s.said_on_precision", f.said_start, f.said_end, p)
    if f.medium is not None:
        where.append(f"s.medium = {p.add(f.medium)}")
    if f.bill_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM statement_bills sb JOIN bills b ON b.id = sb.bill_id"
            f" WHERE sb.statement_id = s.id AND b.bill_id = {p.add(f.bill_id)})"
        )
    if f.incident_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM statement_incidents si JOIN incidents i ON i.id = si.incident_id"
            f" WHERE si.statement_id = s.id AND si.incident_id = {p.add(f.incident_id)}"
            f" AND {incident_sql.LIVE})"
        )
    if f.topic is not None:
        where.append(
            "EXISTS (SELECT 1 FROM statement_topics st JOIN topics tp ON tp.id = st.topic_id"
            f" WHERE st.statement_id = s.id AND tp.slug = {p.add(f.topic)} AND {topic_sql.LIVE})"
        )
    if f.search is not None:
        where.append(f"s.search @@ websearch_to_tsquery('english', fold_text({p.add(f.search)}))")
    if f.updated_since is not None:
        where.append(f"s.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "statements s", tuple(where), tuple(p.values))


async def page(db: Executor, f: StatementFilter, order: str, window: Window) -> Page:
    """One page of statements matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: StatementFilter) -> int:
    """How many statements match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Statements by row id."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM statements s WHERE s.id = ANY($1) AND {LIVE}", ids
    )
    return {row["id"]: row for row in rows}


async def by_external_keys(db: Executor, keys: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Statements by the key their curated file gives them."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM statements s WHERE s.external_key = ANY($1) AND {LIVE}", keys
    )
    return {row["external_key"]: row for row in rows}


# For `Legislator.statements` (wired by the legislators modules): a statement belongs to the
# legislator it names, or, when it names only a bioguide id, to the legislator with that id.
BY_LEGISLATOR = Listing(
    COLUMNS,
    "statements s LEFT JOIN legislators sl"
    " ON s.speaker_legislator_id IS NULL AND sl.bioguide_id = s.speaker_bioguide_id",
    (LIVE,),
)
LEGISLATOR_KEY = ("coalesce(s.speaker_legislator_id, sl.id)", "bigint")


async def legislator_pages(
    db: Executor, legislator_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of each legislator's statements, newest first."""
    return await fetch_pages_by_parent(
        db, BY_LEGISLATOR, LEGISLATOR_KEY, legislator_ids, NEWEST, window
    )


async def legislator_counts(db: Executor, legislator_ids: Sequence[int]) -> dict[int, int]:
    """How many statements each legislator made."""
    return await count_by_parent(db, BY_LEGISLATOR, LEGISLATOR_KEY, legislator_ids)


def sources_listing() -> Listing:
    """Sources with the statements they back."""
    return Listing(
        source_sql.COLUMNS,
        "statement_sources ss JOIN sources src ON src.id = ss.source_id",
        (source_sql.LIVE,),
    )


async def source_pages(
    db: Executor, statement_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of each statement's sources, newest first."""
    return await fetch_pages_by_parent(
        db,
        sources_listing(),
        ("ss.statement_id", "bigint"),
        statement_ids,
        source_sql.NEWEST,
        window,
    )


async def source_counts(db: Executor, statement_ids: Sequence[int]) -> dict[int, int]:
    """How many sources each statement cites."""
    return await count_by_parent(
        db, sources_listing(), ("ss.statement_id", "bigint"), statement_ids
    )


def incidents_listing() -> Listing:
    """Incidents with the statements about them."""
    return Listing(
        incident_sql.COLUMNS,
        "statement_incidents si JOIN incidents i ON i.id = si.incident_id",
        (incident_sql.LIVE,),
    )


async def incident_pages(
    db: Executor, statement_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of the incidents each statement is about, newest first."""
    return await fetch_pages_by_parent(
        db,
        incidents_listing(),
        ("si.statement_id", "bigint"),
        statement_ids,
        incident_sql.NEWEST,
        window,
    )


async def incident_counts(db: Executor, statement_ids: Sequence[int]) -> dict[int, int]:
    """How many incidents each statement is about."""
    return await count_by_parent(
        db, incidents_listing(), ("si.statement_id", "bigint"), statement_ids
    )


def topics_listing() -> Listing:
    """Topics with their statements."""
    return Listing(
        topic_sql.COLUMNS,
        "statement_topics st JOIN topics tp ON tp.id = st.topic_id",
        (topic_sql.LIVE,),
    )


async def topic_pages(
    db: Executor, statement_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of each statement's topics, by name."""
    return await fetch_pages_by_parent(
        db,
        topics_listing(),
        ("st.statement_id", "bigint"),
        statement_ids,
        topic_sql.BY_NAME,
        window,
    )


async def topic_counts(db: Executor, statement_ids: Sequence[int]) -> dict[int, int]:
    """How many topics each statement is filed under."""
    return await count_by_parent(db, topics_listing(), ("st.statement_id", "bigint"), statement_ids)


def bills_listing() -> Listing:
    """Bills with the statements about them."""
    return Listing(bill_sql.COLUMNS, "statement_bills sb JOIN bills b ON b.id = sb.bill_id")


async def bill_pages(db: Executor, statement_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of the bills each statement is about, newest introduced first."""
    return await fetch_pages_by_parent(
        db,
        bills_listing(),
        ("sb.statement_id", "bigint"),
        statement_ids,
        bill_sql.ORDERINGS["introduced_desc"],
        window,
    )


async def bill_counts(db: Executor, statement_ids: Sequence[int]) -> dict[int, int]:
    """How many bills each statement is about."""
    return await count_by_parent(db, bills_listing(), ("sb.statement_id", "bigint"), statement_ids)


def votes_listing() -> Listing:
    """Roll-call votes with the statements about them."""
    return Listing(vote_sql.COLUMNS, "statement_votes sv JOIN votes v ON v.id = sv.vote_id")


async def vote_pages(db: Executor, statement_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of the votes each statement is about, newest first."""
    return await fetch_pages_by_parent(
        db,
        votes_listing(),
        ("sv.statement_id", "bigint"),
        statement_ids,
        vote_sql.ORDERINGS["date_desc"],
        window,
    )


async def vote_counts(db: Executor, statement_ids: Sequence[int]) -> dict[int, int]:
    """How many votes each statement is about."""
    return await count_by_parent(db, votes_listing(), ("sv.statement_id", "bigint"), statement_ids)


# Writes: the columns an editor sets, and the links a statement owns.
TABLE = Table(
    "statements",
    "s",
    COLUMNS,
    "Statement",
    frozenset(
        {
            "speaker_legislator_id",
            "speaker_person_id",
            "speaker_organization_id",
            "speaker_bioguide_id",
            "said_on",
            "said_on_precision",
            "quote",
            "context",
            "medium",
        }
    ),
)
LINKS = {
    "Bill": Link("statement_bills", "statement_id", "bill_id", "bills", False),
    "Vote": Link("statement_votes", "statement_id", "vote_id", "votes", False),
    "Incident": Link("statement_incidents", "statement_id", "incident_id", "incidents", True),
    "Topic": Link("statement_topics", "statement_id", "topic_id", "topics", True),
    "Source": Link("statement_sources", "statement_id", "source_id", "sources", True),
}


async def live_source_count(db: Executor, statement_id: int) -> int:
    """How many sources that are not deleted the statement cites."""
    return int(
        await db.fetchval(
            "SELECT count(*) FROM statement_sources ss JOIN sources src ON src.id = ss.source_id"
            f" WHERE ss.statement_id = $1 AND {source_sql.LIVE}",
            statement_id,
        )
    )


async def legislator_bioguide(db: Executor, legislator_id: int) -> str | None:
    """The bioguide id of the legislator with row id `legislator_id`, or None."""
    found = await db.fetchval("SELECT bioguide_id FROM legislators WHERE id = $1", legislator_id)
    return str(found) if found is not None else None


async def legislator_by_bioguide(db: Executor, bioguide_id: str) -> int | None:
    """The row id of the legislator with `bioguide_id`, or None when not in the data."""
    found = await db.fetchval("SELECT id FROM legislators WHERE bioguide_id = $1", bioguide_id)
    return int(found) if found is not None else None
