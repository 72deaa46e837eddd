"""Importer for unitedstates/congress roll-call votes: `data.json`, and GovTrack-style `data.xml`.

Both describe the same vote. The XML form has no source URL and no party per voter, so it
writes only the columns it carries: importing it over the JSON form changes nothing else.
House members are named by bioguide id, senators by LIS id; either resolves to a legislator
when one is known. The vote links to its bill when that bill is in the database (and the
bill importers link votes that arrived first).
"""

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import datasets, values
from db.importers.bulk import Summary, remove_missing, upsert
from db.importers.errors import ImportFailure
from db.importers.files import source_file

CHAMBERS = {"h": "house", "s": "senate", "house": "house", "senate": "senate"}
POSITIONS = {
    "yea": "yea",
    "aye": "yea",
    "yes": "yea",
    "guilty": "yea",
    "nay": "nay",
    "no": "nay",
    "not guilty": "nay",
    "present": "present",
    "not voting": "not_voting",
}
# GovTrack's bill type codes in data.xml.
GOVTRACK_TYPES = {
    "h": "hr",
    "s": "s",
    "hr": "hres",
    "sr": "sres",
    "hj": "hjres",
    "sj": "sjres",
    "hc": "hconres",
    "sc": "sconres",
}
VOTE_COLUMNS = [
    "vote_id",
    "chamber",
    "congress",
    "session",
    "number",
    "voted_at",
    "question",
    "vote_type",
    "category",
    "result",
    "requires",
    "bill_key",
    "bill_id",
    "nomination_number",
    "nomination_title",
    "dataset_id",
    "source_file",
]


def is_vote_json(data: Any) -> bool:
    """Whether `data` is a parsed unitedstates/congress vote data.json."""
    return isinstance(data, dict) and "vote_id" in data and "votes" in data


def is_vote_xml(data: Any) -> bool:
    """Whether `data` is a parsed GovTrack-style vote data.xml."""
    return isinstance(data, ET.Element) and data.tag == "roll"


def position_of(option: str, path: Path, record: str) -> str:
    """The stored position for a vote option such as `Yea`, `Aye`, `No`, `Not Voting`."""
    found = POSITIONS.get(option.strip().lower())
    if found is None:
        raise ImportFailure(path, record, f"unknown vote option {option!r}")
    return found


def _vote_id(chamber: str, number: int, congress: int, session: str) -> str:
    return f"{chamber[0]}{number}-{congress}.{session}"


def read_json(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The vote row (by column) and its (member_id, position, party, state) rows."""
    vote_id = values.text(data.get("vote_id")) or ""
    record = f"vote {vote_id}"
    chamber = CHAMBERS.get(str(data.get("chamber")))
    if chamber is None:
        raise ImportFailure(path, record, f"unknown chamber {data.get('chamber')!r}")
    congress = values.integer(data.get("congress"), path, record, "congress")
    number = values.integer(data.get("number"), path, record, "number")
    session = values.text(data.get("session"))
    voted_at = values.moment(data.get("date"), path, record, "date")
    if congress is None or number is None or session is None or voted_at is None:
        raise ImportFailure(path, record, "needs congress, number, session and date")
    if vote_id != _vote_id(chamber, number, congress, session):
        raise ImportFailure(path, record, "vote_id disagrees with chamber, number and session")
    bill = data.get("bill")
    bill_key = None
    if isinstance(bill, dict):
        b_number = values.integer(bill.get("number"), path, record, "bill.number")
        b_congress = values.integer(bill.get("congress"), path, record, "bill.congress")
        if b_number is None or b_congress is None:
            raise ImportFailure(path, record, "bill needs congress and number")
        bill_key = values.bill_key(
            values.bill_type(bill.get("type"), path, record), b_number, b_congress
        )
    nomination: dict[str, Any] = data.get("nomination") or {}
    if not isinstance(nomination, dict):
        raise ImportFailure(path, record, "nomination must be an object")
    vote = {
        "vote_id": vote_id,
        "chamber": chamber,
        "congress": congress,
        "session": session,
        "number": number,
        "voted_at": voted_at,
        "question": values.text(data.get("question")),
        "vote_type": values.text(data.get("type")),
        "category": values.text(data.get("category")),
        "result": values.text(data.get("result")),
        "requires": values.text(data.get("requires")),
        "bill_key": bill_key,
        "nomination_number": values.text(nomination.get("number")),
        "nomination_title": values.text(nomination.get("title")),
        "source_url": values.text(data.get("source_url")),
    }
    groups = data.get("votes")
    if not isinstance(groups, dict):
        raise ImportFailure(path, record, "votes must map each option to a list of members")
    positions: list[tuple[Any, ...]] = []
    for option, members in groups.items():
        where = f"{record}, option {option!r}"
        position = position_of(option, path, where)
        if not isinstance(members, list):
            raise ImportFailure(path, where, "must be a list of members")
        for index, member in enumerate(members):
            if member == "VP":
                positions.append(("VP", position, None, None))
                continue
            who = f"{where}, member {index + 1}"
            if not isinstance(member, dict) or not values.text(member.get("id")):
                raise ImportFailure(path, who, "needs an id")
            positions.append(
                (
                    values.text(member["id"]),
                    position,
                    values.text(member.get("party")),
                    values.state(member.get("state"), path, who),
                )
            )
    return vote, positions


def read_xml(path: Path, root: ET.Element) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The vote row and its (member_id, position, state) rows from a GovTrack data.xml."""
    attrs = root.attrib
    record = f"roll {attrs.get('where')} {attrs.get('year')} {attrs.get('roll')}"
    chamber = CHAMBERS.get(attrs.get("where", ""))
    if chamber is None:
        raise ImportFailure(path, record, f"unknown chamber {attrs.get('where')!r}")
    congress = values.integer(attrs.get("session"), path, record, "session")
    number = values.integer(attrs.get("roll"), path, record, "roll")
    session = values.text(attrs.get("year"))
    voted_at = values.moment(attrs.get("datetime"), path, record, "datetime")
    if congress is None or number is None or session is None or voted_at is None:
        raise ImportFailure(path, record, "needs session, roll, year and datetime")
    vote_id = _vote_id(chamber, number, congress, session)
    record = f"vote {vote_id}"
    bill_key = None
    bill = root.find("bill")
    if bill is not None:
        b_type = GOVTRACK_TYPES.get(bill.get("type", ""))
        b_number = values.integer(bill.get("number"), path, record, "bill number")
        b_congress = values.integer(bill.get("session"), path, record, "bill session")
        if b_type is None or b_number is None or b_congress is None:
            raise ImportFailure(path, record, "bill needs a known type, number and session")
        bill_key = values.bill_key(b_type, b_number, b_congress)
    nomination = root.find("nomination")
    vote = {
        "vote_id": vote_id,
        "chamber": chamber,
        "congress": congress,
        "session": session,
        "number": number,
        "voted_at": voted_at,
        "question": values.text(root.findtext("question")),
        "vote_type": values.text(root.findtext("type")),
        "category": values.text(root.findtext("category")),
        "result": values.text(root.findtext("result")),
        "requires": values.text(root.findtext("required")),
        "bill_key": bill_key,
        "nomination_number": None if nomination is None else nomination.get("number"),
        "nomination_title": None if nomination is None else nomination.get("title"),
    }
    options = {o.get("key"): o.text or "" for o in root.findall("option")}
    positions: list[tuple[Any, ...]] = []
    for index, voter in enumerate(root.findall("voter")):
        who = f"{record}, voter {index + 1}"
        key = voter.get("vote")
        if key not in options or not voter.get("id"):
            raise ImportFailure(path, who, f"needs an id and a declared vote option, not {key!r}")
        positions.append(
            (
                voter.get("id"),
                position_of(options[key], path, who),
                values.state(voter.get("state"), path, who),
            )
        )
    totals = {"yea": "aye", "nay": "nay", "not_voting": "nv", "present": "present"}
    for position, attr in totals.items():
        stated = values.integer(attrs.get(attr), path, record, attr)
        counted = sum(1 for p in positions if p[1] == position)
        if stated is not None and stated != counted:
            raise ImportFailure(path, record, f"{attr}={stated} but {counted} voters are listed")
    return vote, positions


async def _write(
    conn: asyncpg.Connection,
    path: Path,
    vote: dict[str, Any],
    positions: list[tuple[Any, ...]],
    position_columns: list[str],
) -> Summary:
    record = f"vote {vote['vote_id']}"
    seen: set[str] = set()
    for row in positions:
        if row[0] in seen:
            raise ImportFailure(path, record, f"member {row[0]} is listed twice")
        seen.add(row[0])
    summary = Summary()
    vote["dataset_id"] = await datasets.ensure(conn, datasets.USCONGRESS_VOTES)
    vote["source_file"] = source_file(path)
    vote["bill_id"] = (
        await conn.fetchval("SELECT id FROM bills WHERE bill_id = $1", vote["bill_key"])
        if vote["bill_key"]
        else None
    )
    columns = [c for c in VOTE_COLUMNS if c in vote] + (
        ["source_url"] if "source_url" in vote else []
    )
    counts, ids = await upsert(
        conn, "votes", columns, [tuple(vote[c] for c in columns)], ["vote_id"]
    )
    summary["votes"].add(counts)
    pk = ids[(vote["vote_id"],)]
    id_column = "bioguide_id" if vote["chamber"] == "house" else "lis_id"
    members = {
        r[0]: r[1]
        for r in await conn.fetch(
            f"SELECT {id_column}, id FROM legislators WHERE {id_column} = ANY($1)",
            [p[0] for p in positions],
        )
    }
    rows = [(pk, p[0], members.get(p[0]), *p[1:]) for p in positions]
    counts, _ = await upsert(
        conn,
        "vote_positions",
        ["vote_id", "member_id", "legislator_id", *position_columns],
        rows,
        ["vote_id", "member_id"],
    )
    counts.removed = await remove_missing(
        conn, "vote_positions", "vote_id", [pk], ["vote_id", "member_id"], [r[:2] for r in rows]
    )
    counts.unresolved = sum(1 for r in rows if r[2] is None)
    summary["vote_positions"].add(counts)
    return summary


async def import_vote_json(conn: asyncpg.Connection, path: Path, data: dict[str, Any]) -> Summary:
    """Import one vote data.json: the vote and every member's position."""
    vote, positions = read_json(path, data)
    return await _write(conn, path, vote, positions, ["position", "party", "state"])


async def import_vote_xml(conn: asyncpg.Connection, path: Path, root: ET.Element) -> Summary:
    """Import one GovTrack-style vote data.xml: the vote and every member's position."""
    vote, positions = read_xml(path, root)
    return await _write(conn, path, vote, positions, ["position", "state"])
