"""The unitedstates/congress bill data.json importer: same tables, mojibake repair, precedence."""

import json
import logging
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from api.settings import ROOT
from db.importers.errors import ImportFailure
from db.load import import_paths, load_files

DATA = ROOT / "data"
JSON_BILL = DATA / "bills/uscongress-json/117/bills/hr/hr1470/data.json"
XML_BILL = DATA / "bills/billstatus/BILLSTATUS-117hr1470.xml"
COMMITTEES = DATA / "legislators/committees-current.yaml"


async def fetch(url: str, sql: str, *args):
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_the_file_carries_upstream_mojibake():
    raw = json.loads(JSON_BILL.read_text(encoding="utf-8"))
    names = [c["name"] for c in raw["cosponsors"] if c["bioguide_id"] == "G000551"]
    assert names == ["Grijalva, Ra\u00c3\u00bal M."]


async def test_bill_json_fills_the_bill_tables(empty_url, caplog):
    with caplog.at_level(logging.WARNING, logger="db.importers.uscongress_bills"):
        summary = await load_files(empty_url, [COMMITTEES, JSON_BILL])
    # Exactly one repaired value, reported with its file and field.
    assert summary["text_repairs"].updated == 1
    repairs = [r.getMessage() for r in caplog.records if "mojibake" in r.getMessage()]
    assert repairs == [f"{JSON_BILL}: repaired mojibake in cosponsors[13].name"]
    assert summary["bills"].inserted == 1
    assert summary["bill_cosponsors"].inserted == 41

    bill = (
        await fetch(
            empty_url,
            """SELECT b.*, d.key AS dataset FROM bills b JOIN datasets d ON d.id = b.dataset_id""",
        )
    )[0]
    assert bill["bill_id"] == "hr1470-117"
    assert bill["short_title"] == "Ending Qualified Immunity Act"
    assert (bill["status"], bill["status_date"]) == ("REFERRED", date(2021, 3, 1))
    assert bill["introduced_date"] == date(2021, 3, 1)
    assert bill["sponsor_bioguide_id"] == "P000617"
    assert bill["latest_action_date"] == date(2021, 4, 28)
    assert bill["dataset"] == "uscongress-bills"
    actions = await fetch(
        empty_url,
        """SELECT a.position, a.action_code, a.chamber, c.thomas_id FROM bill_actions a
           LEFT JOIN committees c ON c.id = a.committee_id ORDER BY a.position""",
    )
    assert [tuple(a) for a in actions] == [
        (1, "Intro-H", "house", None),
        (2, "H11100", "house", "HSJU"),
        (3, None, None, "HSJU"),
    ]
    committees = await fetch(
        empty_url,
        "SELECT c.thomas_id FROM bill_committees bc JOIN committees c ON c.id = bc.committee_id"
        " ORDER BY 1",
    )
    assert [r[0] for r in committees] == ["HSJU", "HSJU10"]
    related = await fetch(empty_url, "SELECT related_bill_key, relationship FROM related_bills")
    assert [tuple(r) for r in related] == [("s492-117", "identical")]
    subjects = await fetch(empty_url, "SELECT count(*) FROM bill_subjects")
    assert subjects[0][0] == 6


async def test_billstatus_wins_over_the_derived_json(empty_url):
    await load_files(empty_url, [JSON_BILL])
    summary = await load_files(empty_url, [XML_BILL])
    assert summary["bills"].updated == 1
    assert summary["bill_titles"].removed == 3  # the JSON's display/official/short rows
    assert summary["bill_cosponsors"].unchanged == 41
    snapshot = await fetch(empty_url, "SELECT id, updated_at FROM bill_actions ORDER BY id")
    assert len(snapshot) == 4

    again = await load_files(empty_url, [JSON_BILL])
    assert again["bills"].unchanged == 1
    assert {name for name, c in again.entities.items() if c.inserted or c.updated} == {
        "text_repairs"
    }
    assert await fetch(empty_url, "SELECT id, updated_at FROM bill_actions ORDER BY id") == snapshot
    owner = await fetch(
        empty_url, "SELECT d.key FROM bills b JOIN datasets d ON d.id = b.dataset_id"
    )
    assert owner[0][0] == "gpo-billstatus"


async def test_shipped_json_is_superseded_by_shipped_billstatus(fresh_url):
    summary = await load_files(fresh_url, [JSON_BILL])
    assert summary["bills"].unchanged == 1
    assert set(summary.entities) == {"bills", "text_repairs"}
    cosponsors = await fetch(
        fresh_url,
        "SELECT count(*) FROM bill_cosponsors c JOIN bills b ON b.id = c.bill_id"
        " WHERE b.bill_id = 'hr1470-117'",
    )
    assert cosponsors[0][0] == 41


# Unread keys (issue 9) ---------------------------------------------------------------------

# What the shipped data.json carries that the importer does not read; `updated_at`, `history`,
# the members' printed names and the like are read on purpose (READ_NOT_STORED).
SHIPPED_UNREAD = {
    "actions[].references": 3,
    "amendments": 1,
    "by_request": 1,
    "committee_reports": 1,
    "enacted_as": 1,
    "related_bills[].identified_by": 1,
}


async def test_unread_keys_are_reported(empty_url):
    summary = await load_files(empty_url, [JSON_BILL])
    assert summary.unread == {str(JSON_BILL): SHIPPED_UNREAD}


async def test_unread_keys_are_reported_when_billstatus_holds_the_bill(fresh_url):
    summary = await load_files(fresh_url, [JSON_BILL])
    assert summary["bills"].unchanged == 1
    assert summary.unread == {str(JSON_BILL): SHIPPED_UNREAD}


def _with_unknown_keys(tmp_path) -> Path:
    """A copy of the shipped data.json with keys the importer does not know."""
    data = json.loads(JSON_BILL.read_text(encoding="utf-8"))
    data["veto_message"] = {"text": "x"}
    for cosponsor in data["cosponsors"][:3]:
        cosponsor["party"] = "D"
    copy = tmp_path / "data.json"
    copy.write_text(json.dumps(data), encoding="utf-8")
    return copy


async def test_an_added_key_is_reported(empty_url, tmp_path):
    copy = _with_unknown_keys(tmp_path)
    summary = await load_files(empty_url, [copy])
    assert summary.unread[str(copy)] == {
        **SHIPPED_UNREAD,
        "veto_message": 1,
        "cosponsors[].party": 3,
    }
    assert summary["bills"].inserted == 1


async def test_strict_refuses_a_file_with_an_unread_key(empty_url, tmp_path):
    copy = _with_unknown_keys(tmp_path)
    with pytest.raises(ImportFailure) as failure:
        await import_paths(empty_url, [copy], strict=True)
    assert failure.value.path == str(copy)
    assert "refused by --strict" in str(failure.value)
    assert "veto_message (1x)" in str(failure.value)
    assert "cosponsors[].party (3x)" in str(failure.value)
    assert (await fetch(empty_url, "SELECT count(*) FROM bills"))[0][0] == 0
