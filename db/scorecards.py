"""SQL for scorecards (migration 0019, docs/scorecards.md): what counts, and each member's
score with its parts, computed in PostgreSQL.

A member's acts on a scorecard are their positions in its roll calls and their sponsorships
and cosponsorships of its bills. Each act is `pro`, `against`, `missed` (in the roll call,
but neither Yea nor Nay) or `withdrawn` (a withdrawn cosponsorship); a scorecard vote whose
roll call does not list the member is `absent`. The score is
100 * sum(weight of pro) / sum(weight of pro or against), rounded to two decimals, and null when
nothing counted.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from db.pagination import Listing, Ordering, Page, Params, Window, fetch_page
from db.pool import Executor

COLUMNS = "sc.id, sc.topic_id, sc.name, sc.method, sc.created_at, sc.updated_at"

FORMULA = (
    "score = 100 * sum(weight of pro items) / sum(weight of counted items), rounded to two"
    " decimals. Counted items are the member's Yea or Nay positions on the scorecard's votes"
    " (pro when the position is the vote's pro position, else against) and their"
    " sponsorships and cosponsorships of its bills that were not withdrawn (pro or against as"
    " the bill says). Missed votes (Not Voting, Present), absences (not in the roll call) and"
    " withdrawn cosponsorships are shown but not counted; not cosponsoring is not an act."
    " The score is null when nothing counted."
)

# Every act of every member on every scorecard:
# (scorecard_id, legislator_id, kind, weight, outcome).
_ACTS = """
SELECT sv.scorecard_id, vp.legislator_id, 'vote' AS kind, sv.weight,
       CASE WHEN vp.position = sv.pro THEN 'pro'
            WHEN vp.position IN ('yea', 'nay') THEN 'against' ELSE 'missed' END AS outcome
  FROM scorecard_votes sv JOIN vote_positions vp ON vp.vote_id = sv.vote_id
 WHERE vp.legislator_id IS NOT NULL
UNION ALL
SELECT sb.scorecard_id, b.sponsor_id, 'bill', sb.weight,
       CASE WHEN sb.sponsorship_pro THEN 'pro' ELSE 'against' END
  FROM scorecard_bills sb JOIN bills b ON b.id = sb.bill_id
 WHERE b.sponsor_id IS NOT NULL
UNION ALL
SELECT sb.scorecard_id, bc.legislator_id, 'bill', sb.weight,
       CASE WHEN bc.withdrawn_on IS NOT NULL THEN 'withdrawn'
            WHEN sb.sponsorship_pro THEN 'pro' ELSE 'against' END
  FROM scorecard_bills sb JOIN bill_cosponsors bc ON bc.bill_id = sb.bill_id
 WHERE bc.legislator_id IS NOT NULL
"""

# One row per scorecard and member with at least one act on it (keyed by `sm.scorecard_id`):
# the sums and counts the score is made of, and
# `score_key`, the score in hundredths (-1 when null) that members are ranked by.
_MEMBERS = f"""(
SELECT t.*,
       round(100 * t.pro_weight / nullif(t.counted_weight, 0), 2) AS score,
       coalesce((round(100 * t.pro_weight / nullif(t.counted_weight, 0), 2) * 100)::integer, -1)
         AS score_key,
       t.votes_total - t.votes_eligible AS votes_absent
  FROM (SELECT a.scorecard_id, a.legislator_id,
               coalesce(sum(a.weight) FILTER (WHERE a.outcome = 'pro'), 0) AS pro_weight,
               coalesce(sum(a.weight) FILTER (WHERE a.outcome IN ('pro', 'against')), 0)
                 AS counted_weight,
               count(*) FILTER (WHERE a.kind = 'vote') AS votes_eligible,
               count(*) FILTER (WHERE a.kind = 'vote' AND a.outcome IN ('pro', 'against'))
                 AS votes_counted,
               count(*) FILTER (WHERE a.kind = 'vote' AND a.outcome = 'missed') AS votes_missed,
               count(*) FILTER (WHERE a.kind = 'bill' AND a.outcome IN ('pro', 'against'))
                 AS sponsorships_counted,
               (SELECT count(*) FROM scorecard_votes n WHERE n.scorecard_id = a.scorecard_id)
                 AS votes_total
          FROM ({_ACTS}) a GROUP BY a.scorecard_id, a.legislator_id) t
) sm"""

MEMBER_COLUMNS = (
    "sm.scorecard_id, sm.legislator_id, sm.score, sm.pro_weight, sm.counted_weight, sm.votes_total,"
    " sm.votes_eligible, sm.votes_counted, sm.votes_missed, sm.votes_absent,"
    " sm.sponsorships_counted"
)

# Highest score first, members with no score last; ties by row id.
BY_SCORE = Ordering(
    "score", (("sm.score_key", "integer"), ("sm.legislator_id", "bigint")), descending=True
)


@dataclass(frozen=True)
class MemberFilter:
    """Which members to rank: chamber (`house`/`senate`), party and state as the roll call
    records them for the member (`VotePosition.party`, `VotePosition.state`; the party in
    any letter case), or the one member with a bioguide id."""

    chamber: str | None = None
    party: str | None = None
    state: str | None = None
    bioguide: str | None = None


def members_listing(f: MemberFilter) -> Listing:
    """Every scorecard's members with at least one act on it, keyed by `sm.scorecard_id`,
    narrowed by `f` (the relation `Scorecard.members` of db/model.py).

    A member matches when one of their positions on the scorecard's votes was cast in that
    chamber, as that party, for that state (all given conditions on the same position). With
    only a chamber given, sponsoring or cosponsoring one of its bills that originated in that
    chamber matches too; sponsorships carry no party or state.
    """
    p = Params()
    where = []
    if f.bioguide is not None:
        where.append(
            "sm.legislator_id IN (SELECT fl.id FROM legislators fl"
            f" WHERE fl.bioguide_id = {p.add(f.bioguide)})"
        )
    if f.chamber is not None or f.party is not None or f.state is not None:
        on = []
        chamber = p.add(f.chamber) if f.chamber is not None else None
        if chamber is not None:
            on.append(f"fv.chamber = {chamber}")
        if f.party is not None:
            on.append(f"upper(fp.party) = upper({p.add(f.party)})")
        if f.state is not None:
            on.append(f"fp.state = {p.add(f.state)}")
        matched = (
            "EXISTS (SELECT 1 FROM scorecard_votes fs JOIN votes fv ON fv.id = fs.vote_id"
            " JOIN vote_positions fp ON fp.vote_id = fs.vote_id"
            " WHERE fs.scorecard_id = sm.scorecard_id AND fp.legislator_id = sm.legislator_id"
            " AND " + " AND ".join(on) + ")"
        )
        if chamber is not None and f.party is None and f.state is None:
            matched += (
                " OR EXISTS (SELECT 1 FROM scorecard_bills fs JOIN bills fb ON fb.id = fs.bill_id"
                f" WHERE fs.scorecard_id = sm.scorecard_id AND fb.origin_chamber = {chamber}"
                " AND (fb.sponsor_id = sm.legislator_id OR EXISTS (SELECT 1 FROM bill_cosponsors"
                " fc WHERE fc.bill_id = fb.id AND fc.legislator_id = sm.legislator_id)))"
            )
        where.append(matched)
    return Listing(MEMBER_COLUMNS, _MEMBERS, tuple(where), tuple(p.values))


def _of_scorecard(scorecard_id: int, f: MemberFilter) -> Listing:
    listing = members_listing(f)
    p = Params(list(listing.params))
    where = (f"sm.scorecard_id = {p.add(scorecard_id)}", *listing.where)
    return Listing(listing.select, listing.from_, where, tuple(p.values))


async def members_page(db: Executor, scorecard_id: int, f: MemberFilter, window: Window) -> Page:
    """One page of the ranking of scorecard row `scorecard_id`, in one statement. Raises
    CursorError for a cursor of another list."""
    return await fetch_page(db, _of_scorecard(scorecard_id, f), BY_SCORE, window)


async def by_topic_ids(db: Executor, topic_ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """The scorecard of each topic that has one, by topic row id."""
    rows = await db.fetch(
        f"SELECT {COLUMNS} FROM scorecards sc WHERE sc.topic_id = ANY($1)", topic_ids
    )
    return {row["topic_id"]: row for row in rows}


async def items(db: Executor, scorecard_ids: Sequence[int]) -> dict[int, list[asyncpg.Record]]:
    """What each scorecard counts, in one statement: its votes (`kind` 'vote', oldest first)
    then its bills (`kind` 'bill', by bill id), each with `target_id` (the vote's or bill's row
    id), `pro` ('yea'/'nay' for a vote, null for a bill), `sponsorship_pro` (for a bill),
    `weight` and `reason`."""
    rows = await db.fetch(
        """SELECT * FROM (
             SELECT sv.scorecard_id, 'vote' AS kind, sv.vote_id AS target_id, sv.pro,
                    NULL::boolean AS sponsorship_pro, sv.weight, sv.reason,
                    0 AS part, v.voted_at, NULL::text AS bill_key, sv.id
               FROM scorecard_votes sv JOIN votes v ON v.id = sv.vote_id
              WHERE sv.scorecard_id = ANY($1)
             UNION ALL
             SELECT sb.scorecard_id, 'bill', sb.bill_id, NULL, sb.sponsorship_pro, sb.weight,
                    sb.reason, 1, NULL, b.bill_id, sb.id
               FROM scorecard_bills sb JOIN bills b ON b.id = sb.bill_id
              WHERE sb.scorecard_id = ANY($1)) x
           ORDER BY x.scorecard_id, x.part, x.voted_at, x.bill_key, x.id""",
        scorecard_ids,
    )
    grouped: dict[int, list[asyncpg.Record]] = {i: [] for i in scorecard_ids}
    for row in rows:
        grouped[row["scorecard_id"]].append(row)
    return grouped


async def parts(
    db: Executor, legislator_ids: Sequence[int], scorecard_id: int
) -> dict[int, list[asyncpg.Record]]:
    """Every member's parts of their score on one scorecard, in one statement.

    Per member: one row per scorecard vote, oldest first (`kind` 'vote'; `position`, `party`
    and `state` as the roll call records them, all null when the member is absent from it),
    then one per sponsorship or cosponsorship of a scorecard bill (`kind` 'sponsor' or
    'cosponsor', with its date and `withdrawn_on`). `outcome` is 'pro', 'against', 'missed',
    'absent' or 'withdrawn'.
    """
    rows = await db.fetch(
        """SELECT * FROM (
             SELECT m.legislator_id, 'vote' AS kind, sv.vote_id AS target_id, sv.pro,
                    NULL::boolean AS sponsorship_pro, sv.weight, vp.position, vp.party,
                    vp.state, NULL::date AS acted_on, NULL::date AS withdrawn_on,
                    CASE WHEN vp.id IS NULL THEN 'absent' WHEN vp.position = sv.pro THEN 'pro'
                         WHEN vp.position IN ('yea', 'nay') THEN 'against' ELSE 'missed' END
                      AS outcome,
                    0 AS part, v.voted_at, NULL::text AS bill_key, sv.id
               FROM unnest($2::bigint[]) AS m(legislator_id)
               CROSS JOIN scorecard_votes sv JOIN votes v ON v.id = sv.vote_id
               LEFT JOIN vote_positions vp
                 ON vp.vote_id = sv.vote_id AND vp.legislator_id = m.legislator_id
              WHERE sv.scorecard_id = $1
             UNION ALL
             SELECT b.sponsor_id, 'sponsor', sb.bill_id, NULL, sb.sponsorship_pro, sb.weight,
                    NULL, NULL, NULL, b.introduced_date, NULL,
                    CASE WHEN sb.sponsorship_pro THEN 'pro' ELSE 'against' END,
                    1, NULL, b.bill_id, sb.id
               FROM scorecard_bills sb JOIN bills b ON b.id = sb.bill_id
              WHERE sb.scorecard_id = $1 AND b.sponsor_id = ANY($2::bigint[])
             UNION ALL
             SELECT bc.legislator_id, 'cosponsor', sb.bill_id, NULL, sb.sponsorship_pro,
                    sb.weight, NULL, NULL, NULL, bc.sponsored_on, bc.withdrawn_on,
                    CASE WHEN bc.withdrawn_on IS NOT NULL THEN 'withdrawn'
                         WHEN sb.sponsorship_pro THEN 'pro' ELSE 'against' END,
                    1, NULL, b.bill_id, sb.id
               FROM scorecard_bills sb JOIN bills b ON b.id = sb.bill_id
               JOIN bill_cosponsors bc ON bc.bill_id = sb.bill_id
              WHERE sb.scorecard_id = $1 AND bc.legislator_id = ANY($2::bigint[])) x
           ORDER BY x.legislator_id, x.part, x.voted_at, x.bill_key, x.id""",
        scorecard_id,
        legislator_ids,
    )
    grouped: dict[int, list[asyncpg.Record]] = {i: [] for i in legislator_ids}
    for row in rows:
        grouped[row["legislator_id"]].append(row)
    return grouped
