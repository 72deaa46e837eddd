"""Loading files: the whole shipped set is idempotent, re-imports remove what a file dropped,
and a malformed file fails with ImportFailure naming it and writes nothing."""

import xml.etree.ElementTree as ET
from pathlib import Path

import asyncpg
import pytest

from api.settings import ROOT
from db.importers.errors import ImportFailure
from db.importers.sources import expand
from db.load import SHIPPED, load_files, load_shipped

DATA = ROOT / "data"
HR1470 = DATA / "bills/billstatus/BILLSTATUS-117hr1470.xml"
H60 = DATA / "votes/uscongress/117/votes/2021/h60/data.json"
CURATED = DATA / "curated/qualified-immunity-ice.yaml"


def _xml_voters() -> int:
    """Voters listed in the shipped data.xml files that have a data.json beside them."""
    return sum(
        len(ET.parse(xml).getroot().findall("voter"))
        for xml in (DATA / "votes").rglob("data.xml")
        if (xml.parent / "data.json").exists()
    )


def test_the_data_folder_holds_every_shipped_file():
    found = expand([DATA])
    assert {s.path for s in found.found} >= {DATA / name for name in SHIPPED}
    assert not found.refused
    assert {s.path.name for s in found.unread} == {
        "README.md",
        "congresstweets-accounts-LICENSE.txt",
    }


async def fetch(url: str, sql: str, *args):
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def table_state(url: str) -> dict[str, tuple]:
    """Row count and latest updated_at of every table that has one, in one query."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND column_name = 'updated_at' ORDER BY 1"
        )
        rows = await conn.fetch(
            " UNION ALL ".join(
                f"SELECT '{t[0]}' AS name, count(*), max(updated_at) FROM \"{t[0]}\""
                for t in tables
            )
        )
    finally:
        await conn.close()
    return {r[0]: (r[1], r[2]) for r in rows}


async def test_loading_the_shipped_data_again_changes_nothing(fresh_url):
    before = await table_state(fresh_url)
    summary = await load_shipped(fresh_url, DATA)
    changed = {
        name: c for name, c in summary.entities.items() if c.inserted or c.updated or c.removed
    }
    # text_repairs counts values repaired while reading the data.json; it is not a table.
    assert set(changed) == {"text_repairs"}
    assert summary["bill_cosponsors"].unchanged == 494
    # Every position of every roll call once, plus once more for each vote shipped both as
    # data.json and data.xml (the XML form describes the same positions).
    positions = await fetch(fresh_url, "SELECT count(*) FROM vote_positions")
    assert summary["vote_positions"].unchanged == positions[0][0] + _xml_voters()
    assert positions[0][0] >= 1495 + 72_000
    assert summary.skipped == {
        str(DATA / "README.md"): "not a file type this importer reads",
        str(DATA / "statements/congresstweets-accounts-LICENSE.txt"): (
            "not a file type this importer reads"
        ),
    }
    assert summary.refused == {}
    # The curated incident, 274 + 102 ICE rows (the same 274 deaths) and 61 CBP deaths.
    assert summary["incidents"].unchanged == 1 + 274 + 102 + 61
    # The 4 curated statements and the 17 + 25 + 13 Congressional Record speeches.
    assert summary["statements"].unchanged == 4 + 17 + 25 + 13
    assert await table_state(fresh_url) == before


async def test_a_cosponsor_gone_from_the_file_is_removed(fresh_url, tmp_path):
    tree = ET.parse(HR1470)
    cosponsors = tree.getroot().find("bill/cosponsors")
    assert cosponsors is not None
    gone = cosponsors.findall("item")[0]
    cosponsors.remove(gone)
    copy = tmp_path / HR1470.name
    tree.write(copy, encoding="utf-8", xml_declaration=True)

    summary = await load_files(fresh_url, [copy])
    assert summary["bill_cosponsors"].removed == 1
    assert summary["bill_cosponsors"].unchanged == 40
    assert summary["bills"].unchanged == 1
    rows = await fetch(
        fresh_url,
        "SELECT c.bioguide_id FROM bill_cosponsors c JOIN bills b ON b.id = c.bill_id"
        " WHERE b.bill_id = 'hr1470-117'",
    )
    assert len(rows) == 40
    assert gone.findtext("bioguideId") not in {r[0] for r in rows}


def _text_edit(source: Path, old: str, new: str):
    def write(folder: Path) -> Path:
        text = source.read_text(encoding="utf-8")
        assert old in text
        path = folder / source.name
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return write


def _bytes(name: str, content: bytes):
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return write


def _truncated(source: Path):
    raw = source.read_bytes()
    return _bytes(source.name, raw[: len(raw) // 2])


def _reencoded(source: Path, encoding: str):
    return _bytes(source.name, source.read_text(encoding="utf-8").encode(encoding))


def _directory(name: str):
    def make(folder: Path) -> Path:
        path = folder / name
        path.mkdir()
        return path

    return make


CASES = {
    "truncated-xml": (_truncated(HR1470), "line ", "invalid XML"),
    "truncated-json": (_truncated(H60), "line ", "invalid JSON"),
    "bad-date": (
        _text_edit(HR1470, "<introducedDate>2021-03-01", "<introducedDate>2021-02-30"),
        "bill hr1470-117",
        "introducedDate '2021-02-30' is not a date",
    ),
    "bad-action-date": (
        _text_edit(HR1470, "<actionDate>2021-04-28", "<actionDate>28/04/2021"),
        "bill hr1470-117, action ",
        "is not a date",
    ),
    "bad-cosponsor-flag": (
        _text_edit(HR1470, "<isOriginalCosponsor>True", "<isOriginalCosponsor>Maybe"),
        "bill hr1470-117, cosponsor 1",
        "isOriginalCosponsor 'Maybe' is not true or false",
    ),
    "unknown-bill-type": (
        _text_edit(HR1470, "<type>HR</type>", "<type>HX</type>"),
        "bill HX 1470",
        "unknown bill type 'HX'",
    ),
    "unknown-chamber": (
        _text_edit(H60, '"chamber": "h"', '"chamber": "x"'),
        "vote h60-117.2021",
        "unknown chamber 'x'",
    ),
    "xml-not-utf8": (_reencoded(HR1470, "latin-1"), "line ", "invalid XML"),
    "json-not-utf8": (
        _bytes("data.json", '{"vote_id": "Ra\u00fal"}'.encode("latin-1")),
        "byte ",
        "not UTF-8 text",
    ),
    "yaml-not-utf8": (_reencoded(CURATED, "utf-16"), "byte ", "not UTF-8 text"),
    "empty-xml": (_bytes("empty.xml", b""), None, "the file is empty"),
    "empty-json": (_bytes("empty.json", b"  \n"), None, "the file is empty"),
    "empty-yaml": (_bytes("empty.yaml", b""), None, "the file is empty"),
    "empty-directory": (_directory("folder.xml"), None, "holds no file in a format"),
    "doctype": (
        _bytes(
            "bomb.xml",
            b'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY a "aaaa">]><billStatus>&a;</billStatus>',
        ),
        None,
        "DOCTYPE is not accepted",
    ),
    "unknown-format": (_bytes("other.json", b'{"hello": 1}'), None, "not a format"),
    "unsupported-type": (_bytes("votes.txt", b"a,b\n1,2\n"), None, "unsupported file type"),
    "csv-in-no-known-layout": (
        _bytes("votes.csv", b"a,b\n1,2\n"),
        None,
        "not a format this importer knows",
    ),
    "rejected-by-database": (
        _text_edit(HR1470, "<number>1470</number>", "<number>0</number>"),
        None,
        "rejected by the database",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_malformed_file_fails_naming_it_and_writes_nothing(fresh_url, tmp_path, case):
    make, record, problem = CASES[case]
    path = make(tmp_path)
    before = await table_state(fresh_url)
    with pytest.raises(ImportFailure) as failure:
        await load_files(fresh_url, [path])
    assert failure.value.path == str(path)
    assert str(failure.value).startswith(str(path))
    if record is None:
        assert failure.value.record is None
    else:
        assert (failure.value.record or "").startswith(record)
    assert problem in failure.value.problem
    assert await table_state(fresh_url) == before
