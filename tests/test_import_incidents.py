"""The ICE detention deaths and CBP deaths in custody importers (etchin/ice-detention-mortality).

all_274_deaths_detailed.csv has 274 deaths; every one of the 102 deaths in
detailed_death_data.csv is among them (same name and date), so the two files make 274
incidents. One of them, Renee Nicole Good (2026-01-07), is also in the curated file, which
the shipped set loads first: both imports land on that one incident. The CBP file has 61
deaths, 11 of them with a published name. The shipped template already holds all three
files, so a first import runs on a database holding only the curated file and what it
refers to (`curated_first`).
"""

import csv
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from api.settings import ROOT
from db.importers import incidents_csv
from db.importers.bulk import Summary
from db.importers.errors import ImportFailure
from db.load import import_paths, load_files
from tests.csv_files import with_column

INCIDENTS = ROOT / "data/incidents"
ICE_ALL = INCIDENTS / "ice_detention_deaths_all_274_deaths_detailed.csv"
ICE_DETAILED = INCIDENTS / "ice_detention_deaths_detailed_death_data.csv"
CBP = INCIDENTS / "cbp_deaths_in_custody.csv"
GOOD = "ice-deaths:2026-01-07:good-renee-nicole"
GUARDIAN_2026 = "https://www.theguardian.com/us-news/2026/jan/28/deaths-ice-2026-"
FOIA_2003_2017 = "https://www.ice.gov/doclib/foia/reports/detaineedeaths-2003-2017.pdf"
# The curated file and what it refers to: Ed Markey, the three bills of its topic and the
# roll call its scorecard counts.
CURATED_FIRST = [
    ROOT / "data" / name
    for name in (
        "legislators/legislators-current.yaml",
        "bills/billstatus/BILLSTATUS-117hr1470.xml",
        "bills/billstatus/BILLSTATUS-117s492.xml",
        "bills/billstatus/BILLSTATUS-117hr1280.xml",
        "votes/uscongress/117/votes/2021/h60/data.json",
        "curated/qualified-immunity-ice.yaml",
    )
]


async def run(url: str, path: Path) -> Summary:
    """Import one file in its own transaction."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            return await incidents_csv.import_incidents(conn, path)
    finally:
        await conn.close()


async def query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def value(url: str, sql: str, *args: Any) -> Any:
    return (await query(url, sql, *args))[0][0]


@pytest.fixture
async def curated_first(empty_url: str) -> str:
    """A database holding the curated file (with Renee Good) but none of the CSV files."""
    await load_files(empty_url, CURATED_FIRST)
    return empty_url


async def snapshot(url: str) -> dict[str, Any]:
    """Row counts and the latest updated_at of everything these importers write."""
    tables = (
        "incidents",
        "people",
        "organizations",
        "sources",
        "incident_people",
        "incident_agencies",
        "incident_sources",
        "datasets",
    )
    return {
        t: tuple((await query(url, f"SELECT count(*), max(updated_at) FROM {t}"))[0])
        for t in tables
    }


def test_file_counts_and_overlap():
    full = list(csv.DictReader(ICE_ALL.open(encoding="utf-8")))
    detailed = list(csv.DictReader(ICE_DETAILED.open(encoding="utf-8")))
    assert len(full) == 274
    assert len(detailed) == 102
    keys = {(r["Name"], r["Date_of_Death"]) for r in full}
    assert len(keys) == 274
    assert {tuple(r["Subject"].split("|")[:2]) for r in detailed} <= keys
    assert len(list(csv.DictReader(CBP.open(encoding="utf-8")))) == 61


def test_detect():
    for path in (ICE_ALL, ICE_DETAILED, CBP):
        assert incidents_csv.detect(path, path.read_bytes()[:4096])
    votes = ROOT / "data/votes/voteview/S116_votes.csv"
    assert not incidents_csv.detect(votes, votes.read_bytes()[:4096])


def test_location_parsing():
    parse = incidents_csv.parse_location
    assert parse("Minneapolis, MN") == ("Minneapolis", None, "MN")
    assert parse("Los Fresnos, Texas") == ("Los Fresnos", None, "TX")
    assert parse("Jena, Louisiana (LA)") == ("Jena", None, "LA")
    assert parse("Ste Genevieve County, MO") == (None, "Ste Genevieve", "MO")
    assert parse("Atwater US Penitentiary, CA") == (None, None, "CA")
    assert parse("Adelanto\xa0 Correctional\xa0 Facility,\xa0CA") == (None, None, "CA")
    assert parse("Winnfield, Louisiana (WCC) / Alexandria, Louisiana (CSFC)") == (None,) * 3


async def test_both_ice_files_make_one_incident_per_death(curated_first):
    full = await run(curated_first, ICE_ALL)
    # Renee Good's incident is the curated file's: left as it is.
    assert (full["incidents"].inserted, full["incidents"].unchanged) == (273, 1)
    assert full["people"].inserted == 273
    detailed = await run(curated_first, ICE_DETAILED)
    assert (detailed["incidents"].inserted, detailed["incidents"].updated) == (0, 0)
    assert detailed["incidents"].unchanged == 102
    assert (
        await value(
            curated_first, "SELECT count(*) FROM incidents WHERE external_key LIKE 'ice-deaths:%'"
        )
        == 274
    )
    kinds = dict(
        await query(
            curated_first,
            "SELECT kind, count(*) FROM incidents"
            " WHERE external_key LIKE 'ice-deaths:%' GROUP BY 1",
        )
    )
    # Shot by federal agents: Renee Good and Alex Pretti (Minneapolis, January 2026).
    assert kinds == {"death_in_custody": 272, "shooting": 2}


async def test_detailed_file_first_then_the_full_file_takes_over(curated_first):
    detailed = await run(curated_first, ICE_DETAILED)
    assert (detailed["incidents"].inserted, detailed["incidents"].unchanged) == (101, 1)
    full = await run(curated_first, ICE_ALL)
    assert (full["incidents"].inserted, full["incidents"].updated) == (172, 101)
    owners = dict(
        await query(
            curated_first,
            "SELECT d.key, count(*) FROM incidents i JOIN datasets d ON d.id = i.dataset_id"
            " WHERE i.external_key LIKE 'ice-deaths:%' GROUP BY 1",
        )
    )
    assert owners == {"ice-detention-deaths": 273, "redress-curated": 1}
    before = await snapshot(curated_first)
    for path in (ICE_DETAILED, ICE_ALL):
        for counts in (await run(curated_first, path)).entities.values():
            assert (counts.inserted, counts.updated, counts.removed) == (0, 0, 0)
    assert await snapshot(curated_first) == before


async def test_renee_good_is_one_incident_shared_with_the_curated_file(fresh_url):
    await run(fresh_url, ICE_ALL)
    await run(fresh_url, ICE_DETAILED)
    rows = await query(
        fresh_url,
        "SELECT i.id, i.kind, i.city, i.state, d.key FROM incidents i"
        " JOIN datasets d ON d.id = i.dataset_id WHERE i.occurred_on = '2026-01-07'"
        " AND i.external_key LIKE 'ice-deaths:%'",
    )
    assert [tuple(r)[1:] for r in rows] == [("shooting", "Minneapolis", "MN", "redress-curated")]
    incident = rows[0]["id"]
    people = await query(
        fresh_url,
        "SELECT pe.slug FROM incident_people ip JOIN people pe ON pe.id = ip.person_id"
        " WHERE ip.incident_id = $1",
        incident,
    )
    assert [r["slug"] for r in people] == ["renee-nicole-good"]
    assert not await query(fresh_url, "SELECT 1 FROM people WHERE slug LIKE 'good-renee-nicole%'")
    urls = {
        r["url"]
        for r in await query(
            fresh_url,
            "SELECT s.url FROM incident_sources x JOIN sources s ON s.id = x.source_id"
            " WHERE x.incident_id = $1",
            incident,
        )
    }
    assert GUARDIAN_2026 in urls
    agencies = await query(
        fresh_url,
        "SELECT o.slug FROM incident_agencies a JOIN organizations o ON o.id = a.organization_id"
        " WHERE a.incident_id = $1",
        incident,
    )
    assert [r["slug"] for r in agencies] == ["ice"]
    assert (
        await value(fresh_url, "SELECT external_key FROM incidents WHERE id = $1", incident) == GOOD
    )


async def test_an_ice_death_with_its_victim_agency_and_source(fresh_url):
    await run(fresh_url, ICE_ALL)
    row = (
        await query(
            fresh_url,
            "SELECT i.kind, i.occurred_on::text AS day, i.occurred_precision, i.city, i.state,"
            " i.facility, i.description, pe.slug, pe.name, ip.role, ip.age, ip.sex,"
            " ip.nationality, s.url, s.publisher, o.slug AS agency"
            " FROM incidents i JOIN incident_people ip ON ip.incident_id = i.id"
            " JOIN people pe ON pe.id = ip.person_id"
            " JOIN incident_sources x ON x.incident_id = i.id JOIN sources s ON s.id = x.source_id"
            " JOIN incident_agencies a ON a.incident_id = i.id"
            " JOIN organizations o ON o.id = a.organization_id"
            " WHERE i.external_key = 'ice-deaths:2003-10-07:verdecia-carrillo-heriberto'",
        )
    )[0]
    # Line 2: VERDECIA-CARRILLO HERIBERTO,Male,40.0,CUBA,2003-10-07,Acute Thrombotic ...
    assert dict(row) == {
        "kind": "death_in_custody",
        "day": "2003-10-07",
        "occurred_precision": "day",
        "city": None,
        "state": "CA",
        "facility": "Atwater US Penitentiary CA",
        "description": "Acute Thrombotic Occlusion Left Descending Coronary Artery",
        "slug": "verdecia-carrillo-heriberto-2003-10-07",
        "name": "VERDECIA-CARRILLO HERIBERTO",
        "role": "victim",
        "age": 40,
        "sex": "Male",
        "nationality": "Cuba",
        "url": FOIA_2003_2017,
        "publisher": "U.S. Immigration and Customs Enforcement",
        "agency": "ice",
    }
    # 172 rows of the FY2003-2017 period cite the one FOIA report.
    assert (
        await value(
            fresh_url,
            "SELECT count(*) FROM incident_sources x JOIN sources s ON s.id = x.source_id"
            " WHERE s.url = $1",
            FOIA_2003_2017,
        )
        == 172
    )
    pretti = (
        await query(
            fresh_url,
            "SELECT kind, city, state, outcome FROM incidents"
            " WHERE external_key = 'ice-deaths:2026-01-24:pretti-alex'",
        )
    )[0]
    assert tuple(pretti) == ("shooting", "Minneapolis", "MN", "killed")
    dataset = (
        await query(
            fresh_url,
            "SELECT license, attribution FROM datasets WHERE key = 'ice-detention-deaths'",
        )
    )[0]
    assert dataset["license"] == "CC-BY-4.0"
    assert "etchin/ice-detention-mortality" in dataset["attribution"]


async def test_cbp_deaths(curated_first):
    summary = await run(curated_first, CBP)
    assert summary["incidents"].inserted == 61
    assert summary["people"].inserted == 11
    assert summary["organizations"].inserted == 1
    rows = await query(
        curated_first,
        "SELECT i.kind, i.occurred_on::text AS day, i.city, i.state, i.description,"
        " pe.name, ip.age, ip.nationality FROM incidents i"
        " JOIN incident_people ip ON ip.incident_id = i.id JOIN people pe ON pe.id = ip.person_id"
        " WHERE i.external_key = 'cbp-death:285'",
    )
    # Case 285: "Anadith Danay Reyes\nAlvarez",8,2023-05-17,Harlingen,TX,Panamanian,
    # "1. Minor\n2. In Custody", ..., ACLU
    assert [tuple(r) for r in rows] == [
        (
            "death_in_custody",
            "2023-05-17",
            "Harlingen",
            "TX",
            "Minor; In Custody (reported by ACLU)",
            "Anadith Danay Reyes Alvarez",
            8,
            "Panamanian",
        )
    ]
    agencies = await query(
        curated_first,
        "SELECT o.slug, count(*) FROM incident_agencies a"
        " JOIN organizations o ON o.id = a.organization_id"
        " JOIN incidents i ON i.id = a.incident_id WHERE i.external_key LIKE 'cbp-death:%'"
        " GROUP BY 1",
    )
    assert [tuple(r) for r in agencies] == [("cbp", 61)]
    before = await snapshot(curated_first)
    for counts in (await run(curated_first, CBP)).entities.values():
        assert (counts.inserted, counts.updated, counts.removed) == (0, 0, 0)
    assert await snapshot(curated_first) == before


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


@pytest.mark.parametrize(
    ("source", "line", "old", "new", "record", "problem"),
    [
        (ICE_ALL, 2, "2003-10-07", "2003-10-32", "line 2", "Date_of_Death '2003-10-32'"),
        (ICE_ALL, 1, "Cause_of_Death", "Cause", "line 1", "missing column Cause_of_Death"),
        (ICE_ALL, 3, "Male", "Mal", "line 3", "unknown Sex 'Mal'"),
        (ICE_ALL, 4, "63.0", "-3", "line 4", "Age '-3' is out of range"),
        (ICE_DETAILED, 3, "|2018-05-16|", "|2018-05-16", "line 3", "Name|date|FY|administration"),
        (ICE_DETAILED, 2, "https://www.ice.gov", "ftp://www.ice.gov", "line 2", "not an http"),
        (CBP, 5, ",0,0,1,0,", ",0,0,2,0,", "line 5", "In_Custody '2' is not 0 or 1"),
        (CBP, 3, "349,", "346,", "line 3", "cbp-death:346 is already on line 2"),
    ],
)
async def test_malformed_copies_are_rejected(
    fresh_url, tmp_path, source, line, old, new, record, problem
):
    copy = edited_copy(tmp_path, source, line, old, new)
    await assert_rejected(fresh_url, copy, record, problem)


async def test_non_utf8_and_empty_files_are_rejected(fresh_url, tmp_path):
    raw = ICE_ALL.read_bytes().splitlines(keepends=True)
    raw[5] = raw[5].replace(b"GUTIERREZ", b"GUTI\xc9RREZ")  # a Latin-1 É on line 6
    copy = tmp_path / ICE_ALL.name
    copy.write_bytes(b"".join(raw))
    await assert_rejected(fresh_url, copy, "line 6", "not UTF-8")
    empty = tmp_path / CBP.name
    empty.write_bytes(b"")
    await assert_rejected(fresh_url, empty, None, "the file is empty")


# The columns of the shipped files not read, with the records in which each is non-empty.
# The CBP flags other than In_Custody and Firearm do not simply restate Incident_Type (six
# rows have US_Citizen_LPR 1, only four list "U.S. Citizen"), so they are reported;
# Date_Standardized and Year restate Date (incidents_csv.READ_NOT_STORED); Error,
# SBCC_Cause_of_Death and SBCC_Description are empty in every record.
SHIPPED_UNREAD = {
    ICE_ALL: {"Facility_Type": 274, "Period": 274},
    ICE_DETAILED: {"Facility Type": 102},
    CBP: {
        column: 61
        for column in (
            "Minor",
            "US_Citizen_LPR",
            "Off_Duty",
            "Wall_Related",
            "Vehicle_Pursuit",
            "Cross_Border_Shooting",
            "Death_Immigration_Enforcement",
            "In_SBCC",
        )
    },
}


async def test_unread_columns_of_the_shipped_files(fresh_url):
    summary = await load_files(fresh_url, [ICE_ALL, ICE_DETAILED, CBP])
    assert summary.unread == {str(path): unread for path, unread in SHIPPED_UNREAD.items()}


@pytest.mark.parametrize("source", [ICE_ALL, CBP])
async def test_an_added_column_is_reported_and_refused_by_strict(fresh_url, tmp_path, source):
    copy = with_column(tmp_path, source, "Notes", 5)
    before = await snapshot(fresh_url)
    with pytest.raises(ImportFailure) as failure:
        await import_paths(fresh_url, [copy], strict=True)
    assert failure.value.path == str(copy)
    assert "refused by --strict" in failure.value.problem
    assert "Notes (5x)" in failure.value.problem
    assert await snapshot(fresh_url) == before

    summary = await load_files(fresh_url, [copy])
    assert summary.unread[str(copy)] == {**SHIPPED_UNREAD[source], "Notes": 5}
