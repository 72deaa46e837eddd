"""SQL for public statements and what they link to: sources, incidents, topics.

A statement's speaker is a legislator, a person or an organization, or only a bioguide id
when the legislator is not in the data; such a statement still belongs to the legislator
with that bioguide id once one is loaded.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from db import soft_delete
from db.editing import Link, Table
from db.fuzzy_dates import fuzzy_overlap
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
    "s.id, s.speaker_legislator_id, s.speaker_person_id, s.speaker_organization_id,"
    " s.speaker_bioguide_id, s.said_on, s.said_on_precision, s.quote, s.context, s.medium,"
    " s.external_key, s.version, s.dataset_id, s.source_file, s.created_at, s.updated_at"
)
# Soft-deleted statements are left out of every read.
LIVE = soft_delete.STATEMENT

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
            f" AND {soft_delete.INCIDENT})"
        )
    if f.topic is not None:
        where.append(
            "EXISTS (SELECT 1 FROM statement_topics st JOIN topics tp ON tp.id = st.topic_id"
            f" WHERE st.statement_id = s.id AND tp.slug = {p.add(f.topic)} AND {soft_delete.TOPIC})"
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
            f" WHERE ss.statement_id = $1 AND {soft_delete.SOURCE}",
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
