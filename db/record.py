"""SQL for a member's record on a topic, said and done, in one chronological order
(docs/record-and-timeline.md), and the stance tags on statements' links to bills and votes.

The record of a legislator on a topic holds: their statements filed under the topic; their
sponsorships and cosponsorships (withdrawn ones included) of its bills; their positions on
its roll-call votes and on votes on its bills. It is ordered by db/timeline.py's
precision-aware key, one UNION ALL statement per page.
"""

from collections.abc import Sequence

import asyncpg

from db import soft_delete
from db.bills import COSPONSOR_COLUMNS
from db.pagination import Listing, Params
from db.pool import Executor
from db.timeline import TOPIC_VOTES, VOTE_DAY, ordering, period_key
from db.votes import POSITION_COLUMNS

# The kinds of item, each with its rank among items of the same period.
KINDS = {"sponsorship": 1, "cosponsorship": 2, "vote_position": 3, "statement": 4}

CHRONOLOGICAL = ordering("rec", "record")

_SELECT = (
    "SELECT {kind}::text AS kind, {rank} AS rank, {id} AS id, {legislator} AS legislator_id,"
    " tp.id AS topic_id, tp.slug AS topic_slug, {bill}::bigint AS bill_id,"
    " {vote}::bigint AS vote_id, {on}::date AS on_date, {precision}::text AS precision, {key}"
)
_DAY = "CASE WHEN {0} IS NULL THEN 'unknown' ELSE 'day' END"
_BRANCHES = (
    # A sponsor named by bioguide id alone belongs to the legislator with that id.
    _SELECT.format(
        kind="'sponsorship'",
        rank=KINDS["sponsorship"],
        id="b.id",
        legislator="coalesce(b.sponsor_id, sl.id)",
        bill="b.id",
        vote="NULL",
        on="b.introduced_date",
        precision=_DAY.format("b.introduced_date"),
        key=period_key("b.introduced_date", _DAY.format("b.introduced_date")),
    )
    + " FROM bill_topics bt JOIN bills b ON b.id = bt.bill_id JOIN topics tp ON tp.id = bt.topic_id"
    " LEFT JOIN legislators sl ON b.sponsor_id IS NULL AND sl.bioguide_id = b.sponsor_bioguide_id"
    f" WHERE {soft_delete.TOPIC}",
    _SELECT.format(
        kind="'cosponsorship'",
        rank=KINDS["cosponsorship"],
        id="bc.id",
        legislator="coalesce(bc.legislator_id, cl.id)",
        bill="bc.bill_id",
        vote="NULL",
        on="bc.sponsored_on",
        precision=_DAY.format("bc.sponsored_on"),
        key=period_key("bc.sponsored_on", _DAY.format("bc.sponsored_on")),
    )
    + " FROM bill_topics bt JOIN bill_cosponsors bc ON bc.bill_id = bt.bill_id"
    " JOIN topics tp ON tp.id = bt.topic_id"
    " LEFT JOIN legislators cl ON bc.legislator_id IS NULL AND cl.bioguide_id = bc.bioguide_id"
    f" WHERE {soft_delete.TOPIC}",
    _SELECT.format(
        kind="'vote_position'",
        rank=KINDS["vote_position"],
        id="vp.id",
        legislator="vp.legislator_id",
        bill="v.bill_id",
        vote="v.id",
        on=VOTE_DAY,
        precision="'day'",
        key=f"{VOTE_DAY} AS period_end, 0 AS span",
    )
    + f" FROM {TOPIC_VOTES} tv JOIN topics tp ON tp.id = tv.topic_id"
    " JOIN votes v ON v.id = tv.vote_id JOIN vote_positions vp ON vp.vote_id = v.id"
    f" WHERE {soft_delete.TOPIC}",
    # A statement names its speaker by row id, or by bioguide id alone.
    _SELECT.format(
        kind="'statement'",
        rank=KINDS["statement"],
        id="s.id",
        legislator="coalesce(s.speaker_legislator_id, sl.id)",
        bill="NULL",
        vote="NULL",
        on="s.said_on",
        precision="s.said_on_precision",
        key=period_key("s.said_on", "s.said_on_precision::text"),
    )
    + " FROM statement_topics st JOIN statements s ON s.id = st.statement_id"
    " JOIN topics tp ON tp.id = st.topic_id"
    " LEFT JOIN legislators sl"
    " ON s.speaker_legislator_id IS NULL AND sl.bioguide_id = s.speaker_bioguide_id"
    f" WHERE {soft_delete.TOPIC} AND {soft_delete.STATEMENT}",
)

COLUMNS = (
    "rec.kind, rec.id, rec.legislator_id, rec.topic_id, rec.bill_id, rec.vote_id, rec.on_date,"
    " rec.precision"
)


def listing(topic_slug: str | None) -> Listing:
    """Every legislator's record on the live topic with slug `topic_slug`, keyed by
    `rec.legislator_id`; empty for no topic (None) or a slug no live topic has."""
    union = " UNION ALL ".join(_BRANCHES)
    return Listing(COLUMNS, f"({union}) rec", ("rec.topic_slug = $1",), (topic_slug,))


async def positions_by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Vote positions by row id, with db.votes.POSITION_COLUMNS."""
    rows = await db.fetch(
        f"SELECT {POSITION_COLUMNS} FROM vote_positions vp WHERE vp.id = ANY($1)", ids
    )
    return {row["id"]: row for row in rows}


async def cosponsorships_by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Cosponsorships by row id, with db.bills.COSPONSOR_COLUMNS."""
    rows = await db.fetch(
        f"SELECT {COSPONSOR_COLUMNS} FROM bill_cosponsors bc WHERE bc.id = ANY($1)", ids
    )
    return {row["id"]: row for row in rows}


# A stance tag: the statement, its stance, and the bill or vote it is tagged on.
_TAGS = (
    "SELECT sb.statement_id, sb.stance, sb.bill_id, NULL::bigint AS vote_id"
    " FROM statement_bills sb WHERE sb.stance IS NOT NULL"
    " UNION ALL SELECT sv.statement_id, sv.stance, NULL::bigint, sv.vote_id"
    " FROM statement_votes sv WHERE sv.stance IS NOT NULL"
)


async def stances_by_statements(
    db: Executor, statement_ids: Sequence[int]
) -> dict[int, list[asyncpg.Record]]:
    """The stance tags of each statement (`statement_id`, `stance`, `bill_id`, `vote_id`):
    bills first, by row id, then votes."""
    rows = await db.fetch(
        f"SELECT tag.* FROM ({_TAGS}) tag WHERE tag.statement_id = ANY($1)"
        " ORDER BY tag.statement_id, tag.bill_id NULLS LAST, tag.vote_id",
        statement_ids,
    )
    grouped: dict[int, list[asyncpg.Record]] = {i: [] for i in statement_ids}
    for row in rows:
        grouped[row["statement_id"]].append(row)
    return grouped


async def stances_on_votes(
    db: Executor, keys: Sequence[tuple[int, int, int]]
) -> dict[tuple[int, int, int], list[asyncpg.Record]]:
    """For each (legislator, topic, vote) row ids: the stance tags that the legislator's live
    statements filed under the topic carry on that vote or on the bill it was on, oldest
    statement first in the record's own order (the end of the period a date stands for, then
    its length: `2021-03` before `2021`; unknown dates last). One statement for every key."""
    p = Params()
    legislators, topics, votes = (p.add([key[i] for key in keys]) for i in range(3))
    rows = await db.fetch(
        "SELECT k.legislator_id, k.topic_id, k.vote_id AS position_vote_id, tag.*,"
        f" {period_key('s.said_on', 's.said_on_precision::text')}"
        f" FROM unnest({legislators}::bigint[], {topics}::bigint[], {votes}::bigint[])"
        " AS k(legislator_id, topic_id, vote_id)"
        " JOIN votes v ON v.id = k.vote_id JOIN legislators l ON l.id = k.legislator_id"
        " JOIN statement_topics st ON st.topic_id = k.topic_id"
        " JOIN statements s ON s.id = st.statement_id"
        f" AND {soft_delete.STATEMENT} AND (s.speaker_legislator_id = l.id"
        " OR (s.speaker_legislator_id IS NULL AND s.speaker_bioguide_id = l.bioguide_id))"
        f" JOIN ({_TAGS}) tag ON tag.statement_id = s.id"
        " AND (tag.bill_id = v.bill_id OR tag.vote_id = v.id)"
        " ORDER BY period_end, span, s.id, tag.bill_id NULLS LAST",
        *p.values,
    )
    grouped: dict[tuple[int, int, int], list[asyncpg.Record]] = {key: [] for key in keys}
    for row in rows:
        grouped[(row["legislator_id"], row["topic_id"], row["position_vote_id"])].append(row)
    return grouped
