"""SQL for incidents and what they link to: agencies, people, sources, statements, topics."""

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
    "i.id, i.kind, i.occurred_on, i.occurred_precision, i.city, i.county, i.state, i.facility,"
    " i.latitude, i.longitude, i.outcome, i.description, i.external_key, i.version,"
    " i.dataset_id, i.source_file, i.created_at, i.updated_at"
)
# Soft-deleted incidents are left out of every read.
LIVE = soft_delete.INCIDENT

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
    where += fuzzy_overlap(
        "i.occurred_on", "i.occurred_precision", f.occurred_start, f.occurred_end, p
    )
    if f.state is not None:
        where.append(f"i.state = {p.add(f.state)}")
    if f.agency is not None:
        where.append(
            "EXISTS (SELECT 1 FROM incident_agencies ia JOIN organizations o"
            " ON o.id = ia.organization_id"
            f" WHERE ia.incident_id = i.id AND o.slug = {p.add(f.agency)}"
            f" AND {soft_delete.ORGANIZATION})"
        )
    if f.kind is not None:
        where.append(f"i.kind = {p.add(f.kind)}")
    if f.outcome is not None:
        where.append(f"fold_text(i.outcome) = fold_text({p.add(f.outcome)})")
    if f.topic is not None:
        where.append(
            "EXISTS (SELECT 1 FROM incident_topics it JOIN topics tp ON tp.id = it.topic_id"
            f" WHERE it.incident_id = i.id AND tp.slug = {p.add(f.topic)} AND {soft_delete.TOPIC})"
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


PEOPLE = Listing(
    PERSON_COLUMNS,
    "incident_people ip JOIN people pe ON pe.id = ip.person_id",
    ("pe.deleted_at IS NULL",),
)


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
            f" ON src.id = isrc.source_id WHERE isrc.incident_id = $1 AND {soft_delete.SOURCE}",
            incident_id,
        )
    )
