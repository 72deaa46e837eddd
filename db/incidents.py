"""SQL for incidents and what they link to: agencies, people, sources, statements, topics."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from db import bills as bill_sql
from db import organizations as organization_sql
from db import sources as source_sql
from db import statements as statement_sql
from db import topics as topic_sql
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
    "i.id, i.kind, i.occurred_on, i.occurred_precision, i.city, i.county, i.state, i.facility,"
    " i.latitude, i.longitude, i.outcome, i.description, i.external_key, i.version,"
    " i.dataset_id, i.source_file, i.created_at, i.updated_at"
)
# Soft-deleted incidents are left out of every read.
LIVE = "i.deleted_at IS NULL"

# Unknown dates sort last both ways. The stand-ins are -infinity and infinity, which asyncpg
# reads and writes as date.min and date.max, so that cursors holding them round-trip.
ORDERINGS = {
    "newest": Ordering(
        "newest",
        (("coalesce(i.occurred_on, '-infinity'::date)", "date"), ("i.id", "bigint")),
        descending=True,
    ),
    "oldest": Ordering(
        "oldest", (("coalesce(i.occurred_on, 'infinity'::date)", "date"), ("i.id", "bigint"))
    ),
    "updated": Ordering("updated", (("i.updated_at", "timestamptz"), ("i.id", "bigint"))),
}
NEWEST = ORDERINGS["newest"]

PERSON_COLUMNS = (
    "ip.id, ip.incident_id, ip.person_id, ip.role, ip.age, ip.sex, ip.nationality,"
    " ip.created_at, ip.updated_at"
)
# Victims first, then agents, then witnesses; by name within a role.
BY_ROLE = Ordering(
    "role",
    (
        ("CASE ip.role WHEN 'victim' THEN 1 WHEN 'agent' THEN 2 ELSE 3 END", "integer"),
        ("pe.name", "text"),
        ("ip.id", "bigint"),
    ),
)

# The words of an incident: its description and place, and the names of the people in it.
SEARCH_DOCUMENT = (
    "i.search || coalesce((SELECT to_tsvector('english', fold_text(string_agg(pe.name, ' ')))"
    " FROM incident_people ip JOIN people pe ON pe.id = ip.person_id"
    " WHERE ip.incident_id = i.id AND pe.deleted_at IS NULL), ''::tsvector)"
)


@dataclass(frozen=True)
class IncidentFilter:
    """Conditions on incidents."""

    occurred_start: date | None = None
    occurred_end: date | None = None
    state: str | None = None
    agency: str | None = None
    kind: str | None = None
    outcome: str | None = None
    topic: str | None = None
    search: str | None = None
    updated_since: datetime | None = None


def listing(f: IncidentFilter) -> Listing:
    """The incidents that match `f`."""
    p = Params()
    where = [LIVE]
    where += statement_sql.fuzzy_overlap(
        "i.occurred_on", "i.occurred_precision", f.occurred_start, f.occurred_end, p
    )
    if f.state is not None:
        where.append(f"i.state = {p.add(f.state)}")
    if f.agency is not None:
        where.append(
            "EXISTS (SELECT 1 FROM incident_agencies ia JOIN organizations o"
            " ON o.id = ia.organization_id"
            f" WHERE ia.incident_id = i.id AND o.slug = {p.add(f.agency)}"
            f" AND {organization_sql.LIVE})"
        )
    if f.kind is not None:
        where.append(f"i.kind = {p.add(f.kind)}")
    if f.outcome is not None:
        where.append(f"fold_text(i.outcome) = fold_text({p.add(f.outcome)})")
    if f.topic is not None:
        where.append(
            "EXISTS (SELECT 1 FROM incident_topics it JOIN topics tp ON tp.id = it.topic_id"
            f" WHERE it.incident_id = i.id AND tp.slug = {p.add(f.topic)} AND {topic_sql.LIVE})"
        )
    if f.search is not None:
        where.append(
            f"({SEARCH_DOCUMENT}) @@ websearch_to_tsquery('english', fold_text({p.add(f.search)}))"
        )
    if f.updated_since is not None:
        where.append(f"i.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "incidents i", tuple(where), tuple(p.values))


async def page(db: Executor, f: IncidentFilter, order: str, window: Window) -> Page:
    """One page of incidents matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: IncidentFilter) -> int:
    """How many incidents match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Incidents by row id."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM incidents i WHERE i.id = ANY($1) AND {LIVE}", ids)
    return {row["id"]: row for row in rows}


async def by_external_keys(db: Executor, keys: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Incidents by the key their dataset gives them."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM incidents i WHERE i.external_key = ANY($1) AND {LIVE}", keys
    )
    return {row["external_key"]: row for row in rows}


def agencies_listing() -> Listing:
    """Agencies with the incidents they were involved in."""
    return Listing(
        organization_sql.COLUMNS,
        "incident_agencies ia JOIN organizations o ON o.id = ia.organization_id",
        (organization_sql.LIVE,),
    )


async def agency_pages(
    db: Executor, incident_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of each incident's agencies, by name."""
    return await fetch_pages_by_parent(
        db,
        agencies_listing(),
        ("ia.incident_id", "bigint"),
        incident_ids,
        organization_sql.BY_NAME,
        window,
    )


async def agency_counts(db: Executor, incident_ids: Sequence[int]) -> dict[int, int]:
    """How many agencies each incident involved."""
    return await count_by_parent(db, agencies_listing(), ("ia.incident_id", "bigint"), incident_ids)


PEOPLE = Listing(
    PERSON_COLUMNS,
    "incident_people ip JOIN people pe ON pe.id = ip.person_id",
    ("pe.deleted_at IS NULL",),
)


async def person_pages(
    db: Executor, incident_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of the people in each incident, victims first."""
    return await fetch_pages_by_parent(
        db, PEOPLE, ("ip.incident_id", "bigint"), incident_ids, BY_ROLE, window
    )


async def person_counts(db: Executor, incident_ids: Sequence[int]) -> dict[int, int]:
    """How many people each incident involved."""
    return await count_by_parent(db, PEOPLE, ("ip.incident_id", "bigint"), incident_ids)


def sources_listing() -> Listing:
    """Sources with the incidents they back."""
    return Listing(
        source_sql.COLUMNS,
        "incident_sources isrc JOIN sources src ON src.id = isrc.source_id",
        (source_sql.LIVE,),
    )


async def source_pages(
    db: Executor, incident_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of each incident's sources, newest first."""
    return await fetch_pages_by_parent(
        db,
        sources_listing(),
        ("isrc.incident_id", "bigint"),
        incident_ids,
        source_sql.NEWEST,
        window,
    )


async def source_counts(db: Executor, incident_ids: Sequence[int]) -> dict[int, int]:
    """How many sources each incident cites."""
    return await count_by_parent(
        db, sources_listing(), ("isrc.incident_id", "bigint"), incident_ids
    )


def statements_listing() -> Listing:
    """Statements with the incidents they are about."""
    return Listing(
        statement_sql.COLUMNS,
        "statement_incidents si JOIN statements s ON s.id = si.statement_id",
        (statement_sql.LIVE,),
    )


async def statement_pages(
    db: Executor, incident_ids: Sequence[int], window: Window
) -> dict[int, Page]:
    """A page of the statements about each incident, newest first."""
    return await fetch_pages_by_parent(
        db,
        statements_listing(),
        ("si.incident_id", "bigint"),
        incident_ids,
        statement_sql.NEWEST,
        window,
    )


async def statement_counts(db: Executor, incident_ids: Sequence[int]) -> dict[int, int]:
    """How many statements are about each incident."""
    return await count_by_parent(
        db, statements_listing(), ("si.incident_id", "bigint"), incident_ids
    )


def topics_listing() -> Listing:
    """Topics with their incidents."""
    return Listing(
        topic_sql.COLUMNS,
        "incident_topics it JOIN topics tp ON tp.id = it.topic_id",
        (topic_sql.LIVE,),
    )


async def topic_pages(db: Executor, incident_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of each incident's topics, by name."""
    return await fetch_pages_by_parent(
        db, topics_listing(), ("it.incident_id", "bigint"), incident_ids, topic_sql.BY_NAME, window
    )


async def topic_counts(db: Executor, incident_ids: Sequence[int]) -> dict[int, int]:
    """How many topics each incident is filed under."""
    return await count_by_parent(db, topics_listing(), ("it.incident_id", "bigint"), incident_ids)


def bills_listing() -> Listing:
    """Bills with the incidents they respond to."""
    return Listing(bill_sql.COLUMNS, "incident_bills ib JOIN bills b ON b.id = ib.bill_id")


async def bill_pages(db: Executor, incident_ids: Sequence[int], window: Window) -> dict[int, Page]:
    """A page of the bills linked to each incident, newest introduced first."""
    return await fetch_pages_by_parent(
        db,
        bills_listing(),
        ("ib.incident_id", "bigint"),
        incident_ids,
        bill_sql.ORDERINGS["introduced_desc"],
        window,
    )


async def bill_counts(db: Executor, incident_ids: Sequence[int]) -> dict[int, int]:
    """How many bills are linked to each incident."""
    return await count_by_parent(db, bills_listing(), ("ib.incident_id", "bigint"), incident_ids)


# Writes: the columns an editor sets, and the links an incident owns.
TABLE = Table(
    "incidents",
    "i",
    COLUMNS,
    "Incident",
    frozenset(
        {
            "kind",
            "occurred_on",
            "occurred_precision",
            "city",
            "county",
            "state",
            "facility",
            "latitude",
            "longitude",
            "outcome",
            "description",
        }
    ),
)
LINKS = {
    "Bill": Link("incident_bills", "incident_id", "bill_id", "bills", False),
    "Topic": Link("incident_topics", "incident_id", "topic_id", "topics", True),
    "Source": Link("incident_sources", "incident_id", "source_id", "sources", True),
}


async def live_source_count(db: Executor, incident_id: int) -> int:
    """How many sources that are not deleted the incident cites."""
    return int(
        await db.fetchval(
            "SELECT count(*) FROM incident_sources isrc JOIN sources src"
            f" ON src.id = isrc.source_id WHERE isrc.incident_id = $1 AND {source_sql.LIVE}",
            incident_id,
        )
    )
