"""Importer for Congressional Record JSON, as written by the unitedstates/congressional-record
parser (`CREC-2005-07-20-pt1-PgH6183.json`): one Record page with its speeches.

Each `speech` item with a speaker bioguide id becomes a floor-speech statement keyed
`crec:<page id>:<itemno>`, spoken on the page's date and citing the page as its source.
Speeches by a presiding officer carry no bioguide id and are not stored. The speaker is
linked to a legislator. A speaker no record holds yet becomes a legislator record named by
the speech (`members.ensure_members`): their bioguide id and the `speaker` text as printed
(`Mr. DeLAY`), nothing more; a later congress-legislators import upgrades it in place. Only
a speaker without a printed name stays unlinked (counted as unresolved).
"""

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import datasets, members
from db.importers.bulk import Counts, Summary, upsert
from db.importers.datasets import Dataset
from db.importers.errors import ImportFailure
from db.importers.files import source_file
from db.importers.tabular import clean, decode, replace_links
from db.importers.unread import json_paths

CONGRESSIONAL_RECORD = Dataset(
    "congressional-record",
    "Congressional Record (unitedstates/congressional-record JSON)",
    "https://github.com/unitedstates/congressional-record",
    "public-domain",
    "Congressional Record text from the U.S. Government Publishing Office (a US Government"
    " work, 17 U.S.C. 105), parsed into JSON by unitedstates/congressional-record"
    " (BSD-3-Clause).",
)
# A govinfo granule id: the package (the day's Record) and the page it starts on.
GRANULE = re.compile(r"^(CREC-\d{4}-\d{2}-\d{2})-pt\d+-Pg[A-Z]\d+(-\d+)?$")
BIOGUIDE = re.compile(r"^[A-Z][0-9]{6}$")
# The key paths read (see db/importers/unread.py); `doc_title` is the title when `title` is
# empty. Anything else a page carries is reported as unread.
READ = frozenset(
    {
        "id",
        "title",
        "doc_title",
        "header",
        "header.year",
        "header.month",
        "header.day",
        "header.vol",
        "header.pages",
        "content",
        "content[].kind",
        "content[].itemno",
        "content[].speaker",
        "content[].speaker_bioguide",
        "content[].text",
    }
)
# Known and deliberately not stored, so not reported: `header.wkday` restates the date;
# `content[].turn` is the parser's running count of speaker turns (the order is `itemno`).
READ_NOT_STORED = frozenset({"header.wkday", "content[].turn"})


def detect(path: Path, data: Any) -> bool:
    """Whether parsed JSON `data` is a Congressional Record page from the parser."""
    return (
        isinstance(data, dict)
        and isinstance(data.get("id"), str)
        and data["id"].startswith("CREC-")
        and isinstance(data.get("header"), dict)
        and isinstance(data.get("content"), list)
    )


def page_url(granule: str) -> str | None:
    """The page on govinfo, derived from its granule id; None if the id is not one."""
    match = GRANULE.match(granule)
    if match is None:
        return None
    return f"https://www.govinfo.gov/content/pkg/{match.group(1)}/html/{granule}.htm"


def read_json(path: Path) -> Any:
    """The parsed JSON file (strict UTF-8), or ImportFailure naming the line."""
    raw = path.read_bytes()
    if not raw.strip():
        raise ImportFailure(path, None, "the file is empty")
    try:
        return json.loads(decode(path, raw))
    except json.JSONDecodeError as exc:
        raise ImportFailure(path, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from exc


def _day(path: Path, header: dict[str, Any]) -> date:
    try:
        stamp = f"{header['year']} {header['month']} {header['day']}"
        return datetime.strptime(stamp, "%Y %B %d").date()
    except (KeyError, TypeError, ValueError) as exc:
        raise ImportFailure(path, "header", "needs a valid year, month (name) and day") from exc


# The file a source was first imported from stays while its dataset does (see bulk.KEEP_FILE).
KEEP = (
    "CASE WHEN t.dataset_id IS DISTINCT FROM $5 OR t.source_file IS NULL"
    " THEN $6 ELSE t.source_file END"
)


async def _source(
    conn: asyncpg.Connection, summary: Summary, row: tuple[Any, ...], url: str | None
) -> int:
    """The source row of the page: by URL, or by title when there is no URL."""
    columns = [
        "title",
        "publisher",
        "published_on",
        "published_precision",
        "dataset_id",
        "source_file",
    ]
    if url is not None:
        counts, ids = await upsert(conn, "sources", ["url", *columns], [(url, *row)], ["url"])
        summary["sources"].add(counts)
        return int(ids[(url,)])
    found = await conn.fetchval(
        "SELECT id FROM sources WHERE url IS NULL AND title = $1 ORDER BY id LIMIT 1", row[0]
    )
    if found is None:
        summary["sources"].inserted += 1
        return int(
            await conn.fetchval(
                "INSERT INTO sources (title, publisher, published_on, published_precision,"
                " dataset_id, source_file) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                *row,
            )
        )
    status = await conn.execute(
        "UPDATE sources t SET publisher = $2, published_on = $3, published_precision = $4,"
        f" dataset_id = $5, source_file = {KEEP} WHERE id = $1 AND (publisher, published_on,"
        " published_precision, dataset_id, source_file)"
        f" IS DISTINCT FROM ($2, $3, $4::date_precision, $5, {KEEP})",
        found,
        *row[1:],
    )
    summary["sources"].add(Counts(updated=1) if status.endswith(" 1") else Counts(unchanged=1))
    return int(found)


async def import_crec(conn: asyncpg.Connection, path: Path) -> Summary:
    """Import one Congressional Record JSON page inside the caller's transaction."""
    path = Path(path)
    data = read_json(path)
    if not detect(path, data):
        raise ImportFailure(path, None, "needs id (CREC-...), header and content")
    granule, header = data["id"], data["header"]
    said_on = _day(path, header)
    title = clean(str(data.get("title") or data.get("doc_title") or "")) or granule
    statements = []
    speakers: dict[str, str] = {}
    for index, item in enumerate(data["content"]):
        record = f"record {index + 1}"
        if not isinstance(item, dict) or "kind" not in item:
            raise ImportFailure(path, record, "content items need a kind")
        if item["kind"] != "speech" or item.get("speaker_bioguide") is None:
            continue
        bioguide = item["speaker_bioguide"]
        if not isinstance(bioguide, str) or not BIOGUIDE.match(bioguide):
            raise ImportFailure(path, record, f"speaker_bioguide {bioguide!r} is not valid")
        itemno = item.get("itemno")
        if not isinstance(itemno, int) or isinstance(itemno, bool):
            raise ImportFailure(path, record, f"itemno {itemno!r} is not a number")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ImportFailure(path, record, "speech has no text")
        statements.append((f"crec:{granule}:{itemno}", bioguide, text.strip()))
        speaker = item.get("speaker")
        if isinstance(speaker, str) and speaker.strip():
            speakers.setdefault(bioguide, speaker.strip())
    keys = [s[0] for s in statements]
    if len(set(keys)) != len(keys):
        raise ImportFailure(path, None, "two speeches share an itemno")

    dataset_id = await datasets.ensure(conn, CONGRESSIONAL_RECORD)
    origin = source_file(path)
    summary = Summary()
    summary.note_unread(origin, (p for p in json_paths(data, READ) if p not in READ_NOT_STORED))
    citation = f"{header.get('vol')} Cong. Rec. {header.get('pages')}"
    source_id = await _source(
        conn,
        summary,
        (f"{title} ({citation})", "Congressional Record", said_on, "day", dataset_id, origin),
        page_url(granule),
    )
    legislators = await members.ensure_members(
        conn,
        [
            members.NamedMember(
                key=bioguide, bioguide_id=bioguide, published_name=speakers[bioguide]
            )
            for bioguide in dict.fromkeys(s[1] for s in statements)
            if speakers.get(bioguide)
        ],
        named_by=members.SPEECH,
        dataset_id=dataset_id,
        source_file=origin,
        summary=summary,
    )
    legislators.update(
        {
            r["bioguide_id"]: r["id"]
            for r in await conn.fetch(
                "SELECT bioguide_id, id FROM legislators WHERE bioguide_id = ANY($1)",
                [s[1] for s in statements if s[1] not in legislators],
            )
        }
    )
    counts, ids = await upsert(
        conn,
        "statements",
        [
            "external_key",
            "speaker_legislator_id",
            "speaker_bioguide_id",
            "said_on",
            "said_on_precision",
            "quote",
            "context",
            "medium",
            "dataset_id",
            "source_file",
        ],
        [
            (
                key,
                legislators.get(bioguide),
                bioguide,
                said_on,
                "day",
                text,
                title,
                "floor_speech",
                dataset_id,
                origin,
            )
            for key, bioguide, text in statements
        ],
        ["external_key"],
    )
    status = await conn.execute(
        "DELETE FROM statements WHERE starts_with(external_key, $1)"
        " AND NOT (external_key = ANY($2))",
        f"crec:{granule}:",
        keys,
    )
    counts.removed = int(status.split()[-1])
    counts.unresolved = sum(1 for s in statements if s[1] not in legislators)
    summary["statements"].add(counts)
    owned = [ids[(key,)] for key in keys]
    await replace_links(
        conn,
        summary,
        "statement_sources",
        ["statement_id", "source_id"],
        [(pk, source_id) for pk in owned],
        owned,
    )
    return summary
