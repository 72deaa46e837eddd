"""Importer for GPO BILLSTATUS XML (govinfo bulk data), current and legacy schemas.

The current schema (113th Congress onward, re-issued 2022+) has `<billStatus><version>` and
`<bill><number><type>`; legacy files (113th-116th as first published) have no top-level
`<version>`, and use `<billNumber><billType>`, `<billCommittees>`, `<billSubjects>` and
`<billSummaries>` wrappers. Both are read into one BillRecord.

GPO lists actions newest first; they are stored oldest first (position 1 = earliest), so
`position` orders actions within a day.
"""

import xml.etree.ElementTree as ET
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from db.importers import datasets, values
from db.importers.bill_records import (
    Action,
    BillRecord,
    Cosponsor,
    chamber_of_code,
    committee_code,
    write_bill,
)
from db.importers.bulk import Summary
from db.importers.errors import ImportFailure
from db.importers.files import source_file

ROOT_TAG = "billStatus"
EASTERN = ZoneInfo("America/New_York")
CHAMBERS = {"house": "house", "senate": "senate"}
PRESIDENT_CODES = ("28000", "29000", "31000", "36000", "E20000", "E30000", "E40000")
INTRODUCED_CODES = ("1000", "10000", "Intro-H")
REFERRED_CODES = ("H11100", "2000", "11000")
REPORTED_CODES = ("5000", "14000", "H12100", "H12200")
PASSED_CODES = {"8000": "house", "17000": "senate"}
ENACTED_CODES = ("36000", "E40000")
STAGES = ("INTRODUCED", "REFERRED", "REPORTED", "PASS_OVER", "PASSED", "ENACTED")
OFFICIAL_STAGES = ("Enacted", "Agreed to", "Senate", "House", "Introduced")
SHORT_STAGES = ("Enacted", "Passed", "Reported", "Introduced")
BULK_URL = "https://www.govinfo.gov/bulkdata/BILLSTATUS/{c}/{t}/BILLSTATUS-{c}{t}{n}.xml"


def is_billstatus(data: object) -> bool:
    """Whether `data` is a parsed BILLSTATUS document."""
    return isinstance(data, ET.Element) and data.tag == ROOT_TAG


def _text(element: ET.Element | None, path: str) -> str | None:
    return None if element is None else values.text(element.findtext(path))


def _items(element: ET.Element, *paths: str) -> list[ET.Element]:
    """The `item` children under the first of `paths` that has any."""
    for path in paths:
        found = element.findall(f"{path}/item")
        if found:
            return found
    return []


def _ranked(
    titles: list[tuple[str, str, str | None]], prefix: str, stages: tuple[str, ...]
) -> str | None:
    """The title of the furthest stage among those whose type starts with `prefix`."""
    candidates = [
        (t_type, title)
        for t_type, title, _ in titles
        if t_type.startswith(prefix) and "portions" not in t_type and "Other" not in t_type
    ]
    for stage in stages:
        for t_type, title in candidates:
            if stage in t_type:
                return title
    return candidates[0][1] if candidates else None


def _chamber(item: ET.Element, code: str | None) -> str | None:
    """The chamber an action happened in, where the source system or code says so."""
    if code and (code in PRESIDENT_CODES or code.startswith("E")):
        return None
    system_code = _text(item, "sourceSystem/code")
    system_name = (_text(item, "sourceSystem/name") or "").lower()
    if system_code == "0" or system_name == "senate":
        return "senate"
    if system_code in ("1", "2") or system_name.startswith("house"):
        return "house"
    return chamber_of_code(code)


def _clock(value: str, path: Path, record: str) -> time:
    """A House floor time: `21:30:18` (current schema) or `05:47PM` (legacy)."""
    for parse in (time.fromisoformat, lambda v: datetime.strptime(v, "%I:%M%p").time()):
        try:
            return parse(value)
        except ValueError:
            continue
    raise ImportFailure(path, record, f"actionTime {value!r} is not a time")


def _actions(bill: ET.Element, path: Path, record: str) -> list[Action]:
    items = [i for i in _items(bill, "actions") if _text(i, "text")]
    found = []
    for index, item in enumerate(items):
        where = f"{record}, action {index + 1}"
        acted_on = values.day(item.findtext("actionDate"), path, where, "actionDate")
        if acted_on is None:
            raise ImportFailure(path, where, "has no actionDate")
        acted_at = None
        clock = _text(item, "actionTime")
        if clock and _text(item, "sourceSystem/code") == "2":
            acted_at = datetime.combine(acted_on, _clock(clock, path, where), EASTERN)
        code = _text(item, "actionCode")
        systems = [_text(c, "systemCode") for c in _items(item, "committees")]
        systems.append(_text(item, "committee/systemCode"))
        codes = [c for c in (committee_code(s) for s in systems) if c]
        found.append(
            Action(
                acted_on=acted_on,
                acted_at=acted_at,
                text=_text(item, "text") or "",
                action_type=_text(item, "type"),
                action_code=code,
                chamber=_chamber(item, code),
                committee_code=codes[0] if codes else None,
            )
        )
    # GPO lists actions newest first; keep a file that is already oldest first as it is.
    if found and found[0].acted_on >= found[-1].acted_on:
        found.reverse()
    return found


def derive_status(bill_type: str, actions: list[Action]) -> tuple[str | None, date | None]:
    """The furthest stage the actions show, in unitedstates/congress status words, and its date.

    Only stages the Library of Congress action codes make clear are derived: introduced,
    referred, reported, passed one or both chambers, and enacted.
    """
    level, status, status_date = -1, None, None
    passed: set[str] = set()
    override = any("over veto" in a.text.lower() for a in actions)
    for a in actions:
        code = a.action_code or ""
        label = None
        if code in INTRODUCED_CODES:
            label = "INTRODUCED"
        elif code in REFERRED_CODES or (
            not code and a.chamber == "senate" and "referred to" in a.text.lower()
        ):
            label = "REFERRED"
        elif code in REPORTED_CODES:
            label = "REPORTED"
        elif code in PASSED_CODES:
            passed.add(PASSED_CODES[code])
            if bill_type in ("hres", "sres"):
                label = "PASSED:SIMPLERES"
            elif len(passed) == 2:
                label = "PASSED:CONCURRENTRES" if bill_type.endswith("conres") else "PASSED:BILL"
            else:
                label = f"PASS_OVER:{PASSED_CODES[code].upper()}"
        elif code in ENACTED_CODES:
            label = "ENACTED:VETO_OVERRIDE" if override else "ENACTED:SIGNED"
        if label is not None and STAGES.index(label.split(":")[0]) > level:
            level, status, status_date = STAGES.index(label.split(":")[0]), label, a.acted_on
    return status, status_date


def read_bill(path: Path, root: ET.Element) -> BillRecord:
    """The bill in a parsed BILLSTATUS document."""
    bill = root.find("bill")
    if bill is None:
        raise ImportFailure(path, None, "no <bill> element")
    raw_type = _text(bill, "type") or _text(bill, "billType")
    raw_number = _text(bill, "number") or _text(bill, "billNumber")
    record = f"bill {raw_type} {raw_number}"
    congress = values.integer(bill.findtext("congress"), path, record, "congress")
    number = values.integer(raw_number, path, record, "number")
    if congress is None or number is None or raw_type is None:
        raise ImportFailure(path, record, "needs congress, type and number")
    b_type = values.bill_type(raw_type, path, record)
    record = f"bill {values.bill_key(b_type, number, congress)}"

    origin = (_text(bill, "originChamber") or "").lower() or None
    if origin is not None and origin not in CHAMBERS:
        raise ImportFailure(path, record, f"unknown originChamber {origin!r}")

    titles = []
    for item in _items(bill, "titles"):
        t_type, title = _text(item, "titleType"), _text(item, "title")
        if t_type and title:
            titles.append((t_type, title, _text(item, "billTextVersionName")))

    subjects = [
        s
        for item in _items(
            bill,
            "subjects/legislativeSubjects",
            "subjects/billSubjects/legislativeSubjects",
            "subjects/billSubjects/otherSubjects",
        )
        if (s := _text(item, "name"))
    ]

    summaries = []
    for index, item in enumerate(
        bill.findall("summaries/summary") + bill.findall("summaries/billSummaries/item")
    ):
        where = f"{record}, summary {index + 1}"
        code, body = _text(item, "versionCode"), _text(item, "text")
        if not code or not body:
            raise ImportFailure(path, where, "needs versionCode and text")
        summaries.append(
            (
                code,
                values.day(item.findtext("actionDate"), path, where, "actionDate"),
                _text(item, "actionDesc"),
                body,
            )
        )

    text_versions = []
    for index, item in enumerate(_items(bill, "textVersions")):
        v_type = _text(item, "type")
        v_date = values.day(
            item.findtext("date"), path, f"{record}, text version {index + 1}", "date"
        )
        if v_type and v_date:
            urls = [u for f in _items(item, "formats") if (u := _text(f, "url"))]
            text_versions.append((v_type, v_date, urls[0] if urls else None))

    cosponsors = []
    for index, item in enumerate(_items(bill, "cosponsors")):
        where = f"{record}, cosponsor {index + 1}"
        bioguide = _text(item, "bioguideId") or _text(item, "identifiers/bioguideId")
        if not bioguide:
            raise ImportFailure(path, where, "has no bioguideId")
        cosponsors.append(
            Cosponsor(
                bioguide_id=bioguide,
                sponsored_on=values.day(
                    item.findtext("sponsorshipDate"), path, where, "sponsorshipDate"
                ),
                is_original=values.flag(
                    item.findtext("isOriginalCosponsor"), path, where, "isOriginalCosponsor"
                ),
                withdrawn_on=values.day(
                    item.findtext("sponsorshipWithdrawnDate"),
                    path,
                    where,
                    "sponsorshipWithdrawnDate",
                ),
            )
        )

    committees: dict[str, str | None] = {}
    for item in _items(bill, "committees", "committees/billCommittees"):
        for entry in [item, *_items(item, "subcommittees")]:
            code = committee_code(_text(entry, "systemCode"))
            if code is None:
                continue
            names = [n for a in _items(entry, "activities") if (n := _text(a, "name"))]
            committees[code] = ", ".join(dict.fromkeys(names)) or None

    related: dict[str, str | None] = {}
    for index, item in enumerate(_items(bill, "relatedBills")):
        where = f"{record}, related bill {index + 1}"
        r_congress = values.integer(item.findtext("congress"), path, where, "congress")
        r_number = values.integer(item.findtext("number"), path, where, "number")
        if r_congress is None or r_number is None:
            raise ImportFailure(path, where, "needs congress and number")
        key = values.bill_key(
            values.bill_type(item.findtext("type"), path, where), r_number, r_congress
        )
        kinds = [k for d in _items(item, "relationshipDetails") if (k := _text(d, "type"))]
        related[key] = ", ".join(dict.fromkeys(kinds)) or None

    actions = _actions(bill, path, record)
    status, status_date = derive_status(b_type, actions)
    sponsors = _items(bill, "sponsors")
    return BillRecord(
        congress=congress,
        bill_type=b_type,
        number=number,
        official_title=_ranked(titles, "Official Title", OFFICIAL_STAGES),
        short_title=_ranked(titles, "Short Title", SHORT_STAGES),
        popular_title=_ranked(titles, "Popular Title", ()),
        introduced_date=values.day(bill.findtext("introducedDate"), path, record, "introducedDate"),
        origin_chamber=origin,
        policy_area=_text(bill, "policyArea/name") or _text(bill, "primarySubject/name"),
        status=status,
        status_date=status_date,
        latest_action_date=values.day(
            bill.findtext("latestAction/actionDate"), path, record, "latestAction/actionDate"
        ),
        latest_action_text=_text(bill, "latestAction/text"),
        sponsor_bioguide_id=(
            _text(sponsors[0], "bioguideId") or _text(sponsors[0], "identifiers/bioguideId")
        )
        if sponsors
        else None,
        url=BULK_URL.format(c=congress, t=b_type, n=number),
        titles=titles,
        subjects=subjects,
        summaries=summaries,
        text_versions=text_versions,
        actions=actions,
        cosponsors=cosponsors,
        committees=committees,
        related=related,
    )


async def import_billstatus(conn: asyncpg.Connection, path: Path, root: ET.Element) -> Summary:
    """Import one BILLSTATUS file; BILLSTATUS is the authoritative source for its bill."""
    bill = read_bill(path, root)
    dataset_id = await datasets.ensure(conn, datasets.GPO_BILLSTATUS)
    return await write_bill(conn, bill, dataset_id, source_file(path))
