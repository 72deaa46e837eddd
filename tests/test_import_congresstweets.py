"""The congresstweets accounts importer (alexlitel/congresstweets-accounts, MIT).

The file lists 891 account holders with 1,800 accounts; 815 are members of Congress, 450 of
them in the current legislators file, with 944 accounts (none marked deleted). Imported
after the congress-legislators current and social media files, which name 438 of those
accounts (27 with a handle in another case), it adds 506 and leaves 365 members unresolved.
The shipped set loads the files in that order, so the template already holds all of them.
"""

import json
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.settings import ROOT
from db.importers import congresstweets
from db.importers.bulk import Summary
from db.importers.errors import ImportFailure
from db.load import import_paths, load_files

ACCOUNTS = ROOT / "data/statements/congresstweets-historical-users-filtered.json"
SOCIAL_MEDIA = ROOT / "data/legislators/legislators-social-media.yaml"
LEGISLATORS = ROOT / "data/legislators/legislators-current.yaml"
MEMBER = 54  # the index of the second member in the file (record 55)


async def run(url: str, path: Path) -> Summary:
    """Import one file in its own transaction."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            return await congresstweets.import_congresstweets(conn, path)
    finally:
        await conn.close()


async def query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def snapshot(url: str) -> tuple[Any, ...]:
    row = (await query(url, "SELECT count(*), max(updated_at) FROM social_accounts"))[0]
    return tuple(row)


def test_file_counts():
    data = json.loads(ACCOUNTS.read_text(encoding="utf-8"))
    assert len(data) == 891
    assert sum(len(e["accounts"]) for e in data) == 1800
    assert sum(1 for e in data if e["type"] == "member") == 815


def test_detect():
    assert congresstweets.detect(ACCOUNTS, json.loads(ACCOUNTS.read_text(encoding="utf-8")))
    assert not congresstweets.detect(ACCOUNTS, {"id": "CREC-2005-07-20-pt1-PgH6183"})
    assert not congresstweets.detect(ACCOUNTS, ACCOUNTS.read_bytes()[:4096])


async def test_adds_members_accounts(empty_url):
    await load_files(empty_url, [LEGISLATORS, SOCIAL_MEDIA])
    before = (await query(empty_url, "SELECT count(*) FROM social_accounts"))[0][0]
    summary = await run(empty_url, ACCOUNTS)
    counts = summary["social_accounts"]
    assert (counts.inserted, counts.updated, counts.unchanged) == (506, 0, 438)
    assert counts.unresolved == 365
    after = (await query(empty_url, "SELECT count(*) FROM social_accounts"))[0][0]
    assert after == before + 506
    markey = await query(
        empty_url,
        "SELECT handle, account_id, account_type FROM social_accounts a"
        " JOIN legislators l ON l.id = a.legislator_id"
        " WHERE l.bioguide_id = 'M000133' AND platform = 'twitter' ORDER BY handle",
    )
    assert [tuple(r) for r in markey] == [
        ("EdMarkey", "1129029661", "campaign"),
        ("SenMarkey", "21406834", "office"),
    ]
    # RosaDeLauro in the social media file, rosadelauro here: one account, not two.
    delauro = await query(
        empty_url,
        "SELECT handle FROM social_accounts a JOIN legislators l ON l.id = a.legislator_id"
        " WHERE l.bioguide_id = 'D000216' AND platform = 'twitter'",
    )
    assert {r["handle"] for r in delauro} == {"RosaDeLauro", "Rosa_DeLauro"}
    dataset = await query(
        empty_url, "SELECT license, attribution FROM datasets WHERE key = 'congresstweets-accounts'"
    )
    assert dataset[0]["license"] == "MIT"
    assert "Alex Litel" in dataset[0]["attribution"]


async def test_neither_file_undoes_the_other(fresh_url):
    await run(fresh_url, ACCOUNTS)
    before = await snapshot(fresh_url)
    assert (await run(fresh_url, ACCOUNTS))["social_accounts"].inserted == 0
    social = await load_files(fresh_url, [SOCIAL_MEDIA])
    counts = social["social_accounts"]
    assert (counts.inserted, counts.updated) == (0, 0)
    assert await snapshot(fresh_url) == before


async def assert_rejected(url: str, path: Path, record: str | None, problem: str) -> None:
    before = await snapshot(url)
    with pytest.raises(ImportFailure) as failure:
        await run(url, path)
    assert failure.value.path == str(path)
    assert failure.value.record == record
    assert problem in failure.value.problem
    assert await snapshot(url) == before


def broken(tmp_path: Path, edit: Any) -> Path:
    data = json.loads(ACCOUNTS.read_text(encoding="utf-8"))
    edit(data)
    copy = tmp_path / ACCOUNTS.name
    copy.write_text(json.dumps(data), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("edit", "record", "problem"),
    [
        (lambda d: d[0].update(type="band"), "record 1", "unknown type 'band'"),
        (
            lambda d: d[MEMBER]["accounts"][0].update(account_type="personal"),
            "record 55, account 1",
            "unknown account_type 'personal'",
        ),
        (
            lambda d: d[MEMBER]["accounts"][0].update(screen_name="not a handle"),
            "record 55, account 1",
            "is not a handle",
        ),
        (lambda d: d[MEMBER]["id"].update(bioguide="X1"), "record 55", "bioguide 'X1'"),
    ],
)
async def test_malformed_copies_are_rejected(fresh_url, tmp_path, edit, record, problem):
    assert json.loads(ACCOUNTS.read_text(encoding="utf-8"))[MEMBER]["type"] == "member"
    await assert_rejected(fresh_url, broken(tmp_path, edit), record, problem)


async def test_invalid_and_empty_files_are_rejected(fresh_url, tmp_path):
    copy = tmp_path / ACCOUNTS.name
    copy.write_bytes(b'[\n{"name": "x",\n"accounts": [}\n]')
    await assert_rejected(fresh_url, copy, "line 3", "invalid JSON")
    copy.write_bytes(b"")
    await assert_rejected(fresh_url, copy, None, "the file is empty")


# The keys of the 815 members' entries that are not read; committee, caucus and party
# entries are skipped whole. 118 of the 147 `prev_names` are on members' accounts.
SHIPPED_UNREAD = {
    "name": 815,
    "chamber": 815,
    "party": 815,
    "state": 815,
    "id.govtrack": 815,
    "prev_props": 13,
    "accounts[].prev_names": 118,
    "accounts[].chamber": 1,
    "accounts[].name": 1,
    "accounts[].type": 1,
}


async def test_unread_keys_of_the_shipped_file(fresh_url):
    summary = await load_files(fresh_url, [ACCOUNTS])
    assert summary.unread == {str(ACCOUNTS): SHIPPED_UNREAD}


async def test_an_added_key_is_reported_and_refused_by_strict(empty_url, tmp_path):
    def add_keys(data: list[dict[str, Any]]) -> None:
        data[MEMBER]["id"]["icpsr"] = 14226
        for account in data[MEMBER]["accounts"]:
            account["verified"] = True

    copy = broken(tmp_path, add_keys)
    accounts = len(json.loads(ACCOUNTS.read_text(encoding="utf-8"))[MEMBER]["accounts"])
    await load_files(empty_url, [LEGISLATORS])
    with pytest.raises(ImportFailure) as failure:
        await import_paths(empty_url, [copy], strict=True)
    assert failure.value.path == str(copy)
    assert "refused by --strict" in failure.value.problem
    assert f"accounts[].verified ({accounts}x)" in failure.value.problem
    assert "id.icpsr (1x)" in failure.value.problem
    assert await snapshot(empty_url) == (0, None)

    summary = await load_files(empty_url, [copy])
    assert summary.unread[str(copy)] == {
        **SHIPPED_UNREAD,
        "id.icpsr": 1,
        "accounts[].verified": accounts,
    }
