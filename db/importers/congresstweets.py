"""Importer for the congresstweets accounts list (alexlitel/congresstweets-accounts, MIT):
`historical-users-filtered.json`, the Twitter accounts of members, committees, caucuses and
parties.

Members' accounts become `social_accounts` (platform twitter) of the legislators known by
bioguide id; other members are counted as unresolved, and committee, caucus and party
accounts are not legislators' and are skipped, as are accounts marked deleted. Handles are
matched without regard to case (Twitter's rule). Accounts are only added: one already
recorded (by the congress-legislators social media file, which re-imports its own values)
is left as it is, so re-importing either file never undoes the other.
"""

import re
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import datasets
from db.importers.bulk import Counts, Summary
from db.importers.crec import read_json
from db.importers.datasets import Dataset
from db.importers.errors import ImportFailure
from db.importers.files import source_file
from db.importers.unread import json_paths

CONGRESSTWEETS = Dataset(
    "congresstweets-accounts",
    "congresstweets accounts (alexlitel/congresstweets-accounts)",
    "https://github.com/alexlitel/congresstweets-accounts",
    "MIT",
    "Copyright (c) 2022 Alex Litel. MIT License; see"
    " data/statements/congresstweets-accounts-LICENSE.txt.",
)
TYPES = ("member", "committee", "caucus", "party")
ACCOUNT_TYPES = ("office", "campaign")
BIOGUIDE = re.compile(r"^[A-Z][0-9]{6}$")
HANDLE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
# The key paths read in a member's entry (see db/importers/unread.py); anything else a
# member's entry carries is reported as unread. Committee, caucus and party entries are
# skipped whole (only their `type` is read), as are accounts marked deleted.
READ = frozenset(
    {
        "type",
        "id",
        "id.bioguide",
        "accounts",
        "accounts[].screen_name",
        "accounts[].account_type",
        "accounts[].deleted",
        "accounts[].id",
    }
)


def detect(path: Path, data: Any) -> bool:
    """Whether parsed JSON `data` is a congresstweets users list."""
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], dict)
        and "accounts" in data[0]
        and "type" in data[0]
    )


def parse(path: Path, data: Any) -> tuple[list[tuple[str, str, str | None, str]], int]:
    """(bioguide, handle, account id, account type) of every live member account, and the
    number of member entries without a bioguide id."""
    if not isinstance(data, list):
        raise ImportFailure(path, None, "must be a list of accounts holders")
    accounts, anonymous = [], 0
    for index, entity in enumerate(data):
        record = f"record {index + 1}"
        if not isinstance(entity, dict) or not isinstance(entity.get("accounts"), list):
            raise ImportFailure(path, record, "needs a list of accounts")
        if entity.get("type") not in TYPES:
            raise ImportFailure(path, record, f"unknown type {entity.get('type')!r}")
        if entity["type"] != "member":
            continue
        bioguide = (entity.get("id") or {}).get("bioguide")
        if bioguide is None:
            anonymous += 1
            continue
        if not isinstance(bioguide, str) or not BIOGUIDE.match(bioguide):
            raise ImportFailure(path, record, f"bioguide {bioguide!r} is not valid")
        for number, account in enumerate(entity["accounts"]):
            where = f"{record}, account {number + 1}"
            if not isinstance(account, dict):
                raise ImportFailure(path, where, "must be a mapping")
            handle = account.get("screen_name")
            if not isinstance(handle, str) or not HANDLE.match(handle):
                raise ImportFailure(path, where, f"screen_name {handle!r} is not a handle")
            kind = account.get("account_type")
            if kind not in ACCOUNT_TYPES:
                raise ImportFailure(path, where, f"unknown account_type {kind!r}")
            if account.get("deleted") is True:
                continue
            account_id = account.get("id")
            accounts.append(
                (bioguide, handle, None if account_id is None else str(account_id), kind)
            )
    return accounts, anonymous


async def import_congresstweets(conn: asyncpg.Connection, path: Path) -> Summary:
    """Import a congresstweets users list inside the caller's transaction."""
    path = Path(path)
    data = read_json(path)
    if not detect(path, data):
        raise ImportFailure(path, None, "not a congresstweets users list")
    accounts, anonymous = parse(path, data)
    await datasets.ensure(conn, CONGRESSTWEETS)
    members = {
        (entity.get("id") or {}).get("bioguide") for entity in data if entity["type"] == "member"
    } - {None}
    known = {
        r["bioguide_id"]: r["id"]
        for r in await conn.fetch(
            "SELECT bioguide_id, id FROM legislators WHERE bioguide_id = ANY($1)", list(members)
        )
    }
    rows: dict[tuple[int, str], tuple[Any, ...]] = {}
    for bioguide, handle, account_id, kind in accounts:
        if bioguide in known:
            rows.setdefault(
                (known[bioguide], handle.lower()), (known[bioguide], handle, account_id, kind)
            )
    summary = Summary()
    summary.note_unread(
        source_file(path), json_paths([e for e in data if e["type"] == "member"], READ)
    )
    counts = Counts(unresolved=anonymous + len(members - known.keys()))
    await conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS _stage_congresstweets (legislator_id bigint,"
        " handle text, account_id text, account_type text) ON COMMIT DROP"
    )
    await conn.execute("TRUNCATE _stage_congresstweets")
    await conn.copy_records_to_table(
        "_stage_congresstweets",
        records=list(rows.values()),
        columns=["legislator_id", "handle", "account_id", "account_type"],
    )
    match = (
        "t.legislator_id = s.legislator_id AND t.platform = 'twitter'"
        " AND lower(t.handle) = lower(s.handle)"
    )
    inserted = await conn.execute(
        "INSERT INTO social_accounts (legislator_id, platform, handle, account_id, account_type)"
        " SELECT s.legislator_id, 'twitter', s.handle, s.account_id, s.account_type"
        f" FROM _stage_congresstweets s WHERE NOT EXISTS (SELECT 1 FROM social_accounts t"
        f" WHERE {match})"
    )
    counts.inserted = int(inserted.split()[-1])
    counts.unchanged = len(rows) - counts.inserted
    summary["social_accounts"].add(counts)
    return summary
