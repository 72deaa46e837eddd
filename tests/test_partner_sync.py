"""A partner's sync, end to end (issue 12): export once with examples/python/mirror.py, then
creates, updates, deletes and a re-import that drops and corrects a roll-call position, made
through the API and at psql; following the change feed rebuilds exactly what a fresh export
holds, tombstones applied, nothing missed and nothing extra.

The API runs under uvicorn on a loopback port (tests/test_examples.py `serving`); the mirror
runs as a subprocess, as a partner runs it.
"""

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from api.settings import ROOT
from db.load import import_paths
from tests.conftest import feed_settled
from tests.editors import editing_api
from tests.test_examples import serving

MIRROR = ROOT / "examples" / "python" / "mirror.py"
VOTE_FILE = ROOT / "data/votes/uscongress/119/votes/2025/h23/data.json"


def mirror(base: str, folder: Path) -> str:
    """Run the mirror once, as a partner does; what it reported."""
    done = subprocess.run(
        [sys.executable, str(MIRROR), "--url", base, str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def files(folder: Path) -> dict[str, list[str]]:
    """Each NDJSON file's records as sorted JSON lines (a rewritten file keeps no order)."""
    return {
        path.name: sorted(
            json.dumps(json.loads(line)) for line in path.read_text().split("\n") if line
        )
        for path in sorted(folder.glob("*.ndjson"))
    }


async def write_everything(url: str, folder: Path) -> dict[str, Any]:
    """Creates, updates, deletes and a re-import, through the API and at psql; what was
    written, to check the sync saw it."""
    async with editing_api(url) as api:
        created = await api.ok(
            """mutation { createPerson(input: {slug: "synthetic-sync-person",
                 name: "Synthetic Sync Person"}) { person { id version } } }"""
        )
        person = created["createPerson"]["person"]
        await api.ok(
            """mutation($id: ID!, $v: Int!) { updatePerson(input: {id: $id, expectedVersion: $v,
                 description: "Made by a test.\u2028A line separator."}) { person { id } } }""",
            {"id": person["id"], "v": person["version"]},
        )
        found = await api.ok(
            '{ statements(first: 1) { nodes { id version } } vote(voteId: "h23-119.2025") { id } }'
        )
        statement, vote = found["statements"]["nodes"][0], found["vote"]["id"]
        await api.ok(
            """mutation($id: ID!, $v: Int!) { deleteStatement(input: {id: $id,
                 expectedVersion: $v, reason: "sync test"}) { statement { id } } }""",
            {"id": statement["id"], "v": statement["version"]},
        )
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO topics (slug, name) VALUES ('synthetic-sync-topic', 'Synthetic topic')"
        )
        await conn.execute(
            "UPDATE bills SET short_title = 'Renamed by the sync test'"
            " WHERE id = (SELECT min(id) FROM bills)"
        )
        organization = await conn.fetchval(
            "INSERT INTO organizations (slug, name, kind) VALUES"
            " ('synthetic-gone', 'Synthetic, deleted', 'other') RETURNING id"
        )
        await conn.execute("DELETE FROM organizations WHERE id = $1", organization)
        withdrawn = await conn.fetchval(
            "DELETE FROM bill_cosponsors WHERE id = (SELECT max(id) FROM bill_cosponsors)"
            " RETURNING bioguide_id"
        )
        await conn.execute(
            "UPDATE legislator_terms SET phone = '202-555-0100'"
            " WHERE id = (SELECT min(id) FROM legislator_terms)"
        )
    finally:
        await conn.close()

    raw = json.loads(VOTE_FILE.read_text(encoding="utf-8"))
    raw["votes"]["Nay"].append(raw["votes"]["Not Voting"].pop())  # a corrected position
    dropped = raw["votes"]["Yea"].pop()  # a member the source no longer lists
    edited = folder / "h23/data.json"
    edited.parent.mkdir(parents=True)
    edited.write_text(json.dumps(raw), encoding="utf-8")
    summary = await import_paths(url, [edited])
    assert summary["vote_positions"].removed == 1
    return {
        "person": person["id"],
        "statement": statement["id"],
        "withdrawn": withdrawn,
        "dropped": dropped["id"],
        "vote": vote,
    }


async def test_export_then_the_feed_rebuilds_the_live_state(fresh_url: str, tmp_path: Path):
    copy, fresh = tmp_path / "copy", tmp_path / "fresh"
    with serving(fresh_url) as endpoint:
        base = endpoint.removesuffix("/graphql")
        await asyncio.to_thread(mirror, base, copy)
        before = files(copy)
        written = await write_everything(fresh_url, tmp_path)
        await feed_settled(fresh_url)
        report = await asyncio.to_thread(mirror, base, copy)
        # A second run with nothing new changes nothing.
        again = await asyncio.to_thread(mirror, base, copy)
        await asyncio.to_thread(mirror, base, fresh)
        async with httpx.AsyncClient(base_url=base) as http:
            manifest = (await http.get("/export/manifest.json")).json()

    assert "applied" in report and "applied 0 changes to 0 records" in again
    rebuilt, expected = files(copy), files(fresh)
    assert rebuilt.keys() == expected.keys() == before.keys()
    for name in expected:
        assert rebuilt[name] == expected[name], name
    entries = {f["path"]: f for f in manifest["files"]}
    for name, lines in expected.items():
        assert len(lines) == entries[name]["records"], name

    # The writes are all there: the test compares states that differ from the first export.
    assert rebuilt != before
    people = [json.loads(line) for line in rebuilt["people.ndjson"]]
    mine = [p for p in people if p["id"] == written["person"]]
    assert [(p["slug"], p["description"]) for p in mine] == [
        ("synthetic-sync-person", "Made by a test.\u2028A line separator.")
    ]
    statements = {json.loads(line)["id"] for line in rebuilt["statements.ndjson"]}
    assert written["statement"] not in statements
    assert written["statement"] in {json.loads(line)["id"] for line in before["statements.ndjson"]}
    topics = {json.loads(line)["slug"] for line in rebuilt["topics.ndjson"]}
    assert "synthetic-sync-topic" in topics
    organizations = {json.loads(line)["slug"] for line in rebuilt["organizations.ndjson"]}
    assert "synthetic-gone" not in organizations
    bills = [json.loads(line) for line in rebuilt["bills.ndjson"]]
    assert "Renamed by the sync test" in {b["shortTitle"] for b in bills}
    cosponsors = [json.loads(line) for line in rebuilt["cosponsorships.ndjson"]]
    assert len(cosponsors) == len(before["cosponsorships.ndjson"]) - 1
    positions = [json.loads(line) for line in rebuilt["vote-positions.ndjson"]]
    assert len(positions) == len(before["vote-positions.ndjson"]) - 1
    assert written["dropped"] not in {
        p["memberId"] for p in positions if p["vote"] == written["vote"]
    }
    assert written["dropped"] in {
        json.loads(line)["memberId"]
        for line in before["vote-positions.ndjson"]
        if json.loads(line)["vote"] == written["vote"]
    }
    terms = [json.loads(line) for line in rebuilt["terms.ndjson"]]
    assert "202-555-0100" in {t["phone"] for t in terms}
