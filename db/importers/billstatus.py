"""Importer for GPO BILLSTATUS XML (govinfo bulk data), current and legacy schemas.

The current schema (113th Congress onward, re-issued 2022+) has `<billStatus><version>` and
`<bill><number><type>`; legacy files (113th-116th as first published) have no top-level
`<version>`, and use `<billNumber><billType>`, `<billCommittees>`, `<billSubjects>` and
`<billSummaries>` wrappers. Both are read into one BillRecord.

GPO lists actions newest first; they are stored oldest first (position 1 = earliest), so
`position` orders actions within a day.

What is read is declared as element paths (`db.importers.unread`) in `ACTION_READ` and
`READ`; what is read on purpose and not stored, each with its reason, in `READ_NOT_STORED`.
Every other element a file carries is reported by `unread` in the import summary.
"""

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg

from db.importers import datasets, values
from db.importers.bill_records import (
    COMMITTEE_DETAILS,
    MEMBER_DETAILS,
    OTHER_MEMBER_IDS,
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
from db.importers.unread import xml_paths

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


def _under(parent: str, *children: str) -> set[str]:
    """`parent` and each of `children` as paths below it."""
    return {parent, *(f"{parent}/{child}" for child in children)}


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


# What `_actions` reads of each action, in both schemas: the first committee named (current
# `committees/item`, legacy `committee`) is stored; the time only of House floor actions.
ACTION_READ = {"bill/actions"} | _under(
    "bill/actions/item",
    "actionDate",
    "actionTime",
    "text",
    "type",
    "actionCode",
    "sourceSystem",
    "sourceSystem/code",
    "sourceSystem/name",
    "committees",
    "committees/item",
    "committees/item/systemCode",
    "committee",
    "committee/systemCode",
)


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


_MEMBER_READ = ("bioguideId", "identifiers", "identifiers/bioguideId")
_COMMITTEE_READ = (
    "systemCode",
    "activities",
    "activities/item",
    "activities/item/name",
    "subcommittees",
    "subcommittees/item",
    "subcommittees/item/systemCode",
    "subcommittees/item/activities",
    "subcommittees/item/activities/item",
    "subcommittees/item/activities/item/name",
)
# What `read_bill` reads (with ACTION_READ), as `db.importers.unread.xml_paths` paths; the
# legacy schema's wrappers (`billCommittees`, `billSubjects`, `billSummaries`) are listed
# beside the current paths. Of the sponsors only the first is stored, of a text version's
# formats the first URL.
READ = (
    {"bill", "bill/number", "bill/billNumber", "bill/type", "bill/billType", "bill/congress"}
    | {"bill/originChamber", "bill/introducedDate"}
    | {"bill/latestAction", "bill/latestAction/actionDate", "bill/latestAction/text"}
    | {"bill/policyArea", "bill/policyArea/name", "bill/primarySubject"}
    | {"bill/primarySubject/name"}
    | _under("bill/titles", "item", "item/titleType", "item/title", "item/billTextVersionName")
    | _under("bill/subjects", "legislativeSubjects", "billSubjects")
    | _under("bill/subjects/legislativeSubjects", "item", "item/name")
    | _under("bill/subjects/billSubjects/legislativeSubjects", "item", "item/name")
    | _under("bill/subjects/billSubjects/otherSubjects", "item", "item/name")
    | _under("bill/summaries", "summary", "billSummaries")
    | _under("bill/summaries/summary", "versionCode", "actionDate", "actionDesc", "text")
    | _under("bill/summaries/billSummaries/item", "versionCode", "actionDate", "actionDesc")
    | {"bill/summaries/billSummaries/item/text"}
    | _under("bill/textVersions", "item", "item/type", "item/date", "item/formats")
    | _under("bill/textVersions/item/formats", "item", "item/url")
    | _under("bill/sponsors", "item", *(f"item/{p}" for p in _MEMBER_READ))
    | _under("bill/cosponsors", "item", *(f"item/{p}" for p in _MEMBER_READ))
    | _under("bill/cosponsors/item", "sponsorshipDate", "isOriginalCosponsor")
    | {"bill/cosponsors/item/sponsorshipWithdrawnDate"}
    | _under("bill/committees", "item", *(f"item/{p}" for p in _COMMITTEE_READ))
    | _under("bill/committees/billCommittees", "item", *(f"item/{p}" for p in _COMMITTEE_READ))
    | _under("bill/relatedBills", "item", "item/congress", "item/type", "item/number")
    | _under("bill/relatedBills/item/relationshipDetails", "item", "item/type")
    | ACTION_READ
)
_UPDATED = "when the Library of Congress last changed the record, not a fact about the bill"
_ITEM_DETAILS = {
    **{f"item/{p}": MEMBER_DETAILS for p in ("fullName", "firstName", "middleName")},
    **{f"item/{p}": MEMBER_DETAILS for p in ("lastName", "name", "party", "state", "district")},
    "item/identifiers/lisID": OTHER_MEMBER_IDS,
    "item/identifiers/gpoId": OTHER_MEMBER_IDS,
}
_COMMITTEE_NAMES = {
    "item/name": COMMITTEE_DETAILS,
    "item/chamber": COMMITTEE_DETAILS,
    "item/type": COMMITTEE_DETAILS,
    "item/subcommittees/item/name": COMMITTEE_DETAILS,
}
# Paths read on purpose and not stored, each with its reason; each is taken with its subtree.
READ_NOT_STORED = {
    "version": "the schema version; the two schemas are told apart by their elements",
    "bill/version": "the schema version; the two schemas are told apart by their elements",
    "dublinCore": "the file's format, language, publisher and public-domain notice, which the"
    " dataset record (datasets.GPO_BILLSTATUS) states",
    "bill/createDate": _UPDATED,
    "bill/updateDate": _UPDATED,
    "bill/updateDateIncludingText": _UPDATED,
    "bill/title": "repeats the Display Title item of titles",
    "bill/latestAction/actionTime": "repeats the newest item of actions",
    "bill/latestAction/links": "repeats the newest item of actions",
    "bill/actions/actionByCounts": "counts of the items of actions, by chamber",
    "bill/actions/actionTypeCounts": "counts of the items of actions, by type",
    "bill/actions/item/committees/item/name": COMMITTEE_DETAILS,
    "bill/actions/item/committee/name": COMMITTEE_DETAILS,
    "bill/titles/item/billTextVersionCode": "the code of billTextVersionName (IH: Introduced in"
    " House)",
    "bill/titles/item/chamberCode": "the chamber the titleType names",
    "bill/titles/item/chamberName": "the chamber the titleType names",
    "bill/titles/item/parentTitleType": "the group of the titleType (Short Titles Senate)",
    "bill/subjects/policyArea": "repeats bill/policyArea",
    "bill/subjects/billSubjects/policyArea": "repeats bill/policyArea",
    "bill/subjects/billSubjects/primarySubject": "repeats bill/primarySubject",
    "bill/summaries/summary/updateDate": "when the summary was last edited",
    "bill/summaries/billSummaries/item/updateDate": "when the summary was last edited",
    "bill/summaries/billSummaries/item/lastSummaryUpdateDate": "when the summary was last edited",
    "bill/summaries/billSummaries/item/name": "repeats actionDesc",
    "bill/relatedBills/item/title": "the related bill's title, which its own record holds",
    "bill/relatedBills/item/latestTitle": "the related bill's title, which its own record holds",
    "bill/relatedBills/item/latestAction": "the related bill's latest action, which its own"
    " record holds",
    **{f"bill/sponsors/{p}": why for p, why in _ITEM_DETAILS.items()},
    **{f"bill/cosponsors/{p}": why for p, why in _ITEM_DETAILS.items()},
    **{f"bill/committees/{p}": why for p, why in _COMMITTEE_NAMES.items()},
    **{f"bill/committees/billCommittees/{p}": why for p, why in _COMMITTEE_NAMES.items()},
}


def unread(root: ET.Element) -> Iterator[str]:
    """The element paths of a parsed BILLSTATUS document that are neither in READ nor in
    READ_NOT_STORED, once per occurrence (`db.importers.unread.xml_paths`)."""
    return xml_paths(root, READ, whole=READ_NOT_STORED)


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
    """Import one BILLSTATUS file; BILLSTATUS is the authoritative source for its bill.

    The elements the file carried that are not read are noted in the summary (`unread`).
    """
    bill = read_bill(path, root)
    dataset_id = await datasets.ensure(conn, datasets.GPO_BILLSTATUS)
    summary = await write_bill(conn, bill, dataset_id, source_file(path))
    summary.note_unread(source_file(path), unread(root))
    return summary
