"""The GPO BILLSTATUS importer on the shipped files, current schema and legacy (no <version>).

Expected numbers are read from the XML files themselves, or are the ones the files state
(hr1470-117 has 41 cosponsors; roll 60 of 2021 is the House passage of hr1280-117).
"""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest
import yaml

from api.settings import ROOT
from db.importers.errors import ImportFailure
from db.load import import_paths, load_files

DATA = ROOT / "data"
BILLS = DATA / "bills"
SHIPPED_XML = sorted(BILLS.glob("billstatus*/*.xml"))
CURRENT = yaml.load(
    (DATA / "legislators" / "legislators-current.yaml").read_text(), Loader=yaml.CSafeLoader
)
BIOGUIDES = {p["id"]["bioguide"] for p in CURRENT}


def bill_id_of(path: Path) -> str:
    """`BILLSTATUS-117hr1470.xml` -> `hr1470-117`."""
    stem = path.stem.removeprefix("BILLSTATUS-")
    congress, rest = stem[:3], stem[3:]
    return f"{rest}-{congress}"


def xml_bill(path: Path) -> ET.Element:
    bill = ET.parse(path).getroot().find("bill")
    assert bill is not None
    return bill


async def fetch(url: str, sql: str, *args):
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_all_nine_shipped_files_have_both_schemas():
    versions = {p.name: ET.parse(p).getroot().findtext("version") for p in SHIPPED_XML}
    assert len(versions) == 9
    legacy = sorted(name for name, version in versions.items() if version is None)
    assert legacy == [
        "BILLSTATUS-114hr5278.xml",
        "BILLSTATUS-114s1300.xml",
        "BILLSTATUS-116hr5053.xml",
    ]


@pytest.mark.parametrize("path", SHIPPED_XML, ids=lambda p: p.name)
async def test_child_rows_match_the_file(seeded_url, path):
    bill = xml_bill(path)
    cosponsors = {i.findtext("bioguideId") for i in bill.findall("cosponsors/item")}
    subjects = {
        i.findtext("name")
        for i in bill.findall("subjects/legislativeSubjects/item")
        + bill.findall("subjects/billSubjects/legislativeSubjects/item")
        + bill.findall("subjects/billSubjects/otherSubjects/item")
    }
    titles = {(i.findtext("titleType"), i.findtext("title")) for i in bill.findall("titles/item")}
    actions = [i for i in bill.findall("actions/item") if (i.findtext("text") or "").strip()]
    summaries = bill.findall("summaries/summary") + bill.findall("summaries/billSummaries/item")
    row = (
        await fetch(
            seeded_url,
            """SELECT b.id,
                 (SELECT count(*) FROM bill_cosponsors c WHERE c.bill_id = b.id) AS cosponsors,
                 (SELECT count(*) FROM bill_cosponsors c WHERE c.bill_id = b.id
                    AND c.legislator_id IS NOT NULL) AS linked,
                 (SELECT count(*) FROM bill_subjects s WHERE s.bill_id = b.id) AS subjects,
                 (SELECT count(*) FROM bill_titles t WHERE t.bill_id = b.id) AS titles,
                 (SELECT count(*) FROM bill_actions a WHERE a.bill_id = b.id) AS actions,
                 (SELECT count(*) FROM bill_summaries s WHERE s.bill_id = b.id) AS summaries
               FROM bills b WHERE b.bill_id = $1""",
            bill_id_of(path),
        )
    )[0]
    assert row["cosponsors"] == len(cosponsors)
    # Linked: current members, and former members whom a shipped roll call, Voteview file or
    # speech named (docs/members.md); the others stay unlinked until their member arrives.
    known = {
        r[0]
        for r in await fetch(
            seeded_url,
            "SELECT bioguide_id FROM legislators WHERE bioguide_id = ANY($1)",
            list(cosponsors),
        )
    }
    assert cosponsors & BIOGUIDES <= known
    assert row["linked"] == len(cosponsors & known)
    assert row["subjects"] == len(subjects)
    assert row["titles"] == len(titles)
    assert row["actions"] == len(actions)
    assert row["summaries"] == len(summaries)


async def test_hr1470_current_schema(seeded_url):
    bill = (
        await fetch(
            seeded_url,
            """SELECT b.*, l.bioguide_id AS sponsor, d.key AS dataset FROM bills b
               JOIN legislators l ON l.id = b.sponsor_id JOIN datasets d ON d.id = b.dataset_id
               WHERE b.bill_id = 'hr1470-117'""",
        )
    )[0]
    assert bill["short_title"] == "Ending Qualified Immunity Act"
    assert bill["official_title"].startswith("To amend the Revised Statutes to remove the defense")
    assert bill["introduced_date"] == date(2021, 3, 1)
    assert bill["origin_chamber"] == "house"
    assert bill["policy_area"] == "Civil Rights and Liberties, Minority Issues"
    assert (bill["status"], bill["status_date"]) == ("REFERRED", date(2021, 3, 1))
    assert bill["latest_action_date"] == date(2021, 4, 28)
    assert bill["latest_action_text"] == (
        "Referred to the Subcommittee on the Constitution, Civil Rights, and Civil Liberties."
    )
    assert (bill["sponsor"], bill["sponsor_bioguide_id"]) == ("P000617", "P000617")
    assert bill["dataset"] == "gpo-billstatus"

    cosponsors = await fetch(
        seeded_url,
        """SELECT c.* FROM bill_cosponsors c JOIN bills b ON b.id = c.bill_id
           WHERE b.bill_id = 'hr1470-117'""",
    )
    assert len(cosponsors) == 41
    grijalva = next(c for c in cosponsors if c["bioguide_id"] == "G000551")
    assert (grijalva["sponsored_on"], grijalva["is_original"]) == (date(2021, 3, 3), False)
    assert sum(c["is_original"] for c in cosponsors) == sum(
        i.findtext("isOriginalCosponsor") == "True"
        for i in xml_bill(BILLS / "billstatus/BILLSTATUS-117hr1470.xml").findall("cosponsors/item")
    )

    committees = await fetch(
        seeded_url,
        """SELECT c.thomas_id, bc.activity FROM bill_committees bc
           JOIN committees c ON c.id = bc.committee_id JOIN bills b ON b.id = bc.bill_id
           WHERE b.bill_id = 'hr1470-117' ORDER BY 1""",
    )
    assert [tuple(r) for r in committees] == [
        ("HSJU", "Referred to"),
        ("HSJU10", "Referred to"),
    ]
    # The empty <textVersions><item/> of the file is skipped.
    versions = await fetch(
        seeded_url,
        """SELECT v.version_type, v.version_date, v.url FROM bill_text_versions v
           JOIN bills b ON b.id = v.bill_id WHERE b.bill_id = 's492-117'""",
    )
    assert [tuple(r) for r in versions] == [
        (
            "Introduced in Senate",
            date(2021, 3, 1),
            "https://www.govinfo.gov/content/pkg/BILLS-117s492is/xml/BILLS-117s492is.xml",
        )
    ]


async def test_actions_are_oldest_first_with_house_floor_times(seeded_url):
    actions = await fetch(
        seeded_url,
        """SELECT a.position, a.acted_on, a.acted_at, a.text, a.chamber, a.action_code,
                  c.thomas_id
           FROM bill_actions a JOIN bills b ON b.id = a.bill_id
           LEFT JOIN committees c ON c.id = a.committee_id
           WHERE b.bill_id = 'hr1280-117' ORDER BY a.position""",
    )
    assert [a["position"] for a in actions] == list(range(1, 20))
    dates = [a["acted_on"] for a in actions]
    assert dates == sorted(dates)
    assert actions[0]["text"] == "Introduced in House"
    assert actions[-1]["text"] == "Received in the Senate."
    assert actions[-1]["chamber"] == "senate"
    passage = next(a for a in actions if a["action_code"] == "H37100")
    # actionTime 21:30:18 Eastern is the roll call's 2021-03-04T02:30:18Z.
    assert passage["acted_at"] == datetime(2021, 3, 4, 2, 30, 18, tzinfo=UTC)
    assert "(Roll no. 60)" in passage["text"]
    assert passage["chamber"] == "house"
    # hsif14 -> HSIF14 (a subcommittee), hsju00 -> HSJU.
    referral = next(a for a in actions if a["text"] == "Referred to the Subcommittee on Health.")
    assert referral["thomas_id"] == "HSIF14"
    assert {a["thomas_id"] for a in actions if a["action_code"] == "H11100"} == {
        "HSJU",
        "HSAS",
        "HSIF",
    }


async def test_legacy_files_without_version(seeded_url):
    rows = {
        r["bill_id"]: r
        for r in await fetch(
            seeded_url,
            """SELECT bill_id, short_title, policy_area, status, status_date, sponsor_bioguide_id
               FROM bills WHERE congress < 117""",
        )
    }
    assert set(rows) == {"hr5278-114", "s1300-114", "hr5053-116"}
    enacted = rows["s1300-114"]
    assert enacted["short_title"] == "Adoptive Family Relief Act"
    assert enacted["policy_area"] == "Immigration"  # from the legacy <primarySubject>
    assert (enacted["status"], enacted["status_date"]) == ("ENACTED:SIGNED", date(2015, 10, 16))
    assert rows["hr5053-116"]["short_title"] == "Justice for Juveniles Act"
    assert rows["hr5053-116"]["policy_area"] is None  # the file's <policyArea /> is empty
    assert rows["hr5278-114"]["short_title"] == "PROMESA"
    # Legacy House floor times are written like 12:06PM (Eastern; EDT in 2015).
    timed = await fetch(
        seeded_url,
        """SELECT a.acted_at FROM bill_actions a JOIN bills b ON b.id = a.bill_id
           WHERE b.bill_id = 's1300-114' AND a.acted_at IS NOT NULL ORDER BY a.position""",
    )
    assert timed[0]["acted_at"] == datetime(2015, 7, 15, 16, 6, tzinfo=UTC)  # 12:06PM
    assert timed[-1]["acted_at"] == datetime(2015, 10, 6, 21, 47, tzinfo=UTC)  # 05:47PM
    committees = await fetch(
        seeded_url,
        """SELECT c.thomas_id FROM bill_committees bc JOIN committees c ON c.id = bc.committee_id
           JOIN bills b ON b.id = bc.bill_id WHERE b.bill_id = 'hr5278-114' ORDER BY 1""",
    )
    assert [r[0] for r in committees] == ["HSED", "HSII", "HSJU", "HSJU05", "HSSM", "SSEG"]


async def test_related_bills_link_both_ways(seeded_url):
    rows = await fetch(
        seeded_url,
        """SELECT b.bill_id, r.related_bill_key, o.bill_id AS other, r.relationship
           FROM related_bills r JOIN bills b ON b.id = r.bill_id
           LEFT JOIN bills o ON o.id = r.related_id
           WHERE b.bill_id IN ('hr1470-117', 's492-117') ORDER BY 1""",
    )
    assert [tuple(r) for r in rows] == [
        ("hr1470-117", "s492-117", "s492-117", "Identical bill"),
        ("s492-117", "hr1470-117", "hr1470-117", "Identical bill"),
    ]
    unresolved = await fetch(
        seeded_url, "SELECT count(*) FROM related_bills WHERE related_id IS NULL"
    )
    assert unresolved[0][0] == 15


async def test_related_bill_and_votes_are_linked_when_the_bill_arrives_later(empty_url):
    vote = DATA / "votes/uscongress/117/votes/2021/h60/data.json"
    await load_files(empty_url, [BILLS / "billstatus/BILLSTATUS-117hr1470.xml", vote])
    before = await fetch(
        empty_url,
        "SELECT (SELECT related_id FROM related_bills), (SELECT bill_id FROM votes)",
    )
    assert tuple(before[0]) == (None, None)
    await load_files(
        empty_url,
        [
            BILLS / "billstatus/BILLSTATUS-117s492.xml",
            BILLS / "billstatus/BILLSTATUS-117hr1280.xml",
        ],
    )
    after = await fetch(
        empty_url,
        """SELECT b.bill_id, o.bill_id FROM related_bills r JOIN bills b ON b.id = r.bill_id
           JOIN bills o ON o.id = r.related_id WHERE b.bill_id = 'hr1470-117'""",
    )
    assert [tuple(r) for r in after] == [("hr1470-117", "s492-117")]
    linked = await fetch(
        empty_url, "SELECT b.bill_id FROM votes v JOIN bills b ON b.id = v.bill_id"
    )
    assert [r[0] for r in linked] == ["hr1280-117"]


async def test_cosponsors_link_to_legislators_loaded_later(empty_url):
    path = BILLS / "billstatus/BILLSTATUS-117hr1470.xml"
    summary = await load_files(empty_url, [path])
    assert summary["bill_cosponsors"].inserted == 41
    assert summary["bill_cosponsors"].unresolved == 41
    await load_files(empty_url, [DATA / "legislators/legislators-current.yaml"])
    rows = await fetch(
        empty_url,
        """SELECT count(c.legislator_id), count(*) FILTER (WHERE b.sponsor_id IS NOT NULL)
           FROM bill_cosponsors c JOIN bills b ON b.id = c.bill_id""",
    )
    cosponsors = {i.findtext("bioguideId") for i in xml_bill(path).findall("cosponsors/item")}
    assert rows[0][0] == len(cosponsors & BIOGUIDES) == 29
    assert rows[0][1] == 41  # the sponsor P000617 resolved on every row's bill


# Unread elements (issue 9) -----------------------------------------------------------------

# Every element the shipped files carry that the importer does not read: facts Redress does
# not store yet (a law's number, CBO estimates, amendments, Congressional Record links, ...).
UNREAD_IN_SHIPPED = (
    "bill/actions/item/links",
    "bill/actions/item/recordedVotes",
    "bill/amendments",
    "bill/calendarNumbers",
    "bill/cboCostEstimates",
    "bill/committeeReports",
    "bill/committees/billCommittees/item/activities/item/date",
    "bill/committees/billCommittees/item/subcommittees/item/activities/item/date",
    "bill/committees/item/activities/item/date",
    "bill/committees/item/subcommittees/item/activities/item/date",
    "bill/constitutionalAuthorityStatementText",
    "bill/isReserved",
    "bill/laws",
    "bill/notes",
    "bill/primarySubject/parentSubject",
    "bill/recordedVotes",
    "bill/relatedBills/item/relationshipDetails/item/identifiedBy",
    "bill/sponsors/item/byRequestType",
    "bill/sponsors/item/isByRequest",
    "bill/subjects/billSubjects/otherSubjects/item/parentSubject",
)
HR1470 = BILLS / "billstatus/BILLSTATUS-117hr1470.xml"
S1300 = BILLS / "billstatus-samples/BILLSTATUS-114s1300.xml"


async def test_unread_elements_of_a_current_schema_file(empty_url):
    summary = await load_files(empty_url, [HR1470])
    assert summary.unread == {
        str(HR1470): {
            "bill/committees/item/activities/item/date": 1,
            "bill/committees/item/subcommittees/item/activities/item/date": 1,
            "bill/constitutionalAuthorityStatementText": 1,
            "bill/relatedBills/item/relationshipDetails/item/identifiedBy": 1,
            "bill/sponsors/item/isByRequest": 1,
        }
    }


async def test_unread_elements_of_a_legacy_file(empty_url):
    summary = await load_files(empty_url, [S1300])
    assert summary.unread == {
        str(S1300): {
            "bill/actions/item/links": 25,
            "bill/amendments": 1,
            "bill/calendarNumbers": 1,
            "bill/cboCostEstimates": 1,
            "bill/committeeReports": 1,
            "bill/committees/billCommittees/item/activities/item/date": 3,
            "bill/isReserved": 1,
            "bill/laws": 1,
            "bill/notes": 1,
            "bill/primarySubject/parentSubject": 1,
            "bill/recordedVotes": 1,
            "bill/relatedBills/item/relationshipDetails/item/identifiedBy": 2,
            "bill/sponsors/item/byRequestType": 1,
            "bill/subjects/billSubjects/otherSubjects/item/parentSubject": 4,
        }
    }


async def test_every_shipped_file_reports_its_unread_elements(empty_url):
    summary = await load_files(empty_url, SHIPPED_XML)
    for path in SHIPPED_XML:
        root = ET.parse(path).getroot()
        expected = {p: n for p in UNREAD_IN_SHIPPED if (n := len(root.findall(p)))}
        assert summary.unread.get(str(path), {}) == expected, path.name


def _with_unknown_parts(tmp_path: Path) -> Path:
    """A copy of hr1470-117 with an element and an attribute the importer does not know."""
    tree = ET.parse(HR1470)
    bill = tree.getroot().find("bill")
    assert bill is not None
    ET.SubElement(bill, "vetoMessage").text = "x"
    for action in bill.findall("actions/item")[:2]:
        action.set("kind", "y")
    copy = tmp_path / "BILLSTATUS-117hr1470.xml"
    tree.write(copy, encoding="utf-8", xml_declaration=True)
    return copy


async def test_an_added_element_and_attribute_are_reported(empty_url, tmp_path):
    copy = _with_unknown_parts(tmp_path)
    summary = await load_files(empty_url, [copy])
    assert summary.unread[str(copy)]["bill/vetoMessage"] == 1
    assert summary.unread[str(copy)]["bill/actions/item@kind"] == 2
    assert sum(summary.unread[str(copy)].values()) == 5 + 3
    assert summary["bills"].inserted == 1  # reported, and imported all the same


async def test_strict_refuses_a_file_with_an_unread_element(empty_url, tmp_path):
    copy = _with_unknown_parts(tmp_path)
    with pytest.raises(ImportFailure) as failure:
        await import_paths(empty_url, [copy], strict=True)
    assert failure.value.path == str(copy)
    assert "refused by --strict" in str(failure.value)
    assert "bill/vetoMessage (1x)" in str(failure.value)
    assert "bill/actions/item@kind (2x)" in str(failure.value)
    assert (await fetch(empty_url, "SELECT count(*) FROM bills"))[0][0] == 0
