"""SQL for roll-call votes, the position of each member, and their tallies."""

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

COLUMNS = (
    "v.id, v.vote_id, v.chamber, v.congress, v.session, v.number, v.voted_at, v.question,"
    " v.vote_type, v.category, v.result, v.requires, v.bill_id, v.bill_key,"
    " v.nomination_number, v.nomination_title, v.source_url, v.dataset_id, v.source_file,"
    " v.result_text, v.subject, v.amendment_type, v.amendment_number, v.amendment_purpose,"
    " v.amendment_author, v.treaty_title, v.treaty_congress, v.treaty_number, v.target,"
    " v.created_at, v.updated_at"
)

# What a vote was on (`votes.target`, computed from the stored columns; docs/votes.md).
TARGETS = ("bill", "amendment", "nomination", "treaty", "election", "other")

_DATE = (("v.voted_at", "timestamptz"), ("v.id", "bigint"))

ORDERINGS = {
    "date_desc": Ordering("date_desc", _DATE, descending=True),
    "date_asc": Ordering("date_asc", _DATE),
    "updated": Ordering("updated", (("v.updated_at", "timestamptz"), ("v.id", "bigint"))),
}

# Calendar dates of votes are those of Washington, where Congress sits.
CAPITAL_TIME_ZONE = "America/New_York"

STANDARD_LABELS = {"yea": "Yea", "nay": "Nay", "present": "Present", "not_voting": "Not Voting"}
# The option label as published; where the source gave only a code (Voteview) or the row
# predates labels, the standard label of the normalised position.
OPTION = (
    "coalesce(vp.option, CASE vp.position "
    + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STANDARD_LABELS.items())
    + " END)"
)
# The state as published, or where the record gave none (a placeholder such as `XX`, or
# the Vice President), the state of the member's term that covers the vote's date.
STATE = (
    "coalesce(vp.state, (SELECT t.state FROM votes tv JOIN legislator_terms t"
    " ON t.legislator_id = vp.legislator_id AND t.chamber = tv.chamber"
    f" AND (tv.voted_at AT TIME ZONE '{CAPITAL_TIME_ZONE}')::date"
    " BETWEEN t.start_date AND t.end_date"
    " WHERE tv.id = vp.vote_id ORDER BY t.start_date DESC LIMIT 1))"
)
POSITION_COLUMNS = (
    f"vp.id, vp.vote_id, vp.legislator_id, vp.member_id, vp.position, {OPTION} AS option,"
    f" vp.party, {STATE} AS state, vp.state AS published_state, vp.created_at, vp.updated_at"
)
BY_MEMBER = Ordering("member", (("vp.member_id", "text"), ("vp.id", "bigint")))
NEWEST_VOTE_FIRST = Ordering(
    "voted", (("v.voted_at", "timestamptz"), ("vp.id", "bigint")), descending=True
)


@dataclass(frozen=True)
class VoteFilter:
    """Conditions on votes; `bill` is a bill's natural key such as `hr1280-117`."""

    chamber: str | None = None
    congress: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    bill: str | None = None
    result: str | None = None
    target: str | None = None
    updated_since: datetime | None = None


def listing(f: VoteFilter) -> Listing:
    """The votes that match `f`."""
    p = Params()
    where = []
    if f.chamber is not None:
        where.append(f"v.chamber = {p.add(f.chamber)}")
    if f.congress is not None:
        where.append(f"v.congress = {p.add(f.congress)}")
    if f.date_from is not None:
        where.append(
            f"v.voted_at >= ({p.add(f.date_from)}::date::timestamp AT TIME ZONE"
            f" {p.add(CAPITAL_TIME_ZONE)})"
        )
    if f.date_to is not None:
        where.append(
            f"v.voted_at < (({p.add(f.date_to)}::date + 1)::timestamp AT TIME ZONE"
            f" {p.add(CAPITAL_TIME_ZONE)})"
        )
    if f.bill is not None:
        key = p.add(f.bill)
        where.append(
            f"v.bill_key = {key} OR v.bill_id IN (SELECT b.id FROM bills b WHERE b.bill_id = {key})"
        )
    if f.result is not None:
        where.append(f"lower(v.result) = lower({p.add(f.result)})")
    if f.target is not None:
        where.append(f"v.target = {p.add(f.target)}")
    if f.updated_since is not None:
        where.append(f"v.updated_at > {p.add(f.updated_since)}")
    return Listing(COLUMNS, "votes v", tuple(where), tuple(p.values))


async def page(db: Executor, f: VoteFilter, order: str, window: Window) -> Page:
    """One page of votes matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: VoteFilter) -> int:
    """How many votes match `f`."""
    return await count(db, listing(f))


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Votes by row id."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM votes v WHERE v.id = ANY($1)", ids)
    return {row["id"]: row for row in rows}


async def by_vote_ids(db: Executor, vote_ids: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Votes by natural key (`h60-117.2021`)."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM votes v WHERE v.vote_id = ANY($1)", vote_ids)
    return {row["vote_id"]: row for row in rows}


@dataclass(frozen=True)
class PositionFilter:
    """Conditions on the positions taken in one vote."""

    position: str | None = None
    option: str | None = None
    party: str | None = None
    state: str | None = None


def positions_listing(f: PositionFilter) -> Listing:
    """The positions that match `f`."""
    p = Params()
    where = []
    if f.position is not None:
        where.append(f"vp.position = {p.add(f.position)}")
    if f.party is not None:
        where.append(f"vp.party = {p.add(f.party)}")
    if f.option is not None:
        where.append(f"{OPTION} = {p.add(f.option)}")
    if f.state is not None:
        where.append(f"{STATE} = {p.add(f.state)}")
    return Listing(POSITION_COLUMNS, "vote_positions vp", tuple(where), tuple(p.values))


LEGISLATOR_POSITIONS = Listing(
    POSITION_COLUMNS, "vote_positions vp JOIN votes v ON v.id = vp.vote_id"
)


async def totals(db: Executor, vote_ids: Sequence[int]) -> dict[int, list[asyncpg.Record]]:
    """The tally of each vote: its overall row first (`overall` true), then one per party.

    One statement for all the votes, grouped in SQL; a vote with no positions gets no rows.
    """
    rows = await db.fetch(
        "SELECT vp.vote_id, vp.party, GROUPING(vp.party) = 1 AS overall,"
        " count(*) FILTER (WHERE vp.position = 'yea') AS yea,"
        " count(*) FILTER (WHERE vp.position = 'nay') AS nay,"
        " count(*) FILTER (WHERE vp.position = 'present') AS present,"
        " count(*) FILTER (WHERE vp.position = 'not_voting') AS not_voting"
        " FROM vote_positions vp WHERE vp.vote_id = ANY($1)"
        " GROUP BY GROUPING SETS ((vp.vote_id), (vp.vote_id, vp.party))"
        " ORDER BY vp.vote_id, GROUPING(vp.party) DESC, vp.party NULLS LAST",
        vote_ids,
    )
    grouped: dict[int, list[asyncpg.Record]] = {i: [] for i in vote_ids}
    for row in rows:
        grouped[row["vote_id"]].append(row)
    return grouped


async def option_totals(db: Executor, vote_ids: Sequence[int]) -> dict[int, list[asyncpg.Record]]:
    """Per vote, one (option, position, count) row per published option that some member
    chose, most chosen first, then by label. One statement for all the votes."""
    rows = await db.fetch(
        f"SELECT vp.vote_id, {OPTION} AS option, vp.position, count(*) AS count"
        " FROM vote_positions vp WHERE vp.vote_id = ANY($1)"
        " GROUP BY vp.vote_id, 2, vp.position ORDER BY vp.vote_id, count(*) DESC, 2, 3",
        vote_ids,
    )
    grouped: dict[int, list[asyncpg.Record]] = {i: [] for i in vote_ids}
    for row in rows:
        grouped[row["vote_id"]].append(row)
    return grouped
