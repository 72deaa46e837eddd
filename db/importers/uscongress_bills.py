"""Importer for unitedstates/congress bill `data.json` files.

These files are derived from GPO BILLSTATUS, so BILLSTATUS wins: a bill already imported
from a BILLSTATUS file is left as it is (counted unchanged, and a line is logged), which
keeps loading both files for one bill idempotent.

Upstream text sometimes carries mojibake (UTF-8 read as Latin-1, e.g. "RaÃºl"). Every
string is passed through ftfy's encoding repair; each repair is logged with its file and
field, and counted under `text_repairs` in the summary.

What is read is declared as dotted key paths (`db.importers.unread`) in `READ`; what is read
on purpose and not stored, each with its reason, in `READ_NOT_STORED`. Every other key a file
carries is reported in the import summary, whether or not BILLSTATUS already holds the bill.
"""

import logging
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import ftfy

from db.importers import datasets, values
from db.importers.bill_records import (
    COMMITTEE_DETAILS,
    MEMBER_DETAILS,
    Action,
    BillRecord,
    Cosponsor,
    chamber_of_code,
    write_bill,
)
from db.importers.bulk import Summary
from db.importers.errors import ImportFailure
from db.importers.files import source_file
from db.importers.unread import json_paths

log = logging.getLogger(__name__)

BILL_KEY = re.compile(r"^([a-z]+)(\d+)-(\d+)$")
# LOC summary version codes (BILLSTATUS user guide, table 5) for the common stages.
SUMMARY_CODES = {
    "Introduced in House": "00",
    "Introduced in Senate": "00",
    "Reported to House without amendment": "79",
    "Reported to Senate without amendment": "80",
    "Passed House without amendment": "81",
    "Passed Senate without amendment": "82",
    "Passed House amended": "36",
    "Passed Senate amended": "35",
    "Public Law": "49",
}


def is_bill_json(data: Any) -> bool:
    """Whether `data` is a parsed unitedstates/congress bill data.json."""
    return isinstance(data, dict) and "bill_id" in data and "bill_type" in data


def repair_text(data: Any, path: Path, where: str = "") -> tuple[Any, list[str]]:
    """`data` with mojibake repaired in every string, and the fields that were repaired."""
    if isinstance(data, str):
        fixed = ftfy.fix_encoding(data)
        return fixed, ([where] if fixed != data else [])
    if isinstance(data, list):
        pairs = [repair_text(v, path, f"{where}[{i}]") for i, v in enumerate(data)]
        return [p[0] for p in pairs], [f for p in pairs for f in p[1]]
    if isinstance(data, dict):
        out, repaired = {}, []
        for key, value in data.items():
            out[key], fields = repair_text(value, path, f"{where}.{key}" if where else str(key))
            repaired += fields
        return out, repaired
    return data, []


def _record_list(data: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ImportFailure(path, key, "must be a list of objects")
    return value


# What `read_bill` reads, as `db.importers.unread.json_paths` paths. Of an action's
# committees only the first is stored; the latest action is the last item of `actions`.
READ = {
    "bill_id",
    "bill_type",
    "number",
    "congress",
    "official_title",
    "short_title",
    "popular_title",
    "introduced_at",
    "subjects_top_term",
    "subjects",
    "status",
    "status_at",
    "url",
    "actions",
    "actions[].acted_at",
    "actions[].action_code",
    "actions[].text",
    "actions[].type",
    "actions[].committees",
    "sponsor",
    "sponsor.bioguide_id",
    "cosponsors",
    "cosponsors[].bioguide_id",
    "cosponsors[].sponsored_at",
    "cosponsors[].original_cosponsor",
    "cosponsors[].withdrawn_at",
    "committees",
    "committees[].committee_id",
    "committees[].subcommittee_id",
    "committees[].activity",
    "related_bills",
    "related_bills[].bill_id",
    "related_bills[].type",
    "related_bills[].reason",
    "titles",
    "titles[].title",
    "titles[].type",
    "titles[].as",
    "titles[].is_for_portion",
    "summary",
    "summary.as",
    "summary.asOf",
    "summary.text",
}
# Keys read on purpose and not stored, each with its reason; each is taken with what is below.
READ_NOT_STORED = {
    "updated_at": "when the scraper wrote the file, not a fact about the bill",
    "history": "flags (active, vetoed, enacted, ...) the scraper derives from the actions",
    "actions[].status": "the status the scraper derives from this action; the bill's latest"
    " status is stored (status, status_at)",
    "sponsor.type": "`person` for a member sponsor, whom bioguide_id names",
    **{f"sponsor.{k}": MEMBER_DETAILS for k in ("name", "title", "state", "district")},
    **{f"cosponsors[].{k}": MEMBER_DETAILS for k in ("name", "title", "state", "district")},
    "committees[].committee": COMMITTEE_DETAILS,
    "committees[].subcommittee": COMMITTEE_DETAILS,
    "titles[].textVersionCode": "the code of the text version `as` names",
    "summary.date": "when the summary was last edited",
}


def unread(data: dict[str, Any]) -> Iterator[str]:
    """The key paths of a parsed data.json that are neither in READ nor in READ_NOT_STORED,
    once per occurrence (`db.importers.unread.json_paths`)."""
    return json_paths(data, READ, whole=READ_NOT_STORED)


def read_bill(path: Path, data: dict[str, Any]) -> BillRecord:
    """The bill described by a repaired data.json document."""
    key = values.text(data.get("bill_id")) or ""
    record = f"bill {key}"
    match = BILL_KEY.match(key)
    if match is None:
        raise ImportFailure(path, record, f"bill_id {key!r} is not like hr1470-117")
    b_type = values.bill_type(data.get("bill_type"), path, record)
    number = values.integer(data.get("number"), path, record, "number")
    congress = values.integer(data.get("congress"), path, record, "congress")
    if (b_type, number, congress) != (match[1], int(match[2]), int(match[3])):
        raise ImportFailure(path, record, "bill_type, number and congress disagree with bill_id")
    assert number is not None and congress is not None

    actions = []
    for index, item in enumerate(_record_list(data, "actions", path)):
        where = f"{record}, action {index + 1}"
        stamp = values.text(item.get("acted_at"))
        if stamp is None:
            raise ImportFailure(path, where, "has no acted_at")
        acted_on = values.day(stamp, path, where, "acted_at")
        acted_at = values.moment(stamp, path, where, "acted_at") if "T" in stamp else None
        assert acted_on is not None
        code = values.text(item.get("action_code"))
        named = item.get("committees") or []
        actions.append(
            Action(
                acted_on=acted_on,
                acted_at=acted_at,
                text=values.text(item.get("text")) or "",
                action_type=values.text(item.get("type")),
                action_code=code,
                chamber=chamber_of_code(code),
                committee_code=values.text(named[0]) if named else None,
            )
        )

    cosponsors = []
    for index, item in enumerate(_record_list(data, "cosponsors", path)):
        where = f"{record}, cosponsor {index + 1}"
        bioguide = values.text(item.get("bioguide_id"))
        if bioguide is None:
            raise ImportFailure(path, where, "has no bioguide_id")
        cosponsors.append(
            Cosponsor(
                bioguide_id=bioguide,
                sponsored_on=values.day(item.get("sponsored_at"), path, where, "sponsored_at"),
                is_original=values.flag(
                    item.get("original_cosponsor"), path, where, "original_cosponsor"
                ),
                withdrawn_on=values.day(item.get("withdrawn_at"), path, where, "withdrawn_at"),
            )
        )

    committees: dict[str, str | None] = {}
    for item in _record_list(data, "committees", path):
        code = values.text(item.get("committee_id"))
        if code is None:
            continue
        code += values.text(item.get("subcommittee_id")) or ""
        activity = item.get("activity") or []
        committees[code] = ", ".join(str(a) for a in activity) or None

    related: dict[str, str | None] = {}
    for index, item in enumerate(_record_list(data, "related_bills", path)):
        other = values.text(item.get("bill_id"))
        if item.get("type", "bill") != "bill" or other is None:
            continue
        if not BILL_KEY.match(other):
            raise ImportFailure(
                path, f"{record}, related bill {index + 1}", f"bill_id {other!r} is not a bill id"
            )
        related[other] = values.text(item.get("reason"))

    titles = []
    for item in _record_list(data, "titles", path):
        title, t_type = values.text(item.get("title")), values.text(item.get("type"))
        if title and t_type:
            suffix = " (portion)" if item.get("is_for_portion") else ""
            titles.append((t_type + suffix, title, values.text(item.get("as"))))

    summaries: list[tuple[str, date | None, str | None, str]] = []
    summary = data.get("summary")
    if isinstance(summary, dict) and values.text(summary.get("text")):
        stage = values.text(summary.get("as")) or "unknown"
        summaries.append(
            (
                SUMMARY_CODES.get(stage, stage),
                values.day(summary.get("asOf"), path, f"{record}, summary", "asOf"),
                stage,
                values.text(summary.get("text")) or "",
            )
        )

    sponsor = data.get("sponsor") or {}
    latest = actions[-1] if actions else None
    return BillRecord(
        congress=congress,
        bill_type=b_type,
        number=number,
        official_title=values.text(data.get("official_title")),
        short_title=values.text(data.get("short_title")),
        popular_title=values.text(data.get("popular_title")),
        introduced_date=values.day(data.get("introduced_at"), path, record, "introduced_at"),
        origin_chamber="house" if b_type.startswith("h") else "senate",
        policy_area=values.text(data.get("subjects_top_term")),
        status=values.text(data.get("status")),
        status_date=values.day(data.get("status_at"), path, record, "status_at"),
        latest_action_date=latest.acted_on if latest else None,
        latest_action_text=latest.text if latest else None,
        sponsor_bioguide_id=values.text(sponsor.get("bioguide_id")),
        url=values.text(data.get("url")),
        titles=titles,
        subjects=[s for s in (values.text(x) for x in data.get("subjects") or []) if s],
        summaries=summaries,
        actions=actions,
        cosponsors=cosponsors,
        committees=committees,
        related=related,
    )


async def import_bill_json(conn: asyncpg.Connection, path: Path, data: dict[str, Any]) -> Summary:
    """Import one bill data.json unless BILLSTATUS already supplied that bill.

    The keys the file carried that are not read are noted in the summary (`unread`) either way.
    """
    repaired, fields = repair_text(data, path)
    summary = Summary()
    summary.note_unread(source_file(path), unread(data))
    for name in fields:
        log.warning("%s: repaired mojibake in %s", path, name)
    summary["text_repairs"].updated += len(fields)
    bill = read_bill(path, repaired)
    owner = await conn.fetchval(
        "SELECT d.key FROM bills b JOIN datasets d ON d.id = b.dataset_id WHERE b.bill_id = $1",
        bill.bill_id,
    )
    if owner == datasets.GPO_BILLSTATUS.key:
        log.info("%s: %s already imported from BILLSTATUS; kept as it is", path, bill.bill_id)
        summary["bills"].unchanged += 1
        return summary
    dataset_id = await datasets.ensure(conn, datasets.USCONGRESS_BILLS)
    summary.merge(await write_bill(conn, bill, dataset_id, source_file(path)))
    return summary
