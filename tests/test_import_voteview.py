"""The Voteview importers: S116 members, rollcalls and votes (Senate, 116th Congress).

Counts come from the shipped files: 103 members (the President and 102 senators, 70 of them
in legislators-current.yaml), 720 roll calls and 72,285 vote rows. 285 of those rows are the
President's announced positions (icpsr 99912), which are not floor votes: without them each
roll call has exactly 100 senators and the file's own yea_count and nay_count. The file has
no cast code 0, so 72,000 positions are stored. The shipped template already holds the three
files, so a first import runs on a database holding only the current legislators.
"""

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.settings import ROOT
from db.importers import voteview
from db.importers.bulk import Summary
from db.importers.errors import ImportFailure
from db.load import import_paths, load_files
from tests.csv_files import with_column

VOTEVIEW = ROOT / "data/votes/voteview"
MEMBERS = VOTEVIEW / "S116_members.csv"
ROLLCALLS = VOTEVIEW / "S116_rollcalls.csv"
VOTES = VOTEVIEW / "S116_votes.csv"
FILES = (MEMBERS, ROLLCALLS, VOTES)
LEGISLATORS = ROOT / "data/legislators/legislators-current.yaml"
POSITIONS = 72_000
PRESIDENT_ROWS = 285
FORMER_SENATORS = 32  # 102 senators, 70 of them in the current legislators file
FORMER_POSITIONS = 22_275  # the positions of those 32 senators


async def run(url: str, path: Path) -> Summary:
    """Import one file in its own transaction."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            return await voteview.import_voteview(conn, path)
    finally:
        await conn.close()


async def query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def import_all(url: str) -> list[Summary]:
    return [await run(url, path) for path in FILES]


async def snapshot(url: str) -> dict[str, Any]:
    """Row counts and the latest updated_at of everything these importers write."""
    result = {}
    for table in ("voteview_members", "votes", "vote_positions", "legislators", "datasets"):
        row = (await query(url, f"SELECT count(*), max(updated_at) FROM {table}"))[0]
        result[table] = tuple(row)
    return result


def test_file_counts():
    rows = list(csv.DictReader(VOTES.open(encoding="utf-8")))
    assert len(rows) == 72_285
    assert sum(1 for r in rows if r["icpsr"] == "99912.0") == PRESIDENT_ROWS
    assert not [r for r in rows if float(r["cast_code"]) == 0]


def test_detect_each_file_and_nothing_else():
    for path in FILES:
        assert voteview.detect(path, path.read_bytes()[:4096])
    ice = ROOT / "data/incidents/cbp_deaths_in_custody.csv"
    assert not voteview.detect(ice, ice.read_bytes()[:4096])
    assert not voteview.detect(MEMBERS, {"parsed": "json"})


async def test_imports_members_rollcalls_and_votes(empty_url):
    await load_files(empty_url, [LEGISLATORS])
    members, rollcalls, votes = await import_all(empty_url)
    assert members["voteview_members"].inserted == 103
    # The 32 former senators become legislator records named by Voteview.
    assert members["voteview_members"].unresolved == 0
    assert members["legislators"].inserted == FORMER_SENATORS
    # Mark Kelly (K000377) has no ICPSR id in legislators-current.yaml; Voteview gives it.
    assert members["legislators"].updated == 1
    kelly = await query(empty_url, "SELECT icpsr_id FROM legislators WHERE bioguide_id = 'K000377'")
    assert kelly[0]["icpsr_id"] == 41905
    assert rollcalls["votes"].inserted == 720
    assert votes["vote_positions"].inserted == POSITIONS
    assert votes["vote_positions"].unresolved == 0
    former = await query(
        empty_url,
        "SELECT count(*) FROM vote_positions p JOIN legislators l ON l.id = p.legislator_id"
        " WHERE l.named_by = 'voteview-members'",
    )
    assert former[0][0] == FORMER_POSITIONS
    dataset = await query(
        empty_url, "SELECT license, attribution FROM datasets WHERE key = 'voteview'"
    )
    assert "Voteview: Congressional Roll-Call Votes Database" in dataset[0]["attribution"]


async def test_positions_match_the_published_totals(fresh_url):
    await import_all(fresh_url)
    totals = dict(
        await query(
            fresh_url,
            "SELECT position, count(*) FROM vote_positions p JOIN votes v ON v.id = p.vote_id"
            " WHERE v.voteview_rollnumber IS NOT NULL GROUP BY 1",
        )
    )
    assert totals == {"yea": 47_025, "nay": 20_929, "not_voting": 4_003, "present": 43}
    stored = {
        r["voteview_rollnumber"]: (r["yea"], r["nay"], r["members"])
        for r in await query(
            fresh_url,
            "SELECT v.voteview_rollnumber, count(*) FILTER (WHERE p.position = 'yea') AS yea,"
            " count(*) FILTER (WHERE p.position = 'nay') AS nay, count(*) AS members"
            " FROM votes v JOIN vote_positions p ON p.vote_id = v.id"
            " WHERE v.voteview_rollnumber IS NOT NULL GROUP BY 1",
        )
    }
    published = {
        int(r["rollnumber"]): (int(r["yea_count"]), int(r["nay_count"]), 100)
        for r in csv.DictReader(ROLLCALLS.open(encoding="utf-8"))
    }
    assert stored == published
    president = await query(
        fresh_url, "SELECT count(*) FROM vote_positions WHERE member_id = 'icpsr:99912'"
    )
    assert president[0][0] == 0


async def test_rollcall_becomes_a_vote_row(fresh_url):
    await import_all(fresh_url)
    rows = await query(
        fresh_url,
        "SELECT vote_id, chamber, congress, session, number, voted_at::date AS day, question,"
        " result, bill_key, bill_id, nomination_number FROM votes"
        " WHERE voteview_rollnumber = 554 AND congress = 116",
    )
    assert len(rows) == 1
    vote = rows[0]
    assert vote["vote_id"] == "s126-116.2020"
    assert (vote["chamber"], vote["congress"], vote["session"], vote["number"]) == (
        "senate",
        116,
        "2020",
        126,
    )
    assert str(vote["day"]) == "2020-06-24"
    assert vote["question"] == "On Cloture on the Motion to Proceed"
    assert vote["result"] == "Cloture on the Motion to Proceed Rejected"
    assert vote["bill_key"] == "s3985-116"
    assert vote["bill_id"] is None  # S. 3985 is not among the shipped bills
    nominations = await query(
        fresh_url,
        "SELECT count(*) FROM votes WHERE congress = 116 AND nomination_number IS NOT NULL",
    )
    assert nominations[0][0] == 515  # the rollcalls whose bill_number is PN...


async def test_positions_link_known_senators(fresh_url):
    await import_all(fresh_url)
    rows = await query(
        fresh_url,
        "SELECT p.position, p.party, p.state, l.bioguide_id FROM vote_positions p"
        " JOIN votes v ON v.id = p.vote_id LEFT JOIN legislators l ON l.id = p.legislator_id"
        " WHERE v.voteview_rollnumber = 1 AND p.member_id = 'icpsr:14226'",
    )
    # Line 2 of S116_votes.csv: 116,Senate,1,14226.0,1.0 (yea); the members file gives
    # icpsr 14226 as GRASSLEY, Charles Ernest, G000386, IA, party 200 (Republican).
    assert [tuple(r) for r in rows] == [("yea", "R", "IA", "G000386")]


async def test_second_import_changes_nothing(fresh_url):
    await import_all(fresh_url)
    before = await snapshot(fresh_url)
    for summary in await import_all(fresh_url):
        for counts in summary.entities.values():
            assert (counts.inserted, counts.updated, counts.removed) == (0, 0, 0)
    assert await snapshot(fresh_url) == before


async def test_every_member_becomes_a_legislator_and_is_upgraded_in_place(empty_url):
    members, _, votes = await import_all(empty_url)
    # On an empty database each of the 102 senators becomes a record named by Voteview
    # (the President does not), so every position is linked at once.
    assert members["voteview_members"].unresolved == 0
    assert members["legislators"].inserted == 102
    assert votes["vote_positions"].unresolved == 0
    grassley = await query(
        empty_url,
        "SELECT id, first_name, last_name, published_name, named_by, source_file"
        " FROM legislators WHERE bioguide_id = 'G000386'",
    )
    # S116_members.csv: bioname "GRASSLEY, Charles Ernest", as published.
    assert [tuple(r)[1:] for r in grassley] == [
        (
            "Charles Ernest",
            "GRASSLEY",
            "GRASSLEY, Charles Ernest",
            "voteview-members",
            "votes/voteview/S116_members.csv",
        )
    ]
    # The legislators import upgrades the 70 current senators in place (same row, fuller
    # data, congress-legislators provenance) and leaves the 32 former ones as they are.
    await load_files(empty_url, [LEGISLATORS])
    conn = await asyncpg.connect(empty_url)
    try:
        after = await conn.fetchrow(
            "SELECT id, first_name, last_name, published_name, named_by, source_file"
            " FROM legislators WHERE bioguide_id = 'G000386'"
        )
        by_source = {
            r["named_by"]: r["count"]
            for r in await conn.fetch(
                "SELECT named_by, count(*) FROM legislators GROUP BY named_by"
            )
        }
        unresolved = await conn.fetchval(
            "SELECT count(*) FROM vote_positions WHERE legislator_id IS NULL"
        )
        former = await conn.fetchval(
            "SELECT count(*) FROM vote_positions p JOIN legislators l ON l.id = p.legislator_id"
            " WHERE l.named_by = 'voteview-members'"
        )
        kelly = await conn.fetchval(
            "SELECT icpsr_id FROM legislators WHERE bioguide_id = 'K000377'"
        )
        async with conn.transaction():
            left = await voteview.resolve_icpsr(conn)
    finally:
        await conn.close()
    assert after["id"] == grassley[0]["id"]
    # legislators-current.yaml: first Charles, middle E., last Grassley.
    assert (after["first_name"], after["last_name"], after["published_name"]) == (
        "Charles",
        "Grassley",
        None,
    )
    assert (after["named_by"], after["source_file"]) == (
        "congress-legislators",
        "legislators/legislators-current.yaml",
    )
    assert by_source == {"congress-legislators": 537, "voteview-members": FORMER_SENATORS}
    assert unresolved == 0
    assert former == FORMER_POSITIONS
    assert kelly == 41905
    assert left == 0  # nothing was left for a later call to link


def edited_copy(tmp_path: Path, source: Path, line: int, old: str, new: str) -> Path:
    """A copy of `source` with `old` replaced by `new` on one (1-based) line."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    copy = tmp_path / source.name
    copy.write_text("".join(lines), encoding="utf-8")
    return copy


async def assert_rejected(url: str, path: Path, record: str | None, problem: str) -> None:
    before = await snapshot(url)
    with pytest.raises(ImportFailure) as failure:
        await run(url, path)
    assert failure.value.path == str(path)
    assert failure.value.record == record
    assert problem in failure.value.problem
    assert await snapshot(url) == before


async def test_unknown_cast_code_is_rejected_with_its_line(fresh_url, tmp_path):
    await run(fresh_url, MEMBERS)
    await run(fresh_url, ROLLCALLS)
    # Line 5000 of the votes file (116,Senate,50,41701.0,6.0,...); the rows before it are valid.
    copy = edited_copy(tmp_path, VOTES, 5000, ",6.0,", ",10.0,")
    await assert_rejected(fresh_url, copy, "line 5000", "unknown cast_code '10.0'")


async def test_votes_before_their_rollcalls_are_rejected(empty_url):
    await run(empty_url, MEMBERS)
    await assert_rejected(empty_url, VOTES, "line 2", "import the rollcalls file first")


async def test_bad_rollcall_date_is_rejected(fresh_url, tmp_path):
    copy = edited_copy(tmp_path, ROLLCALLS, 3, "2019-01-10", "2019-13-10")
    await assert_rejected(fresh_url, copy, "line 3", "date '2019-13-10' is not a date")


async def test_unknown_bill_number_is_rejected(fresh_url, tmp_path):
    copy = edited_copy(tmp_path, ROLLCALLS, 2, ",S1,", ",XYZ1,")
    await assert_rejected(fresh_url, copy, "line 2", "unknown bill_number 'XYZ1'")


async def test_missing_column_is_rejected(fresh_url, tmp_path):
    copy = edited_copy(tmp_path, MEMBERS, 1, "bioguide_id", "bioguide")
    await assert_rejected(fresh_url, copy, "line 1", "missing column bioguide_id")


async def test_non_utf8_file_is_rejected_with_its_line(fresh_url, tmp_path):
    raw = MEMBERS.read_bytes().splitlines(keepends=True)
    raw[3] = raw[3].replace(b"SHELBY", b"SH\xc9LBY")  # a Latin-1 É on line 4
    copy = tmp_path / MEMBERS.name
    copy.write_bytes(b"".join(raw))
    await assert_rejected(fresh_url, copy, "line 4", "not UTF-8")


async def test_empty_file_is_rejected(fresh_url, tmp_path):
    copy = tmp_path / "S116_votes.csv"
    copy.write_bytes(b"")
    await assert_rejected(fresh_url, copy, None, "the file is empty")


async def test_member_chamber_must_be_known(fresh_url, tmp_path):
    copy = edited_copy(tmp_path, MEMBERS, 3, "116,Senate,", "116,Senat,")
    await assert_rejected(fresh_url, copy, "line 3", "unknown chamber 'Senat'")


def test_president_rows_are_the_only_skipped_rows():
    rows = list(csv.DictReader(VOTES.open(encoding="utf-8")))
    senators = Counter(r["rollnumber"] for r in rows if r["icpsr"] != "99912.0")
    assert set(senators.values()) == {100}
    assert sum(senators.values()) == POSITIONS


# The columns of the shipped files not read, with the records in which each is non-empty;
# the DW-NOMINATE estimates, `prob`, `state_icpsr` and the yea and nay counts are known and
# not stored (voteview.READ_NOT_STORED); `dtl_desc` is empty in every record. `vote_desc`
# is stored only as the title of the 515 nomination roll calls; 204 others carry one.
SHIPPED_UNREAD = {
    MEMBERS: {"district_code": 103, "occupancy": 1, "last_means": 1, "born": 103, "died": 2},
    ROLLCALLS: {"vote_desc": 204},
}


async def test_unread_columns_of_the_shipped_files(fresh_url):
    summary = await load_files(fresh_url, list(FILES))
    assert summary.unread == {str(path): unread for path, unread in SHIPPED_UNREAD.items()}


async def test_an_added_column_is_reported_and_refused_by_strict(empty_url, tmp_path):
    copy = with_column(tmp_path, MEMBERS, "nickname", 3)
    with pytest.raises(ImportFailure) as failure:
        await import_paths(empty_url, [copy], strict=True)
    assert failure.value.path == str(copy)
    assert "refused by --strict" in failure.value.problem
    assert "nickname (3x)" in failure.value.problem
    assert (await query(empty_url, "SELECT count(*) FROM voteview_members"))[0][0] == 0

    summary = await load_files(empty_url, [copy])
    assert summary.unread[str(copy)] == {**SHIPPED_UNREAD[MEMBERS], "nickname": 3}
    assert (await query(empty_url, "SELECT count(*) FROM voteview_members"))[0][0] == 103
