"""Importers for Voteview's roll-call CSV downloads: members, rollcalls and votes (one file
of each per chamber and congress, e.g. `S116_members.csv`).

Import them in that order. The members file is kept as a crosswalk (ICPSR id -> bioguide
id, party and state) and fills in `legislators.icpsr_id` where it is missing; each rollcall
becomes a `votes` row (`s{clerk_rollnumber}-{congress}.{year}`) that remembers Voteview's
own roll number; the votes file then names both by number only. Members are stored as
`icpsr:<n>` and linked to a legislator. A House or Senate member of the members file that no
record holds yet becomes a legislator record named by Voteview (`members.ensure_members`),
which a later congress-legislators import upgrades in place. The President's announced
positions, which Voteview lists among the Senate votes, are not floor votes and are not
stored, and the President is not made a member.
"""

import re
from datetime import date, datetime, time
from itertools import repeat
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from db.importers import datasets, members, values
from db.importers.bulk import Summary, remove_missing, upsert
from db.importers.datasets import Dataset
from db.importers.errors import ImportFailure
from db.importers.files import source_file
from db.importers.tabular import (
    Table,
    clean,
    head_of,
    header_of,
    note_unread_columns,
    read_csv,
    upsert_counts,
    upsert_owned,
)
from db.votes import CAPITAL_TIME_ZONE

VOTEVIEW = Dataset(
    "voteview",
    "Voteview: Congressional Roll-Call Votes Database",
    "https://voteview.com",
    "unspecified",
    "Lewis, Jeffrey B., Keith Poole, Howard Rosenthal, et al. Voteview: Congressional"
    " Roll-Call Votes Database. https://voteview.com/ (no licence stated; the votes are"
    " public record).",
)
MEMBER_COLUMNS = (
    "congress",
    "chamber",
    "icpsr",
    "state_abbrev",
    "party_code",
    "bioname",
    "bioguide_id",
)
ROLLCALL_COLUMNS = (
    "congress",
    "chamber",
    "rollnumber",
    "date",
    "session",
    "clerk_rollnumber",
    "bill_number",
    "vote_result",
    "vote_desc",
    "vote_question",
)
VOTE_COLUMNS = ("congress", "chamber", "rollnumber", "icpsr", "cast_code")
# Columns known and deliberately not stored, so they are not reported as unread (every
# other column not read above is): Voteview's DW-NOMINATE and Nokken-Poole model estimates
# (members' ideal points and fit, roll calls' midpoints, spreads and fit, and each vote's
# `prob`) are scholarship about the votes, not the record of them; `state_icpsr` restates
# `state_abbrev` as an ICPSR code; `yea_count` and `nay_count` restate the totals of the
# votes file's positions, which are stored.
READ_NOT_STORED = frozenset(
    {
        "nominate_dim1",
        "nominate_dim2",
        "nominate_log_likelihood",
        "nominate_geo_mean_probability",
        "nominate_number_of_votes",
        "nominate_number_of_errors",
        "nokken_poole_dim1",
        "nokken_poole_dim2",
        "nominate_mid_1",
        "nominate_mid_2",
        "nominate_spread_1",
        "nominate_spread_2",
        "prob",
        "state_icpsr",
        "yea_count",
        "nay_count",
    }
)
CHAMBERS = {"Senate": "senate", "House": "house"}
MEMBER_CHAMBERS = ("Senate", "House", "President")
# Voteview cast codes: 1-3 yea (announced, paired), 4-6 nay, 7-8 present, 9 not voting,
# 0 not a member at the time of the vote.
CAST_CODES = {
    0: None,
    1: "yea",
    2: "yea",
    3: "yea",
    4: "nay",
    5: "nay",
    6: "nay",
    7: "present",
    8: "present",
    9: "not_voting",
}
PARTIES = {100: "D", 200: "R", 328: "I"}
BIOGUIDE = re.compile(r"^[A-Z][0-9]{6}$")
BILL_NUMBER = re.compile(r"^(HR|S|HRES|SRES|HJRES|SJRES|HCONRES|SCONRES)(\d+)$")
NOMINATION = re.compile(r"^PN(\d+(?:-\d+)?)$")
OTHER_SUBJECT = re.compile(r"^(TREATYDOC\d*|)$")


def kind_of_header(header: list[str] | None) -> str | None:
    """Which Voteview file a header belongs to: members, rollcalls or votes."""
    columns = set(header or ())
    if {"icpsr", "bioname"} <= columns:
        return "members"
    if {"rollnumber", "clerk_rollnumber"} <= columns:
        return "rollcalls"
    if {"rollnumber", "icpsr", "cast_code"} <= columns:
        return "votes"
    return None


def detect(path: Path, head: Any) -> bool:
    """Whether the file is a Voteview members, rollcalls or votes CSV (from its first bytes)."""
    return path.suffix.lower() == ".csv" and kind_of_header(header_of(head)) is not None


def _number(path: Path, line: int, field: str, raw: str) -> int:
    """A whole number, also written as a float (`14226.0`)."""
    number = values.integer(raw, path, f"line {line}", field)
    if number is None:
        raise ImportFailure(path, f"line {line}", f"{field} is empty")
    return number


def _chamber(path: Path, line: int, raw: str) -> str:
    chamber = CHAMBERS.get(raw.strip())
    if chamber is None:
        raise ImportFailure(path, f"line {line}", f"unknown chamber {raw!r}")
    return chamber


async def import_members(conn: asyncpg.Connection, path: Path, table: Table) -> Summary:
    """The members file: the ICPSR crosswalk, `legislators.icpsr_id` where missing, and a
    legislator record for each member not yet known."""
    dataset_id = await datasets.ensure(conn, VOTEVIEW)
    col = table.columns
    rows: dict[tuple[int, str, int], tuple[Any, ...]] = {}
    for line, f in table.records:
        congress = _number(path, line, "congress", f[col["congress"]])
        chamber = f[col["chamber"]].strip()
        if chamber not in MEMBER_CHAMBERS:
            raise ImportFailure(path, f"line {line}", f"unknown chamber {chamber!r}")
        icpsr = _number(path, line, "icpsr", f[col["icpsr"]])
        bioguide = clean(f[col["bioguide_id"]])
        if bioguide is not None and not BIOGUIDE.match(bioguide):
            raise ImportFailure(path, f"line {line}", f"bioguide_id {bioguide!r} is not valid")
        name = clean(f[col["bioname"]])
        if name is None:
            raise ImportFailure(path, f"line {line}", "bioname is empty")
        state = None
        if chamber != "President":
            state = values.state(f[col["state_abbrev"]], path, f"line {line}")
        party = values.integer(f[col["party_code"]], path, f"line {line}", "party_code")
        key = (congress, chamber, icpsr)
        if key in rows:
            raise ImportFailure(path, f"line {line}", f"icpsr {icpsr} is listed twice")
        rows[key] = (congress, chamber, icpsr, bioguide, name, state, party, dataset_id)
    summary = Summary()
    note_unread_columns(summary, table, MEMBER_COLUMNS, READ_NOT_STORED)
    counts, _ = await upsert(
        conn,
        "voteview_members",
        [
            "congress",
            "chamber",
            "icpsr",
            "bioguide_id",
            "name",
            "state",
            "party_code",
            "dataset_id",
        ],
        list(rows.values()),
        ["congress", "chamber", "icpsr"],
    )
    summary["voteview_members"].add(counts)
    await members.ensure_members(
        conn,
        [
            members.NamedMember(
                key=f"icpsr:{r[2]}", bioguide_id=r[3], icpsr_id=r[2], **bioname(r[4])
            )
            for r in rows.values()
            if r[1] != "President"
        ],
        named_by=members.VOTEVIEW_MEMBERS,
        dataset_id=dataset_id,
        source_file=source_file(path),
        summary=summary,
    )
    await resolve_icpsr(conn, summary)
    return summary


def bioname(text: str) -> dict[str, str | None]:
    """Name parts from a Voteview `bioname`, as published: `SANDERS, Bernard` gives last name
    `SANDERS` and first name `Bernard` (Voteview writes `LAST, First`); a name without a
    comma is kept whole as the published name."""
    last, comma, first = text.partition(",")
    if not comma or not last.strip() or not first.strip():
        return {"published_name": text}
    return {"last_name": last.strip(), "first_name": first.strip(), "published_name": text}


def _subject(path: Path, line: int, raw: str, congress: int) -> tuple[str | None, str | None]:
    """(bill key, nomination number) from a Voteview `bill_number` such as S3985 or PN17."""
    text = raw.strip().upper()
    bill = BILL_NUMBER.match(text)
    if bill:
        return values.bill_key(bill.group(1).lower(), int(bill.group(2)), congress), None
    nomination = NOMINATION.match(text)
    if nomination:
        return None, nomination.group(1)
    if OTHER_SUBJECT.match(text):
        return None, None
    raise ImportFailure(path, f"line {line}", f"unknown bill_number {raw!r}")


async def import_rollcalls(conn: asyncpg.Connection, path: Path, table: Table) -> Summary:
    """The rollcalls file: one `votes` row per roll call, linked to its bill when known."""
    dataset_id = await datasets.ensure(conn, VOTEVIEW)
    origin = source_file(path)
    zone = ZoneInfo(CAPITAL_TIME_ZONE)
    col = table.columns
    rows: dict[str, tuple[Any, ...]] = {}
    numbers: dict[tuple[str, int, int], int] = {}
    untitled = 0
    for line, f in table.records:
        congress = _number(path, line, "congress", f[col["congress"]])
        chamber = _chamber(path, line, f[col["chamber"]])
        rollnumber = _number(path, line, "rollnumber", f[col["rollnumber"]])
        clerk = _number(path, line, "clerk_rollnumber", f[col["clerk_rollnumber"]])
        raw_date = f[col["date"]].strip()
        try:
            day = date.fromisoformat(raw_date)
        except ValueError as exc:
            raise ImportFailure(path, f"line {line}", f"date {raw_date!r} is not a date") from exc
        earlier = numbers.get((chamber, congress, rollnumber))
        if earlier is not None:
            raise ImportFailure(
                path, f"line {line}", f"rollnumber {rollnumber} is already on line {earlier}"
            )
        numbers[chamber, congress, rollnumber] = line
        # The legislative year, as unitedstates/congress counts it: votes of 1-3 January can
        # still belong to the previous year's session, which the file's `session` gives.
        session = _number(path, line, "session", f[col["session"]])
        year = 1789 + 2 * (congress - 1) + session - 1
        vote_id = f"{chamber[0]}{clerk}-{congress}.{year}"
        if vote_id in rows:
            raise ImportFailure(path, f"line {line}", f"{vote_id} is listed twice")
        bill_key, nomination = _subject(path, line, f[col["bill_number"]], congress)
        if nomination is None and f[col["vote_desc"]].strip():
            untitled += 1  # `vote_desc` is stored only as a nomination's title
        question = clean(f[col["vote_question"]])
        rows[vote_id] = (
            vote_id,
            chamber,
            congress,
            str(year),
            clerk,
            datetime.combine(day, time(), zone),
            question,
            question,
            clean(f[col["vote_result"]]),
            bill_key,
            nomination,
            clean(f[col["vote_desc"]]) if nomination else None,
            rollnumber,
            dataset_id,
        )
    bills = {
        r["bill_id"]: r["id"]
        for r in await conn.fetch(
            "SELECT bill_id, id FROM bills WHERE bill_id = ANY($1)",
            list({r[9] for r in rows.values() if r[9]}),
        )
    }
    summary = Summary()
    note_unread_columns(summary, table, ROLLCALL_COLUMNS, READ_NOT_STORED)
    summary.note_unread(origin, repeat("vote_desc", untitled))
    counts, _, foreign = await upsert_owned(
        conn,
        "votes",
        [
            "vote_id",
            "chamber",
            "congress",
            "session",
            "number",
            "voted_at",
            "question",
            "vote_type",
            "result",
            "bill_key",
            "nomination_number",
            "nomination_title",
            "voteview_rollnumber",
            "dataset_id",
            "bill_id",
            "source_file",
        ],
        [(*r, bills.get(r[9]), origin) for r in rows.values()],
        "vote_id",
        {dataset_id},
    )
    if foreign:
        # Roll calls another dataset already holds keep their data; they only learn
        # Voteview's number, so that the votes file can find them.
        status = await conn.execute(
            "UPDATE votes v SET voteview_rollnumber = u.n FROM unnest($1::text[], $2::int[])"
            " AS u(vote_id, n) WHERE v.vote_id = u.vote_id"
            " AND v.voteview_rollnumber IS DISTINCT FROM u.n",
            list(foreign),
            [rows[v][12] for v in foreign],
        )
        counts.updated += int(status.split()[-1])
        counts.unchanged -= int(status.split()[-1])
    summary["votes"].add(counts)
    return summary


class _Cache(dict[str, int]):
    """Whole numbers by their text, so each distinct `14226.0` is parsed once."""

    def __init__(self, path: Path, field: str) -> None:
        super().__init__()
        self.path, self.field = path, field

    def get_number(self, raw: str, line: int) -> int:
        found = self.get(raw)
        if found is None:
            found = self[raw] = _number(self.path, line, self.field, raw)
        return found


async def import_votes(conn: asyncpg.Connection, path: Path, table: Table) -> Summary:
    """The votes file: every member's position on every roll call already imported."""
    await datasets.ensure(conn, VOTEVIEW)
    col = table.columns
    i_congress, i_chamber, i_roll, i_icpsr, i_cast = (col[c] for c in VOTE_COLUMNS)
    congresses, rolls = _Cache(path, "congress"), _Cache(path, "rollnumber")
    icpsrs, casts = _Cache(path, "icpsr"), _Cache(path, "cast_code")
    chambers: dict[str, str] = {}
    parsed = []
    for line, f in table.records:
        chamber = chambers.get(f[i_chamber])
        if chamber is None:
            chamber = chambers[f[i_chamber]] = _chamber(path, line, f[i_chamber])
        cast = casts.get_number(f[i_cast], line)
        if cast not in CAST_CODES:
            raise ImportFailure(path, f"line {line}", f"unknown cast_code {f[i_cast]!r}")
        parsed.append(
            (
                line,
                congresses.get_number(f[i_congress], line),
                chamber,
                rolls.get_number(f[i_roll], line),
                icpsrs.get_number(f[i_icpsr], line),
                CAST_CODES[cast],
            )
        )
    congress_list = sorted(set(congresses.values()))
    votes = {
        (r["congress"], r["chamber"], r["voteview_rollnumber"]): (r["id"], r["dataset_id"])
        for r in await conn.fetch(
            "SELECT congress, chamber, voteview_rollnumber, id, dataset_id FROM votes"
            " WHERE voteview_rollnumber IS NOT NULL AND congress = ANY($1)",
            congress_list,
        )
    }
    members: dict[tuple[int, int], dict[str, Any]] = {}
    for r in await conn.fetch(
        "SELECT m.congress, m.chamber, m.icpsr, m.state, m.party_code,"
        " coalesce(l.id, li.id) AS legislator_id FROM voteview_members m"
        " LEFT JOIN legislators l ON l.bioguide_id = m.bioguide_id"
        " LEFT JOIN LATERAL (SELECT id FROM legislators WHERE icpsr_id = m.icpsr"
        " ORDER BY id LIMIT 1) li ON l.id IS NULL"
        " WHERE m.congress = ANY($1)",
        congress_list,
    ):
        members.setdefault((r["congress"], r["icpsr"]), {})[r["chamber"]] = r
    own_dataset = await conn.fetchval("SELECT id FROM datasets WHERE key = $1", VOTEVIEW.key)
    rows = []
    seen: dict[tuple[int, int], int] = {}
    owned: set[int] = set()
    for line, congress, chamber, rollnumber, icpsr, position in parsed:
        vote = votes.get((congress, chamber, rollnumber))
        if vote is None:
            raise ImportFailure(
                path,
                f"line {line}",
                f"rollnumber {rollnumber} ({chamber}, congress {congress}) is not imported;"
                " import the rollcalls file first",
            )
        roles = members.get((congress, icpsr))
        if roles is None:
            raise ImportFailure(
                path,
                f"line {line}",
                f"icpsr {icpsr} is not in the members file of congress {congress};"
                " import the members file first",
            )
        member = roles.get(chamber.title())
        if member is None or position is None:
            continue  # the President's position, or not a member at the time (code 0)
        vote_pk, vote_dataset = vote
        if vote_dataset != own_dataset:
            continue  # another dataset lists this roll call's members by its own ids
        key = (vote_pk, icpsr)
        if key in seen:
            raise ImportFailure(
                path, f"line {line}", f"icpsr {icpsr} is already on line {seen[key]}"
            )
        seen[key] = line
        owned.add(vote_pk)
        rows.append(
            (
                vote_pk,
                f"icpsr:{icpsr}",
                member["legislator_id"],
                position,
                PARTIES.get(member["party_code"]),
                member["state"],
            )
        )
    summary = Summary()
    note_unread_columns(summary, table, VOTE_COLUMNS, READ_NOT_STORED)
    counts = await upsert_counts(
        conn,
        "vote_positions",
        ["vote_id", "member_id", "legislator_id", "position", "party", "state"],
        rows,
        ["vote_id", "member_id"],
    )
    counts.removed = await remove_missing(
        conn,
        "vote_positions",
        "vote_id",
        sorted(owned),
        ["vote_id", "member_id"],
        [r[:2] for r in rows],
    )
    counts.unresolved = sum(1 for r in rows if r[2] is None)
    summary["vote_positions"].add(counts)
    return summary


async def resolve_icpsr(conn: asyncpg.Connection, summary: Summary | None = None) -> int:
    """Link Voteview positions (`icpsr:<n>`) to legislators now known; returns how many.

    Call after importing legislators. A legislator without an ICPSR id gets the one the
    members crosswalk gives for their bioguide id.
    """
    status = await conn.execute(
        "UPDATE legislators l SET icpsr_id = m.icpsr FROM voteview_members m"
        " WHERE l.icpsr_id IS NULL AND m.bioguide_id = l.bioguide_id"
        " AND m.chamber <> 'President'"
    )
    if summary is not None:
        summary["legislators"].updated += int(status.split()[-1])
    linked = await conn.execute(
        "UPDATE vote_positions p SET legislator_id = l.id"
        " FROM votes v, voteview_members m, legislators l"
        " WHERE p.legislator_id IS NULL AND p.member_id LIKE 'icpsr:%'"
        " AND v.id = p.vote_id AND m.congress = v.congress"
        " AND m.chamber = initcap(v.chamber) AND m.icpsr = substr(p.member_id, 7)::integer"
        " AND l.bioguide_id = m.bioguide_id"
    )
    by_icpsr = await conn.execute(
        "UPDATE vote_positions p SET legislator_id = l.id FROM legislators l"
        " WHERE p.legislator_id IS NULL AND p.member_id LIKE 'icpsr:%'"
        " AND l.icpsr_id = substr(p.member_id, 7)::integer"
    )
    return int(linked.split()[-1]) + int(by_icpsr.split()[-1])


async def import_voteview(conn: asyncpg.Connection, path: Path) -> Summary:
    """Import one Voteview members, rollcalls or votes CSV inside the caller's transaction."""
    path = Path(path)
    kind = kind_of_header(header_of(head_of(path)))
    if kind == "members":
        return await import_members(conn, path, read_csv(path, MEMBER_COLUMNS))
    if kind == "rollcalls":
        return await import_rollcalls(conn, path, read_csv(path, ROLLCALL_COLUMNS))
    if kind == "votes":
        return await import_votes(conn, path, read_csv(path, VOTE_COLUMNS))
    read_csv(path, ())  # an empty or non-UTF-8 file is reported as such
    raise ImportFailure(path, "line 1", "not a Voteview members, rollcalls or votes header")
