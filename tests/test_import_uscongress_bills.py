"""The unitedstates/congress bill data.json importer: same tables, mojibake repair, precedence."""

import json
import logging
from datetime import date

import asyncpg

from api.settings import ROOT
from db.load import load_files

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
