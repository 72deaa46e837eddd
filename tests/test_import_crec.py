"""The Congressional Record JSON importer (three pages of 2005-07-20, public domain).

Speech items per page: H6183 18, H6190 27, S8504-2 24. Those spoken by a presiding officer
have no bioguide id (1, 2 and 11 of them), so 17, 25 and 13 statements are stored. Of the
speakers only Mitch McConnell (M000355, 2 speeches on S8504-2) is in the current
legislators file; the other 16 speakers (5, 6 and 5 per page; 53 statements) become
legislator records named by their speech. The shipped template already holds these pages,
so a first import runs on a database holding only the legislators.
"""

import json
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.settings import ROOT
from db.importers import crec
from db.importers.bulk import Summary
from db.importers.errors import ImportFailure
from db.load import import_paths, load_files

STATEMENTS = ROOT / "data/statements"
H6183 = STATEMENTS / "CREC-2005-07-20-pt1-PgH6183.json"
H6190 = STATEMENTS / "CREC-2005-07-20-pt1-PgH6190.json"
S8504 = STATEMENTS / "CREC-2005-07-20-pt1-PgS8504-2.json"
PAGES = {H6183: (17, 5), H6190: (25, 6), S8504: (13, 5)}  # (statements, new speakers)
LEGISLATORS = ROOT / "data/legislators/legislators-current.yaml"


async def run(url: str, path: Path) -> Summary:
    """Import one file in its own transaction."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            return await crec.import_crec(conn, path)
    finally:
        await conn.close()


async def query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def snapshot(url: str) -> dict[str, Any]:
    """Row counts and the latest updated_at of everything this importer writes."""
    return {
        t: tuple((await query(url, f"SELECT count(*), max(updated_at) FROM {t}"))[0])
        for t in ("statements", "sources", "statement_sources", "datasets")
    }


def test_speech_counts_in_the_files():
    for path, (stored, _) in PAGES.items():
        content = json.loads(path.read_text(encoding="utf-8"))["content"]
        speeches = [c for c in content if c["kind"] == "speech"]
        assert sum(1 for c in speeches if c["speaker_bioguide"]) == stored
    assert [
        sum(1 for c in json.loads(p.read_text())["content"] if c["kind"] == "speech") for p in PAGES
    ] == [18, 27, 24]


def test_detect():
    for path in PAGES:
        assert crec.detect(path, json.loads(path.read_text(encoding="utf-8")))
    tweets = STATEMENTS / "congresstweets-historical-users-filtered.json"
    assert not crec.detect(tweets, json.loads(tweets.read_text(encoding="utf-8")))


async def test_imports_each_speech_as_a_statement(empty_url):
    await load_files(empty_url, [LEGISLATORS])
    for path, (stored, speakers) in PAGES.items():
        summary = await run(empty_url, path)
        assert summary["statements"].inserted == stored
        assert summary["statements"].unresolved == 0
        assert summary["legislators"].inserted == speakers
        assert summary["sources"].inserted == 1
        assert summary["statement_sources"].inserted == stored
    rows = await query(
        empty_url,
        "SELECT s.external_key, l.bioguide_id, s.speaker_bioguide_id, s.said_on::text AS day,"
        " s.said_on_precision, s.medium, s.context, s.quote, src.url, src.title,"
        " src.publisher, src.published_on::text AS published"
        " FROM statements s JOIN legislators l ON l.id = s.speaker_legislator_id"
        " JOIN statement_sources x ON x.statement_id = s.id"
        " JOIN sources src ON src.id = x.source_id"
        " WHERE s.external_key LIKE 'crec:%' AND l.named_by = 'congress-legislators'"
        " ORDER BY s.external_key",
    )
    assert [r["external_key"] for r in rows] == [
        "crec:CREC-2005-07-20-pt1-PgS8504-2:2",
        "crec:CREC-2005-07-20-pt1-PgS8504-2:24",
    ]
    last = dict(rows[1])
    assert last == {
        "external_key": "crec:CREC-2005-07-20-pt1-PgS8504-2:24",
        "bioguide_id": "M000355",
        "speaker_bioguide_id": "M000355",
        "day": "2005-07-20",
        "said_on_precision": "day",
        "medium": "floor_speech",
        "context": "NOMINATION OF JOHN ROBERTS TO THE UNITED STATES SUPREME COURT",
        "quote": "Mr. McCONNELL. Mr. President, I ask unanimous consent that the order \n"
        "for the quorum call be rescinded.",
        "url": "https://www.govinfo.gov/content/pkg/CREC-2005-07-20/html/"
        "CREC-2005-07-20-pt1-PgS8504-2.htm",
        "title": "NOMINATION OF JOHN ROBERTS TO THE UNITED STATES SUPREME COURT"
        " (151 Cong. Rec. S8504-S8510)",
        "publisher": "Congressional Record",
        "published": "2005-07-20",
    }
    unresolved = await query(
        empty_url,
        "SELECT count(*) FROM statements WHERE external_key LIKE 'crec:%'"
        " AND speaker_legislator_id IS NULL AND speaker_bioguide_id IS NOT NULL",
    )
    assert unresolved[0][0] == 0
    former = await query(
        empty_url,
        "SELECT count(DISTINCT l.id), count(*) FROM statements s"
        " JOIN legislators l ON l.id = s.speaker_legislator_id WHERE l.named_by = 'speech'",
    )
    assert tuple(former[0]) == (16, 53)


async def test_second_import_changes_nothing(fresh_url):
    for path in PAGES:
        await run(fresh_url, path)
    before = await snapshot(fresh_url)
    for path in PAGES:
        for counts in (await run(fresh_url, path)).entities.values():
            assert (counts.inserted, counts.updated, counts.removed) == (0, 0, 0)
    assert await snapshot(fresh_url) == before


async def test_speeches_a_page_no_longer_has_are_removed(fresh_url, tmp_path):
    await run(fresh_url, H6183)
    data = json.loads(H6183.read_text(encoding="utf-8"))
    data["content"] = [c for c in data["content"] if c["itemno"] != 13]
    copy = tmp_path / H6183.name
    copy.write_text(json.dumps(data), encoding="utf-8")
    summary = await run(fresh_url, copy)
    assert summary["statements"].removed == 1
    assert summary["statements"].unchanged == 16


async def test_speakers_are_upgraded_in_place_by_a_legislators_import(empty_url):
    for path in PAGES:
        await run(empty_url, path)
    before = await query(
        empty_url,
        "SELECT l.id, l.published_name, l.named_by, l.source_file, count(s.id) AS speeches"
        " FROM legislators l JOIN statements s ON s.speaker_legislator_id = l.id"
        " WHERE l.bioguide_id = 'M000355' GROUP BY l.id",
    )
    assert [tuple(r)[1:] for r in before] == [
        ("Mr. McCONNELL", "speech", "statements/CREC-2005-07-20-pt1-PgS8504-2.json", 2)
    ]
    unlinked = await query(
        empty_url, "SELECT count(*) FROM statements WHERE speaker_legislator_id IS NULL"
    )
    assert unlinked[0][0] == 0
    await load_files(empty_url, [LEGISLATORS])
    after = await query(
        empty_url,
        "SELECT l.id, l.official_full_name, l.published_name, l.named_by, count(s.id)"
        " FROM legislators l JOIN statements s ON s.speaker_legislator_id = l.id"
        " WHERE l.bioguide_id = 'M000355' GROUP BY l.id",
    )
    assert [tuple(r) for r in after] == [
        (before[0]["id"], "Mitch McConnell", None, "congress-legislators", 2)
    ]
    speech_named = await query(
        empty_url, "SELECT count(*) FROM legislators WHERE named_by = 'speech'"
    )
    assert speech_named[0][0] == 16


async def assert_rejected(url: str, path: Path, record: str | None, problem: str) -> None:
    before = await snapshot(url)
    with pytest.raises(ImportFailure) as failure:
        await run(url, path)
    assert failure.value.path == str(path)
    assert failure.value.record == record
    assert problem in failure.value.problem
    assert await snapshot(url) == before


def broken(tmp_path: Path, edit: Any) -> Path:
    data = json.loads(S8504.read_text(encoding="utf-8"))
    edit(data)
    copy = tmp_path / S8504.name
    copy.write_text(json.dumps(data), encoding="utf-8")
    return copy


async def test_bad_bioguide_is_rejected(fresh_url, tmp_path):
    copy = broken(tmp_path, lambda d: d["content"][2].update(speaker_bioguide="m355"))
    await assert_rejected(fresh_url, copy, "record 3", "speaker_bioguide 'm355' is not valid")


async def test_speech_without_text_is_rejected(fresh_url, tmp_path):
    copy = broken(tmp_path, lambda d: d["content"][0].update(text="  "))  # Mr. REID's speech
    await assert_rejected(fresh_url, copy, "record 1", "speech has no text")


async def test_bad_header_date_is_rejected(fresh_url, tmp_path):
    copy = broken(tmp_path, lambda d: d["header"].update(month="Julember"))
    await assert_rejected(fresh_url, copy, "header", "valid year, month (name) and day")


async def test_invalid_json_non_utf8_and_empty_files_are_rejected(fresh_url, tmp_path):
    copy = tmp_path / H6190.name
    copy.write_bytes(b'{\n"id": "CREC-2005-07-20-pt1-PgH6190",\n"header": }\n')
    await assert_rejected(fresh_url, copy, "line 3", "invalid JSON")
    copy.write_bytes(H6190.read_bytes().replace(b"NORTHUP", b"NORTH\xdaP", 1))
    await assert_rejected(fresh_url, copy, "line 1", "not UTF-8")
    copy.write_bytes(b"  \n")
    await assert_rejected(fresh_url, copy, None, "the file is empty")


async def test_unread_keys_of_the_shipped_pages(fresh_url):
    summary = await load_files(fresh_url, list(PAGES))
    # `header.wkday` and `content[].turn` are known and not stored (crec.READ_NOT_STORED).
    unread = {"header.chamber": 1, "header.num": 1, "header.extension": 1}
    assert summary.unread == {str(path): unread for path in PAGES}


async def test_an_added_key_is_reported_and_refused_by_strict(fresh_url, tmp_path):
    def add_keys(data: dict[str, Any]) -> None:
        data["header"]["section"] = "Daily Digest"
        for item in data["content"][:4]:
            item["timestamp"] = "10:00"

    copy = broken(tmp_path, add_keys)
    before = await snapshot(fresh_url)
    with pytest.raises(ImportFailure) as failure:
        await import_paths(fresh_url, [copy], strict=True)
    assert failure.value.path == str(copy)
    assert "refused by --strict" in failure.value.problem
    assert "content[].timestamp (4x), header.chamber (1x)" in failure.value.problem
    assert await snapshot(fresh_url) == before

    summary = await load_files(fresh_url, [copy])
    assert summary.unread[str(copy)] == {
        "header.chamber": 1,
        "header.num": 1,
        "header.extension": 1,
        "header.section": 1,
        "content[].timestamp": 4,
    }
