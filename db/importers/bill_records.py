"""One bill as both bill importers read it, and the bulk write of it and its child rows.

Every child table is replaced by what the file says: rows the file no longer has are removed,
unchanged rows are left alone. Links to legislators, committees, other bills and votes are
resolved to row ids where those rows exist; the raw keys are always kept.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from db.importers.bulk import Counts, Summary, remove_missing, upsert
from db.importers.values import bill_key

BILL_COLUMNS = [
    "congress",
    "bill_type",
    "number",
    "official_title",
    "short_title",
    "popular_title",
    "introduced_date",
    "origin_chamber",
    "policy_area",
    "status",
    "status_date",
    "latest_action_date",
    "latest_action_text",
    "sponsor_id",
    "sponsor_bioguide_id",
    "url",
    "dataset_id",
    "source_file",
]

# Why both importers read, and do not store, a sponsor's or cosponsor's printed details and a
# committee's name: the bill links to the legislator by bioguide id and to the committee by
# its code, and those records hold them (an id not yet known is counted `unresolved`).
MEMBER_DETAILS = "the member's printed name, title, party, state and district"
OTHER_MEMBER_IDS = "the member's LIS and GPO ids"
COMMITTEE_DETAILS = "the committee's name, chamber and type"


@dataclass
class Action:
    """One action, in chronological order."""

    acted_on: date
    acted_at: datetime | None
    text: str
    action_type: str | None
    action_code: str | None
    chamber: str | None
    committee_code: str | None


@dataclass
class Cosponsor:
    """One cosponsorship, by bioguide id."""

    bioguide_id: str
    sponsored_on: date | None
    is_original: bool
    withdrawn_on: date | None


@dataclass
class BillRecord:
    """Everything the importers store about one bill."""

    congress: int
    bill_type: str
    number: int
    official_title: str | None = None
    short_title: str | None = None
    popular_title: str | None = None
    introduced_date: date | None = None
    origin_chamber: str | None = None
    policy_area: str | None = None
    status: str | None = None
    status_date: date | None = None
    latest_action_date: date | None = None
    latest_action_text: str | None = None
    sponsor_bioguide_id: str | None = None
    url: str | None = None
    # (title type, title, as of)
    titles: list[tuple[str, str, str | None]] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    # (version code, action date, action description, text)
    summaries: list[tuple[str, date | None, str | None, str]] = field(default_factory=list)
    # (version type, version date, url)
    text_versions: list[tuple[str, date, str | None]] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    cosponsors: list[Cosponsor] = field(default_factory=list)
    # committee thomas code -> activity
    committees: dict[str, str | None] = field(default_factory=dict)
    # related bill key -> relationship
    related: dict[str, str | None] = field(default_factory=dict)

    @property
    def bill_id(self) -> str:
        """The natural id, e.g. `hr1470-117`."""
        return bill_key(self.bill_type, self.number, self.congress)


def committee_code(system_code: str | None) -> str | None:
    """The committees.thomas_id for a Congress.gov system code: hsju00 -> HSJU, hsju08 -> HSJU08."""
    if not system_code or len(system_code) != 6:
        return None
    code = system_code.upper()
    return code[:4] if code.endswith("00") else code


def chamber_of_code(code: str | None) -> str | None:
    """The chamber an action code belongs to, where it is clear; None for the President's.

    Library of Congress codes 1000-9999 are House actions and 10000-19999 Senate actions;
    House floor codes start with H; E codes and 28000+ are the President's.
    """
    if not code:
        return None
    if code.isdigit():
        number = int(code)
        return "house" if number < 10000 else "senate" if number < 20000 else None
    if code.startswith("H") or code == "Intro-H":
        return "house"
    if code == "Intro-S":
        return "senate"
    return None


def unique_by(rows: Sequence[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    """`rows` without the later repeats of the same first `width` values."""
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for row in rows:
        if row[:width] not in seen:
            seen.add(row[:width])
            kept.append(row)
    return kept


def pick_cosponsors(cosponsors: list[Cosponsor]) -> list[Cosponsor]:
    """One entry per member: a current cosponsorship beats a withdrawn one, then the latest."""
    best: dict[str, Cosponsor] = {}
    for c in cosponsors:
        held = best.get(c.bioguide_id)
        rank = (c.withdrawn_on is None, c.sponsored_on or date.min)
        if held is None or rank > (held.withdrawn_on is None, held.sponsored_on or date.min):
            best[c.bioguide_id] = c
    return list(best.values())


async def _ids(conn: asyncpg.Connection, sql: str, keys: Sequence[str]) -> dict[str, int]:
    if not keys:
        return {}
    return {r[0]: r[1] for r in await conn.fetch(sql, list(keys))}


async def _replace(
    conn: asyncpg.Connection,
    summary: Summary,
    table: str,
    columns: list[str],
    rows: list[tuple[Any, ...]],
    key: list[str],
    bill_pk: int,
) -> Counts:
    counts, _ = await upsert(conn, table, columns, rows, key)
    counts.removed = await remove_missing(
        conn, table, "bill_id", [bill_pk], key, [row[: len(key)] for row in rows]
    )
    summary[table].add(counts)
    return counts


async def write_bill(
    conn: asyncpg.Connection, bill: BillRecord, dataset_id: int, origin: str
) -> Summary:
    """Upsert `bill` (read from the file named `origin`) and replace its child rows; link it
    to what already exists."""
    summary = Summary()
    members = await _ids(
        conn,
        "SELECT bioguide_id, id FROM legislators WHERE bioguide_id = ANY($1)",
        [c.bioguide_id for c in bill.cosponsors]
        + ([bill.sponsor_bioguide_id] if bill.sponsor_bioguide_id else []),
    )
    codes = set(bill.committees) | {a.committee_code for a in bill.actions if a.committee_code}
    committees = await _ids(
        conn, "SELECT thomas_id, id FROM committees WHERE thomas_id = ANY($1)", sorted(codes)
    )
    related = await _ids(
        conn, "SELECT bill_id, id FROM bills WHERE bill_id = ANY($1)", sorted(bill.related)
    )
    sponsor_id = members.get(bill.sponsor_bioguide_id or "")
    counts, ids = await upsert(
        conn,
        "bills",
        BILL_COLUMNS,
        [
            (
                bill.congress,
                bill.bill_type,
                bill.number,
                bill.official_title,
                bill.short_title,
                bill.popular_title,
                bill.introduced_date,
                bill.origin_chamber,
                bill.policy_area,
                bill.status,
                bill.status_date,
                bill.latest_action_date,
                bill.latest_action_text,
                sponsor_id,
                bill.sponsor_bioguide_id,
                bill.url,
                dataset_id,
                origin,
            )
        ],
        ["congress", "bill_type", "number"],
    )
    counts.unresolved = int(bill.sponsor_bioguide_id is not None and sponsor_id is None)
    summary["bills"].add(counts)
    pk = ids[(bill.congress, bill.bill_type, bill.number)]

    await _replace(
        conn,
        summary,
        "bill_titles",
        ["bill_id", "title_type", "title", "as_of"],
        unique_by([(pk, *t) for t in bill.titles], 3),
        ["bill_id", "title_type", "title"],
        pk,
    )
    await _replace(
        conn,
        summary,
        "bill_subjects",
        ["bill_id", "subject"],
        unique_by([(pk, s) for s in bill.subjects], 2),
        ["bill_id", "subject"],
        pk,
    )
    await _replace(
        conn,
        summary,
        "bill_summaries",
        ["bill_id", "version_code", "action_date", "action_desc", "text"],
        unique_by([(pk, *s) for s in bill.summaries], 2),
        ["bill_id", "version_code"],
        pk,
    )
    await _replace(
        conn,
        summary,
        "bill_text_versions",
        ["bill_id", "version_type", "version_date", "url"],
        unique_by([(pk, *v) for v in bill.text_versions], 3),
        ["bill_id", "version_type", "version_date"],
        pk,
    )
    action_rows = [
        (
            pk,
            position,
            a.acted_on,
            a.acted_at,
            a.text,
            a.action_type,
            a.action_code,
            a.chamber,
            committees.get(a.committee_code or ""),
        )
        for position, a in enumerate(bill.actions, start=1)
    ]
    await _replace(
        conn,
        summary,
        "bill_actions",
        [
            "bill_id",
            "position",
            "acted_on",
            "acted_at",
            "text",
            "action_type",
            "action_code",
            "chamber",
            "committee_id",
        ],
        action_rows,
        ["bill_id", "position"],
        pk,
    )
    cosponsors = pick_cosponsors(bill.cosponsors)
    await _replace(
        conn,
        summary,
        "bill_cosponsors",
        ["bill_id", "bioguide_id", "legislator_id", "sponsored_on", "is_original", "withdrawn_on"],
        [
            (
                pk,
                c.bioguide_id,
                members.get(c.bioguide_id),
                c.sponsored_on,
                c.is_original,
                c.withdrawn_on,
            )
            for c in cosponsors
        ],
        ["bill_id", "bioguide_id"],
        pk,
    )
    summary["bill_cosponsors"].unresolved += sum(
        1 for c in cosponsors if c.bioguide_id not in members
    )
    await _replace(
        conn,
        summary,
        "bill_committees",
        ["bill_id", "committee_id", "activity"],
        [
            (pk, committees[code], activity)
            for code, activity in bill.committees.items()
            if code in committees
        ],
        ["bill_id", "committee_id"],
        pk,
    )
    summary["bill_committees"].unresolved += sum(
        1 for code in bill.committees if code not in committees
    )
    await _replace(
        conn,
        summary,
        "related_bills",
        ["bill_id", "related_bill_key", "related_id", "relationship"],
        [(pk, key, related.get(key), rel) for key, rel in bill.related.items()],
        ["bill_id", "related_bill_key"],
        pk,
    )
    await link_arrivals(conn, pk, bill.bill_id)
    return summary


async def link_arrivals(conn: asyncpg.Connection, pk: int, key: str) -> None:
    """Point related-bill rows and votes that name `key` at the bill row `pk`."""
    await conn.execute(
        "UPDATE related_bills SET related_id = $1"
        " WHERE related_bill_key = $2 AND related_id IS DISTINCT FROM $1",
        pk,
        key,
    )
    await conn.execute(
        "UPDATE votes SET bill_id = $1 WHERE bill_key = $2 AND bill_id IS DISTINCT FROM $1",
        pk,
        key,
    )
