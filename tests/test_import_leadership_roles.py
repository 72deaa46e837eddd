"""congress-legislators `leadership_roles`, imported from the shipped legislators-current.yaml
(unitedstates/congress-legislators @ dfa9622263dd4c8d08636926e498f1845704d7eb) with each
legislator: stored as published, replaced on re-import, and refused when malformed.

Every value asserted here is read from that file: record 2, Amy Klobuchar (K000367), from line
93, her roles at lines 119-134; record 182, Gary J. Palmer (P000609); record 236, Mike Johnson
(J000299).
"""

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml

from api.settings import ROOT
from db.importers.errors import ImportFailure
from db.load import load_files

LEGISLATORS = ROOT / "data/legislators/legislators-current.yaml"
SHARED_LEGISLATORS = ROOT / ".." / "shared" / "data" / "legislators"

# Amy Klobuchar's roles, as the file lists them; the last has no `end` (held now).
KLOBUCHAR_ROLES = """  leadership_roles:
  - title: Senate Democratic Steering Committee Chair
    chamber: senate
    start: '2019-01-03'
    end: '2021-01-03'
  - title: Senate Democratic Steering Committee Chair
    chamber: senate
    start: '2021-01-03'
    end: '2023-01-03'
  - title: Senate Democratic Steering Committee Chair
    chamber: senate
    start: '2023-01-03'
    end: '2025-01-03'
  - title: Senate Democratic Steering Committee Chair
    chamber: senate
    start: '2025-01-03'
  terms:
"""
FIRST_ROLE = """  - title: Senate Democratic Steering Committee Chair
    chamber: senate
    start: '2019-01-03'
    end: '2021-01-03'
"""
KLOBUCHAR_RECORD = "record 2 (bioguide K000367)"

ROLES = """SELECT r.title, r.chamber, r.start_date, r.end_date
    FROM legislator_leadership_roles r JOIN legislators l ON l.id = r.legislator_id
    WHERE l.bioguide_id = $1 ORDER BY r.start_date, r.end_date NULLS LAST"""


async def fetch(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def roles_of(url: str, bioguide: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await fetch(url, ROLES, bioguide)]


async def table_state(url: str) -> tuple[Any, ...]:
    """The roles table's row count, latest updated_at and whole content."""
    rows = await fetch(
        url,
        "SELECT count(*), max(updated_at), array_agg((id, legislator_id, title, chamber,"
        " start_date, end_date)::text ORDER BY id) FROM legislator_leadership_roles",
    )
    return tuple(rows[0])


def roles_in(path: Path) -> Counter[tuple[Any, ...]]:
    """(bioguide, title, chamber, start, end) of every role `path` lists."""
    found: Counter[tuple[Any, ...]] = Counter()
    for person in yaml.safe_load(path.read_text(encoding="utf-8")):
        for role in person.get("leadership_roles") or []:
            found[
                (
                    person["id"]["bioguide"],
                    role["title"],
                    role["chamber"],
                    date.fromisoformat(role["start"]),
                    date.fromisoformat(role["end"]) if "end" in role else None,
                )
            ] += 1
    return found


def edited(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the shipped legislators file with `old` (found once) replaced by `new`."""
    text = LEGISLATORS.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / LEGISLATORS.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


async def test_the_file_lists_klobuchars_roles_as_asserted():
    text = LEGISLATORS.read_text(encoding="utf-8")
    assert text.count(KLOBUCHAR_ROLES) == 1
    people = yaml.safe_load(text)
    assert people[1]["id"]["bioguide"] == "K000367"
    assert people[1]["name"]["official_full"] == "Amy Klobuchar"


async def test_klobuchar_has_exactly_her_four_roles(seeded_url):
    steering = "Senate Democratic Steering Committee Chair"
    assert await roles_of(seeded_url, "K000367") == [
        (steering, "senate", date(2019, 1, 3), date(2021, 1, 3)),
        (steering, "senate", date(2021, 1, 3), date(2023, 1, 3)),
        (steering, "senate", date(2023, 1, 3), date(2025, 1, 3)),
        (steering, "senate", date(2025, 1, 3), None),
    ]


async def test_a_role_without_an_end_is_stored_with_a_null_end(seeded_url):
    # Lines 26972-26983: Speaker from 2023-10-25 to 2025-01-03, and again from 2025-01-03.
    assert await roles_of(seeded_url, "J000299") == [
        ("House Republican Conference Vice Chair", "house", date(2021, 1, 3), date(2023, 1, 3)),
        ("Speaker of the House", "house", date(2023, 10, 25), date(2025, 1, 3)),
        ("Speaker of the House", "house", date(2025, 1, 3), None),
    ]
    rows = await fetch(
        seeded_url, "SELECT count(*) FROM legislator_leadership_roles WHERE end_date IS NULL"
    )
    assert rows[0][0] == 28 == sum(1 for role in roles_in(LEGISLATORS) if role[4] is None)


async def test_the_same_title_and_start_with_two_ends_are_both_kept(seeded_url):
    # Published as is: two roles from 2021-01-03, one to 2023-01-03 and one to 2025-01-03.
    chair = "House Republican Policy Committee Chair"
    assert await roles_of(seeded_url, "P000609") == [
        (chair, "house", date(2019, 1, 3), date(2021, 1, 3)),
        (chair, "house", date(2021, 1, 3), date(2023, 1, 3)),
        (chair, "house", date(2021, 1, 3), date(2025, 1, 3)),
    ]


async def test_every_role_in_the_file_is_stored_once(seeded_url):
    expected = roles_in(LEGISLATORS)
    assert sum(expected.values()) == 127
    assert len({role[0] for role in expected}) == 40
    assert set(expected.values()) == {1}
    rows = await fetch(
        seeded_url,
        "SELECT l.bioguide_id, r.title, r.chamber, r.start_date, r.end_date"
        " FROM legislator_leadership_roles r JOIN legislators l ON l.id = r.legislator_id",
    )
    assert Counter(tuple(r) for r in rows) == expected


async def test_leadership_roles_are_read_and_an_unknown_subkey_is_noted(empty_url, tmp_path):
    summary = await load_files(empty_url, [LEGISLATORS])
    assert summary["leadership_roles"].inserted == 127
    assert not any(k.startswith("leadership_roles") for k in summary.unread[str(LEGISLATORS)])

    path = edited(tmp_path, FIRST_ROLE, FIRST_ROLE + "    note: not a documented key\n")
    summary = await load_files(empty_url, [path])
    unread = summary.unread[str(path)]
    assert unread["leadership_roles[].note"] == 1
    assert not {"leadership_roles", "leadership_roles[].title", "leadership_roles[].end"} & set(
        unread
    )
    assert summary["leadership_roles"].unchanged == 127


async def test_importing_the_file_again_changes_nothing(fresh_url):
    before = await table_state(fresh_url)
    summary = await load_files(fresh_url, [LEGISLATORS])
    counts = summary["leadership_roles"]
    assert (counts.inserted, counts.updated, counts.unchanged, counts.removed) == (0, 0, 127, 0)
    assert await table_state(fresh_url) == before


async def test_a_role_the_file_drops_is_removed_and_a_changed_one_replaced(fresh_url, tmp_path):
    steering = "Senate Democratic Steering Committee Chair"
    dropped = edited(tmp_path, "  leadership_roles:\n" + FIRST_ROLE, "  leadership_roles:\n")
    summary = await load_files(fresh_url, [dropped])
    counts = summary["leadership_roles"]
    assert (counts.inserted, counts.unchanged, counts.removed) == (0, 126, 1)
    assert [r[2] for r in await roles_of(fresh_url, "K000367")] == [
        date(2021, 1, 3),
        date(2023, 1, 3),
        date(2025, 1, 3),
    ]

    # A role that ends (a made-up edit of the copy, not a published fact): the row with no
    # end is replaced by the role with its end, and the first role, back, is inserted again.
    held = "    start: '2025-01-03'\n  terms:\n"
    ending = "    start: '2025-01-03'\n    end: '2027-01-03'\n  terms:\n"
    ended = KLOBUCHAR_ROLES.replace(held, ending)
    summary = await load_files(fresh_url, [edited(tmp_path, KLOBUCHAR_ROLES, ended)])
    counts = summary["leadership_roles"]
    assert (counts.inserted, counts.unchanged, counts.removed) == (2, 125, 1)
    assert (await roles_of(fresh_url, "K000367"))[-1] == (
        steering,
        "senate",
        date(2025, 1, 3),
        date(2027, 1, 3),
    )

    # A legislator whose roles are all gone from the file keeps none.
    summary = await load_files(fresh_url, [edited(tmp_path, KLOBUCHAR_ROLES, "  terms:\n")])
    assert summary["leadership_roles"].removed == 4
    assert await roles_of(fresh_url, "K000367") == []
    assert summary["legislators"].unchanged == 537


MALFORMED = {
    "no-title": (
        FIRST_ROLE,
        FIRST_ROLE.replace("  - title: Senate Democratic Steering Committee Chair\n    ", "  - "),
        "leadership role 1 needs a title",
    ),
    "empty-title": (
        FIRST_ROLE,
        FIRST_ROLE.replace("Senate Democratic Steering Committee Chair", "''"),
        "leadership role 1 needs a title",
    ),
    "bad-start": (
        FIRST_ROLE,
        FIRST_ROLE.replace("start: '2019-01-03'", "start: '2019-02-30'"),
        "leadership role 1 start '2019-02-30' is not a date",
    ),
    "bad-end": (
        FIRST_ROLE,
        FIRST_ROLE.replace("end: '2021-01-03'", "end: 03/01/2021"),
        "leadership role 1 end '03/01/2021' is not a date",
    ),
    "unknown-chamber": (
        FIRST_ROLE,
        FIRST_ROLE.replace("chamber: senate", "chamber: joint"),
        "leadership role 1: unknown chamber 'joint'",
    ),
    "end-before-start": (
        FIRST_ROLE,
        FIRST_ROLE.replace("end: '2021-01-03'", "end: '2017-01-03'"),
        "leadership role 1: end 2017-01-03 is before start 2019-01-03",
    ),
    "not-a-list": (
        KLOBUCHAR_ROLES,
        "  leadership_roles: Senate Democratic Steering Committee Chair\n  terms:\n",
        "leadership_roles must be a list",
    ),
    "not-a-mapping": (
        KLOBUCHAR_ROLES,
        "  leadership_roles:\n  - Senate Democratic Steering Committee Chair\n  terms:\n",
        "leadership role 1 must be a mapping",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_malformed_role_is_refused_naming_file_and_record(fresh_url, tmp_path, case):
    old, new, problem = MALFORMED[case]
    path = edited(tmp_path, old, new)
    before = await table_state(fresh_url)
    with pytest.raises(ImportFailure) as failure:
        await load_files(fresh_url, [path])
    assert failure.value.path == str(path)
    assert failure.value.record == KLOBUCHAR_RECORD
    assert failure.value.problem == problem
    assert str(failure.value) == f"{path}, {KLOBUCHAR_RECORD}: {problem}"
    assert await table_state(fresh_url) == before


@pytest.mark.skipif(not SHARED_LEGISLATORS.is_dir(), reason="../shared/data is not present")
async def test_the_shared_legislators_files_import_their_roles(fresh_url):
    # ../shared/data/PROVENANCE.md: the same commit's legislators-current.yaml, and no
    # legislators-historical.yaml; any legislators file there that lists roles imports them.
    files = sorted(SHARED_LEGISLATORS.glob("legislators-*.yaml"))
    with_roles = [f for f in files if "leadership_roles:" in f.read_text(encoding="utf-8")]
    assert SHARED_LEGISLATORS / "legislators-current.yaml" in with_roles
    expected = roles_in(LEGISLATORS)  # already in the template database
    for path in with_roles:
        summary = await load_files(fresh_url, [path])
        counts = summary["leadership_roles"]
        assert counts.inserted + counts.unchanged == sum(roles_in(path).values())
        assert counts.removed == 0
        assert not any(k.startswith("leadership_roles") for k in summary.unread[str(path)])
        expected |= roles_in(path)
    rows = await fetch(
        fresh_url,
        "SELECT l.bioguide_id, r.title, r.chamber, r.start_date, r.end_date"
        " FROM legislator_leadership_roles r JOIN legislators l ON l.id = r.legislator_id",
    )
    assert Counter(tuple(r) for r in rows) == expected
