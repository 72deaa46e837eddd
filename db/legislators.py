"""SQL for legislators, their terms and their social accounts."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

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
    "l.id, l.bioguide_id, l.lis_id, l.icpsr_id, l.govtrack_id, l.thomas_id, l.fec_ids,"
    " l.first_name, l.middle_name, l.last_name, l.suffix, l.nickname, l.official_full_name,"
    " l.published_name, l.named_by,"
    " l.birthday, l.gender, l.dataset_id, l.source_file, l.created_at, l.updated_at"
)

# Former members may lack a last name or a bioguide id: the orders read never-null
# expressions (indexed by migration 0011), a published name standing in for the last name,
# and records without a bioguide id first in bioguide order.
ORDERINGS = {
    "name": Ordering(
        "name",
        (
            ("coalesce(l.last_name, l.published_name, l.lis_id, l.bioguide_id, '')", "text"),
            ("coalesce(l.first_name, '')", "text"),
            ("l.id", "bigint"),
        ),
    ),
    "bioguide": Ordering("bioguide", (("coalesce(l.bioguide_id, '')", "text"), ("l.id", "bigint"))),
    "updated": Ordering("updated", (("l.updated_at", "timestamptz"), ("l.id", "bigint"))),
}

TERM_COLUMNS = (
    "t.id, t.legislator_id, t.chamber, t.state, t.district, t.senate_class, t.state_rank,"
    " t.party, t.caucus, t.start_date, t.end_date, t.url, t.phone, t.address, t.office,"
    " t.contact_form, t.created_at, t.updated_at"
)

# Published admission dates of the states that sent territorial delegates to the House
# before statehood (congress-legislators files those delegates under the later state's
# code; see docs/members.md for the sources). Original states and states admitted without
# a territorial stage (VT, KY, ME, TX, CA, WV) never had delegates and are not listed.
ADMISSIONS = {
    "TN": date(1796, 6, 1),
    "OH": date(1803, 3, 1),
    "LA": date(1812, 4, 30),
    "IN": date(1816, 12, 11),
    "MS": date(1817, 12, 10),
    "IL": date(1818, 12, 3),
    "AL": date(1819, 12, 14),
    "MO": date(1821, 8, 10),
    "AR": date(1836, 6, 15),
    "MI": date(1837, 1, 26),
    "FL": date(1845, 3, 3),
    "IA": date(1846, 12, 28),
    "WI": date(1848, 5, 29),
    "MN": date(1858, 5, 11),
    "OR": date(1859, 2, 14),
    "KS": date(1861, 1, 29),
    "NV": date(1864, 10, 31),
    "NE": date(1867, 3, 1),
    "CO": date(1876, 8, 1),
    "ND": date(1889, 11, 2),
    "SD": date(1889, 11, 2),
    "MT": date(1889, 11, 8),
    "WA": date(1889, 11, 11),
    "ID": date(1890, 7, 3),
    "WY": date(1890, 7, 10),
    "UT": date(1896, 1, 4),
    "OK": date(1907, 11, 16),
    "NM": date(1912, 1, 6),
    "AZ": date(1912, 2, 14),
    "AK": date(1959, 1, 3),
    "HI": date(1959, 8, 21),
}
# The other states (congress-legislators README, "State Abbreviations").
STATES_WITHOUT_DELEGATES = frozenset(
    "CT DE GA MD MA NH NJ NY NC PA RI SC VA VT KY ME TX CA WV".split()
)
# Current and historical territories: Puerto Rico (and the Philippines, 1907-1946) send a
# Resident Commissioner, the others a Delegate.
RESIDENT_COMMISSIONER_AREAS = frozenset({"PR", "PI"})
DELEGATE_AREAS = frozenset({"AS", "DC", "GU", "MP", "VI", "DK", "OL"})


def term_role(chamber: str, state: str, start: date, end: date) -> str | None:
    """The seat a term held: `senator`, `representative`, `delegate` or
    `resident_commissioner`; None when the published dates cannot settle it.

    congress-legislators files every House seat as `type: rep` ("representatives and
    delegates to the House", its README). A House term is a delegate's when its area is a
    territory (AS, DC, GU, MP, VI, and the historical DK and OL), a Resident Commissioner's
    for PR and PI, and for a state listed in ADMISSIONS a delegate's when the term ended on
    or before the state's admission and a representative's when it began on or after it. A
    term that spans the admission date, or an area code the rule does not know, gives None:
    the status is never guessed.
    """
    if chamber == "senate":
        return "senator"
    if state in RESIDENT_COMMISSIONER_AREAS:
        return "resident_commissioner"
    if state in DELEGATE_AREAS:
        return "delegate"
    if state in STATES_WITHOUT_DELEGATES:
        return "representative"
    admitted = ADMISSIONS.get(state)
    if admitted is None:
        return None
    if start >= admitted:
        return "representative"
    if end <= admitted:
        return "delegate"
    return None


TERM_ORDERING = Ordering("start", (("t.start_date", "date"), ("t.id", "bigint")), descending=True)


@dataclass(frozen=True)
class LegislatorFilter:
    """Conditions on legislators; state, party and chamber match any term (or the current one)."""

    state: str | None = None
    party: str | None = None
    chamber: str | None = None
    current: bool | None = None
    name: str | None = None
    updated_since: datetime | None = None


def listing(f: LegislatorFilter) -> Listing:
    """The legislators that match `f`."""
    p = Params()
    where = []
    term = []
    if f.state is not None:
        term.append(f"t.state = {p.add(f.state)}")
    if f.party is not None:
        # A term's party is its latest one (congress-legislators); a party held earlier in
        # the term is one of its affiliations. Today's party is the current term's.
        n = p.add(f.party)
        if f.current:
            term.append(f"t.party = {n}")
        else:
            term.append(
                f"(t.party = {n} OR EXISTS (SELECT 1 FROM legislator_party_affiliations a"
                f" WHERE a.term_id = t.id AND a.party = {n}))"
            )
    if f.chamber is not None:
        term.append(f"t.chamber = {p.add(f.chamber)}")
    if f.current:
        term.append("t.end_date >= current_date")
    if term:
        where.append(
            "EXISTS (SELECT 1 FROM legislator_terms t WHERE t.legislator_id = l.id AND "
            + " AND ".join(term)
            + ")"
        )
    if f.current is False:
        where.append(
            "NOT EXISTS (SELECT 1 FROM legislator_terms t"
            " WHERE t.legislator_id = l.id AND t.end_date >= current_date)"
        )
    if f.name is not None:
        where.append(f"l.search @@ to_tsquery('simple', fold_text({p.add(prefix_query(f.name))}))")
    if f.updated_since is not None:
        where.append(f"l.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "legislators l", tuple(where), tuple(p.values))


async def page(db: Executor, f: LegislatorFilter, order: str, window: Window) -> Page:
    """One page of legislators matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: LegislatorFilter) -> int:
    """How many legislators match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Legislators by row id."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM legislators l WHERE l.id = ANY($1)", ids)
    return {row["id"]: row for row in rows}


async def by_bioguide_ids(db: Executor, bioguide_ids: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Legislators by bioguide id."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM legislators l WHERE l.bioguide_id = ANY($1)", bioguide_ids
    )
    return {row["bioguide_id"]: row for row in rows}


def terms_listing() -> Listing:
    """Every term of service."""
    return Listing(TERM_COLUMNS, "legislator_terms t")


async def current_terms(db: Executor, legislator_ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """The term each legislator serves today, if any."""
    rows = await db.fetch(
        f"SELECT DISTINCT ON (t.legislator_id) {TERM_COLUMNS} FROM legislator_terms t"
        " WHERE t.legislator_id = ANY($1) AND t.end_date >= current_date"
        " AND t.start_date <= current_date ORDER BY t.legislator_id, t.start_date DESC",
        legislator_ids,
    )
    return {row["legislator_id"]: row for row in rows}


async def party_affiliations(
    db: Executor, term_ids: Sequence[int]
) -> dict[int, list[asyncpg.Record]]:
    """The published party affiliations of each term (party, caucus, start_date, end_date),
    oldest first; [] for a term that has none."""
    rows = await db.fetch(
        "SELECT term_id, party, caucus, start_date, end_date FROM legislator_party_affiliations"
        " WHERE term_id = ANY($1) ORDER BY term_id, start_date",
        term_ids,
    )
    grouped: dict[int, list[asyncpg.Record]] = {i: [] for i in term_ids}
    for row in rows:
        grouped[row["term_id"]].append(row)
    return grouped


async def social_accounts(
    db: Executor, legislator_ids: Sequence[int]
) -> dict[int, list[asyncpg.Record]]:
    """The social media accounts of each legislator."""
    rows = await db.fetch(
        "SELECT id, legislator_id, platform, handle, account_id, account_type,"
        " created_at, updated_at FROM social_accounts"
        " WHERE legislator_id = ANY($1) ORDER BY legislator_id, platform, handle",
        legislator_ids,
    )
    grouped: dict[int, list[asyncpg.Record]] = {i: [] for i in legislator_ids}
    for row in rows:
        grouped[row["legislator_id"]].append(row)
    return grouped
