"""SQL for a topic's timeline: its bills' actions, roll-call votes, statements and incidents
in one precision-aware chronological order (docs/record-and-timeline.md).

The order key of an item dated `d` with precision `p` (day, month, year, unknown) is

    (end of the period, its length in days, rank of the kind, row id)

where the period is the day, month or year `d` stands for. So `2026-01` sorts as the month:
after every day-precision item of January 2026 and before any of February. Items of unknown
date sort last. Each page is one statement: a UNION ALL of one branch per kind, ordered by
the key, `LIMIT first + 1` (db/pagination.py).
"""

from collections.abc import Sequence

import asyncpg

from db import soft_delete
from db.bills import ACTION_COLUMNS
from db.pagination import Listing, Ordering
from db.pool import Executor

# Calendar dates of votes are those of Washington, as db.votes.CAPITAL_TIME_ZONE says.
VOTE_DAY = "(v.voted_at AT TIME ZONE 'America/New_York')::date"

# The kinds of item, each with its rank among items of the same period (what happened, then
# what Congress did, then what was said).
KINDS = {"incident": 1, "bill_action": 2, "vote": 3, "statement": 4}

# Votes filed under a topic, and votes on its bills (by row, or by natural key when the vote
# names a bill that was not stored yet when the vote was loaded).
TOPIC_VOTES = (
    "(SELECT vt.topic_id, vt.vote_id FROM vote_topics vt"
    " UNION SELECT bt.topic_id, v.id FROM bill_topics bt JOIN votes v ON v.bill_id = bt.bill_id"
    " UNION SELECT bt.topic_id, v.id FROM bill_topics bt JOIN bills b ON b.id = bt.bill_id"
    " JOIN votes v ON v.bill_id IS NULL AND v.bill_key = b.bill_id)"
)


def period_key(value: str, precision: str) -> str:
    """SQL columns `period_end` and `span` of a fuzzy date `value` with `precision` (text):
    the last day of the day, month or year it stands for and the period's length in days
    minus one (0 for a day); `infinity` and 0 for an unknown date."""
    known = f"{value} IS NOT NULL AND {precision} <> 'unknown'"
    start = f"date_trunc({precision}, {value}::timestamp)"
    end = f"({start} + ('1 ' || {precision})::interval - interval '1 day')::date"
    return (
        f"CASE WHEN {known} THEN {end} ELSE 'infinity'::date END AS period_end,"
        f" CASE WHEN {known} THEN {end} - {start}::date ELSE 0 END AS span"
    )


def ordering(alias: str, name: str) -> Ordering:
    """The precision-aware order over rows of alias `alias` that carry `period_end`, `span`,
    `rank` and `id` (unique within a rank); cursors are named `<alias>.<name>`."""
    return Ordering(
        name,
        (
            (f"{alias}.period_end", "date"),
            (f"{alias}.span", "integer"),
            (f"{alias}.rank", "integer"),
            (f"{alias}.id", "bigint"),
        ),
    )


CHRONOLOGICAL = ordering("tl", "timeline")

_SELECT = (
    "SELECT {kind}::text AS kind, {rank} AS rank, {id} AS id, {topic} AS topic_id,"
    " {bill}::bigint AS bill_id, {on}::date AS on_date, {precision}::text AS precision, {key}"
)
_BRANCHES = {
    "incident": _SELECT.format(
        kind="'incident'",
        rank=KINDS["incident"],
        id="i.id",
        topic="it.topic_id",
        bill="NULL",
        on="i.occurred_on",
        precision="i.occurred_precision",
        key=period_key("i.occurred_on", "i.occurred_precision::text"),
    )
    + " FROM incident_topics it JOIN incidents i ON i.id = it.incident_id"
    f" WHERE {soft_delete.INCIDENT}",
    "bill_action": _SELECT.format(
        kind="'bill_action'",
        rank=KINDS["bill_action"],
        id="ba.id",
        topic="bt.topic_id",
        bill="ba.bill_id",
        on="ba.acted_on",
        precision="'day'",
        key="ba.acted_on AS period_end, 0 AS span",
    )
    + " FROM bill_topics bt JOIN bill_actions ba ON ba.bill_id = bt.bill_id",
    "vote": _SELECT.format(
        kind="'vote'",
        rank=KINDS["vote"],
        id="v.id",
        topic="tv.topic_id",
        bill="v.bill_id",
        on=VOTE_DAY,
        precision="'day'",
        key=f"{VOTE_DAY} AS period_end, 0 AS span",
    )
    + f" FROM {TOPIC_VOTES} tv JOIN votes v ON v.id = tv.vote_id",
    "statement": _SELECT.format(
        kind="'statement'",
        rank=KINDS["statement"],
        id="s.id",
        topic="st.topic_id",
        bill="NULL",
        on="s.said_on",
        precision="s.said_on_precision",
        key=period_key("s.said_on", "s.said_on_precision::text"),
    )
    + " FROM statement_topics st JOIN statements s ON s.id = st.statement_id"
    f" WHERE {soft_delete.STATEMENT}",
}
assert _BRANCHES.keys() == KINDS.keys()

COLUMNS = "tl.kind, tl.id, tl.topic_id, tl.bill_id, tl.on_date, tl.precision"


def listing(kinds: Sequence[str] | None) -> Listing:
    """Every topic's timeline items of `kinds` (None: every kind), keyed by `tl.topic_id`.

    Raises KeyError for a kind that is not in KINDS, ValueError for no kind at all.
    """
    chosen = list(KINDS) if kinds is None else sorted(set(kinds), key=KINDS.__getitem__)
    if not chosen:
        raise ValueError("a timeline needs at least one kind")
    union = " UNION ALL ".join(_BRANCHES[kind] for kind in chosen)
    return Listing(COLUMNS, f"({union}) tl")


async def actions_by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Bill actions by row id."""
    rows = await db.fetch(
        f"SELECT {ACTION_COLUMNS} FROM bill_actions ba WHERE ba.id = ANY($1)", ids
    )
    return {row["id"]: row for row in rows}
