"""Importer for unitedstates/congress roll-call votes: `data.json`, and GovTrack-style `data.xml`.

Both forms are written by unitedstates/congress `congress/tasks/vote_info.py` (`output_vote`)
and describe the same vote. The XML form has no source URL, result text, subject,
nomination, treaty, amendment purpose or author, and no party per voter, so it writes only
the columns it carries: importing it over the JSON form changes nothing. Every position keeps
its option label as published next to the normalised position (docs/votes.md). House members
are named by bioguide id, senators by LIS id; the Vice President's tie-breaking vote is member
`VP` in both forms. The vote links to its bill when that bill is in the database (and the
bill importers link votes that arrived first).
"""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import datasets, values
from db.importers.bulk import Summary, remove_missing, upsert
from db.importers.errors import ImportFailure
from db.importers.files import extracted_as, source_file
from db.importers.members import roll_call_members

CHAMBERS = {"h": "house", "s": "senate", "house": "house", "senate": "senate"}
# The Vice President breaking a Senate tie: `"VP"` in data.json, `<voter id="0" VP="1">` in
# data.xml. Id `0` is only that placeholder, never a member id.
VICE_PRESIDENT = "VP"
PLACEHOLDER_ID = "0"
# The normalised position of each standard option label, compared without letter case.
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
    "result_text",
    "subject",
    "bill_key",
    "bill_id",
    "amendment_type",
    "amendment_number",
    "amendment_purpose",
    "amendment_author",
    "nomination_number",
    "nomination_title",
    "treaty_title",
    "treaty_congress",
    "treaty_number",
    "source_url",
    "dataset_id",
    "source_file",
]
# The data.xml header totals, as `output_vote` counts them: these labels only.
HEADER_TOTALS = (
    ("aye", ("Yea", "Aye")),
    ("nay", ("Nay", "No")),
    ("nv", ("Not Voting",)),
    ("present", ("Present",)),
)
STANDARD_LABELS = frozenset(label for _, labels in HEADER_TOTALS for label in labels)
# An election (of the Speaker), whose options are candidates' names: upstream's category
# `leadership` (`get_vote_category`), or a type or question that begins "Election of".
ELECTION_CATEGORY = "leadership"
ELECTION = re.compile(r"^election of\b", re.IGNORECASE)
# data.xml `<amendment ref=...>`: `regular` is a Senate amendment (number `s14`),
# `bill-serial` a House amendment's serial number in its bill; data.json types `s`, `h-bill`.
AMENDMENT_REFS = {"regular": "s", "bill-serial": "h-bill"}

# Keys and attributes each form carries that are read on purpose and not stored, so they
# are not reported as unread: when the scraper wrote the file (`updated_at`, `updated`) is not
# a fact about the vote; data.xml `source` (house.gov, senate.gov) follows from the chamber,
# and `<amendment session>` is the vote's own congress; a member's printed name is read by
# db/importers/members.py for a member no record holds yet; `voter@value` repeats the option
# label and is checked against it.
READ_NOT_STORED = frozenset(
    {
        "updated_at",
        "votes[].display_name",
        "votes[].first_name",
        "votes[].last_name",
        "roll@updated",
        "roll@source",
        "amendment@session",
        "voter@value",
    }
)
# What the importer reads, by part of each form; anything else is reported as unread.
JSON_READ = {
    "": {
        "vote_id",
        "chamber",
        "congress",
        "session",
        "number",
        "date",
        "question",
        "type",
        "category",
        "result",
        "result_text",
        "requires",
        "subject",
        "bill",
        "amendment",
        "nomination",
        "treaty",
        "source_url",
        "votes",
    },
    "bill": {"congress", "type", "number"},
    "amendment": {"type", "number", "purpose", "author"},
    "nomination": {"number", "title"},
    "treaty": {"title", "congress", "number"},
    "votes[]": {"id", "party", "state"},
}
XML_READ = {
    "roll": {"where", "session", "year", "roll", "datetime", "aye", "nay", "nv", "present"},
    "category": set(),
    "type": set(),
    "question": set(),
    "required": set(),
    "result": set(),
    "bill": {"session", "type", "number"},
    "amendment": {"ref", "number"},
    "nomination": {"number", "title"},
    "option": {"key"},
    "voter": {"id", "vote", "state", "VP"},
}


@dataclass
class Roll:
    """One roll call as read from a file: the vote's columns (only those the form carries),
    its positions as (member id, option, position, *position_columns) rows, and what the
    file held that was not read or deserves a warning."""

    vote: dict[str, Any]
    positions: list[tuple[Any, ...]]
    position_columns: list[str]
    unread: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_vote_json(data: Any) -> bool:
    """Whether `data` is a parsed unitedstates/congress vote data.json."""
    return isinstance(data, dict) and "vote_id" in data and "votes" in data


def is_vote_xml(data: Any) -> bool:
    """Whether `data` is a parsed GovTrack-style vote data.xml."""
    return isinstance(data, ET.Element) and data.tag == "roll"


def is_election(category: str | None, vote_type: str | None, question: str | None) -> bool:
    """Whether a vote is an election, whose options are candidates (see ELECTION)."""
    return category == ELECTION_CATEGORY or any(
        ELECTION.match(text or "") for text in (vote_type, question)
    )


def position_of(option: str, election: bool) -> str:
    """The normalised position of a published option label.

    `yea` (Yea, Aye, Yes, Guilty), `nay` (Nay, No, Not Guilty), `present`, `not_voting`
    (Not Voting); in an election any other label is a candidate's name (`candidate`),
    elsewhere it is `other` (stored as published; the caller warns).
    """
    found = POSITIONS.get(option.strip().lower())
    if found is not None:
        return found
    return "candidate" if election else "other"


def _label(raw: Any, path: Path, record: str) -> str:
    label = values.text(raw)
    if label is None:
        raise ImportFailure(path, record, "a vote option has no label")
    return label


def _others_warning(vote_id: str, labels: Counter[str], election: bool) -> list[str]:
    if election:
        return []
    return [
        f"vote {vote_id}: option {label!r} ({count} members) is not a known vote option;"
        " stored as published with position `other`"
        for label, count in sorted(labels.items())
        if position_of(label, election) == "other"
    ]


def _part(data: dict[str, Any], key: str, path: Path, record: str) -> dict[str, Any]:
    part = data.get(key)
    if part is None:
        return {}
    if not isinstance(part, dict):
        raise ImportFailure(path, record, f"{key} must be an object")
    return part


def _unread_json(data: dict[str, Any]) -> list[str]:
    names = [k for k in data if k not in JSON_READ[""]]
    for part, known in JSON_READ.items():
        value = data.get(part)
        if part and isinstance(value, dict):
            names += [f"{part}.{k}" for k in value if k not in known]
    groups = data.get("votes")
    for members in groups.values() if isinstance(groups, dict) else ():
        for member in members if isinstance(members, list) else ():
            if isinstance(member, dict):
                names += [f"votes[].{k}" for k in member if k not in JSON_READ["votes[]"]]
    return [name for name in names if name not in READ_NOT_STORED]


def _unread_xml(root: ET.Element) -> list[str]:
    names = [f"roll@{a}" for a in root.attrib if a not in XML_READ["roll"]]
    for child in root:
        known = XML_READ.get(child.tag) if child.tag != "roll" else None
        if known is None:
            names.append(child.tag)
            continue
        names += [f"{child.tag}@{a}" for a in child.attrib if a not in known]
        names += [f"{child.tag}/{grandchild.tag}" for grandchild in child]
    return [name for name in names if name not in READ_NOT_STORED]


def _vote_id(chamber: str, number: int, congress: int, session: str) -> str:
    return f"{chamber[0]}{number}-{congress}.{session}"


def read_json(path: Path, data: dict[str, Any]) -> Roll:
    """The roll call in a data.json: every vote column, and (member id, option, position,
    party, state) rows. ImportFailure names the file and the vote or member at fault."""
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
    nomination = _part(data, "nomination", path, record)
    amendment = _part(data, "amendment", path, record)
    treaty = _part(data, "treaty", path, record)
    vote: dict[str, Any] = {
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
        "result_text": values.text(data.get("result_text")),
        "subject": values.text(data.get("subject")),
        "bill_key": bill_key,
        "amendment_type": values.text(amendment.get("type")),
        "amendment_number": values.integer(
            amendment.get("number"), path, record, "amendment.number"
        ),
        "amendment_purpose": values.text(amendment.get("purpose")),
        "amendment_author": values.text(amendment.get("author")),
        "nomination_number": values.text(nomination.get("number")),
        "nomination_title": values.text(nomination.get("title")),
        "treaty_title": values.text(treaty.get("title")),
        "treaty_congress": values.integer(treaty.get("congress"), path, record, "treaty.congress"),
        "treaty_number": values.text(treaty.get("number")),
        "source_url": values.text(data.get("source_url")),
    }
    if amendment and vote["amendment_number"] is None:
        raise ImportFailure(path, record, "amendment needs a number")
    election = is_election(vote["category"], vote["vote_type"], vote["question"])
    groups = data.get("votes")
    if not isinstance(groups, dict):
        raise ImportFailure(path, record, "votes must map each option to a list of members")
    positions: list[tuple[Any, ...]] = []
    labels: Counter[str] = Counter()
    for option, members in groups.items():
        where = f"{record}, option {option!r}"
        label = _label(option, path, where)
        position = position_of(label, election)
        if not isinstance(members, list):
            raise ImportFailure(path, where, "must be a list of members")
        labels[label] += len(members)
        for index, member in enumerate(members):
            if member == VICE_PRESIDENT:
                positions.append((VICE_PRESIDENT, label, position, None, None))
                continue
            who = f"{where}, member {index + 1}"
            member_id = values.text(member.get("id")) if isinstance(member, dict) else None
            if member_id is None or member_id == PLACEHOLDER_ID:
                raise ImportFailure(path, who, f"needs a member id, not {member_id!r}")
            positions.append(
                (
                    member_id,
                    label,
                    position,
                    values.text(member.get("party")),
                    values.state(member.get("state"), path, who),
                )
            )
    return Roll(
        vote,
        positions,
        ["option", "position", "party", "state"],
        _unread_json(data),
        _others_warning(vote_id, labels, election),
    )


def read_xml(path: Path, root: ET.Element) -> Roll:
    """The roll call in a GovTrack-style data.xml: the vote columns it carries, and
    (member id, option, position, state) rows. ImportFailure names the file and record."""
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
    vote: dict[str, Any] = {
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
    }
    # Only what this form carries: a missing element leaves the stored column alone.
    if bill is not None:
        vote["bill_key"] = bill_key
    amendment = root.find("amendment")
    if amendment is not None:
        vote["amendment_type"], vote["amendment_number"] = _xml_amendment(amendment, path, record)
    nomination = root.find("nomination")
    if nomination is not None:
        vote["nomination_number"] = values.text(nomination.get("number"))
        vote["nomination_title"] = values.text(nomination.get("title"))
    election = is_election(vote["category"], vote["vote_type"], vote["question"])
    options: dict[str | None, str] = {}
    for option in root.findall("option"):
        options[option.get("key")] = _label(
            option.text, path, f"{record}, option {option.get('key')!r}"
        )
    positions: list[tuple[Any, ...]] = []
    labels: Counter[str] = Counter()
    for index, voter in enumerate(root.findall("voter")):
        who = f"{record}, voter {index + 1}"
        key = voter.get("vote")
        if key not in options:
            raise ImportFailure(path, who, f"needs a declared vote option, not {key!r}")
        label = options[key]
        if voter.get("value") is not None and voter.get("value") != label:
            raise ImportFailure(
                path, who, f"value {voter.get('value')!r} disagrees with option {key!r} ({label})"
            )
        member_id = values.text(voter.get("id"))
        if voter.get("VP") == "1" and member_id in (None, PLACEHOLDER_ID):
            member_id = VICE_PRESIDENT
        elif member_id is None or member_id == PLACEHOLDER_ID:
            raise ImportFailure(path, who, f"needs a member id, not {member_id!r}")
        labels[label] += 1
        positions.append(
            (
                member_id,
                label,
                position_of(label, election),
                values.state(voter.get("state"), path, who),
            )
        )
    warnings = _others_warning(vote_id, labels, election)
    warnings += _check_header(path, record, attrs, labels)
    return Roll(vote, positions, ["option", "position", "state"], _unread_xml(root), warnings)


def _xml_amendment(amendment: ET.Element, path: Path, record: str) -> tuple[str, int]:
    """The data.json (type, number) of a data.xml `<amendment ref= number=>`."""
    ref, raw = amendment.get("ref", ""), amendment.get("number", "")
    kind = AMENDMENT_REFS.get(ref)
    found = re.fullmatch(r"s?(\d+)" if kind == "s" else r"(\d+)", raw)
    if kind is None or found is None:
        raise ImportFailure(path, record, f"unknown amendment ref={ref!r} number={raw!r}")
    return kind, int(found.group(1))


def _check_header(
    path: Path, record: str, attrs: Mapping[str, str], labels: Counter[str]
) -> list[str]:
    """Refuse header totals that disagree with the voters; warn when voters chose options the
    header does not count (HEADER_TOTALS: candidates, Guilty / Not Guilty)."""
    for attr, counted_labels in HEADER_TOTALS:
        stated = values.integer(attrs.get(attr), path, record, attr)
        counted = sum(labels[label] for label in counted_labels)
        if stated is not None and stated != counted:
            raise ImportFailure(
                path,
                record,
                f"{attr}={stated} but {counted} voters are listed as {' or '.join(counted_labels)}",
            )
    others = {label: n for label, n in sorted(labels.items()) if label not in STANDARD_LABELS}
    if not others:
        return []
    listed = ", ".join(f"{label} {n}" for label, n in others.items())
    return [
        f"{record}: the header totals (aye, nay, nv, present) count only Yea/Aye, Nay/No,"
        f" Not Voting and Present; {sum(others.values())} voters chose other options"
        f" ({listed})"
    ]


async def _write(conn: asyncpg.Connection, path: Path, roll: Roll) -> Summary:
    vote, positions, position_columns = roll.vote, roll.positions, roll.position_columns
    record = f"vote {vote['vote_id']}"
    seen: set[str] = set()
    for row in positions:
        if row[0] in seen:
            raise ImportFailure(path, record, f"member {row[0]} is listed twice")
        seen.add(row[0])
    summary = Summary()
    file = source_file(path)
    summary.note_unread(file, roll.unread)
    for message in roll.warnings:
        summary.warn(file, message)
    vote["dataset_id"] = await datasets.ensure(conn, datasets.USCONGRESS_VOTES)
    vote["source_file"] = file
    if "bill_key" in vote:
        vote["bill_id"] = (
            await conn.fetchval("SELECT id FROM bills WHERE bill_id = $1", vote["bill_key"])
            if vote["bill_key"]
            else None
        )
    columns = [c for c in VOTE_COLUMNS if c in vote]
    counts, ids = await upsert(
        conn, "votes", columns, [tuple(vote[c] for c in columns)], ["vote_id"]
    )
    summary["votes"].add(counts)
    pk = ids[(vote["vote_id"],)]
    # House members by bioguide id, senators by LIS id; members no record holds yet are
    # created from this file (db/importers/members.py); `VP` stays unlinked.
    members = await roll_call_members(
        conn,
        path,
        [p[0] for p in positions],
        dataset_id=vote["dataset_id"],
        summary=summary,
    )
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


def published_path(vote: dict[str, Any], path: Path) -> str:
    """Where unitedstates/congress publishes this roll call: `119/votes/2025/s3/data.json`.

    The layout is the scraper's output tree (`{congress}/votes/{session}/{chamber}{number}/`,
    unitedstates/congress `tasks/vote_info.py`); the file keeps its own suffix.
    """
    folder = f"{vote['chamber'][0]}{vote['number']}"
    return f"{vote['congress']}/votes/{vote['session']}/{folder}/data{path.suffix}"


async def _write_named(conn: asyncpg.Connection, path: Path, roll: Roll) -> Summary:
    """`_write`, naming a file from outside the data folder by its published path.

    Every file of the corpus is called `data.json` or `data.xml`, so the bare name that
    `source_file` gives a file outside the data folder would not say which roll call it was.
    """
    if "/" in source_file(path):
        return await _write(conn, path, roll)
    with extracted_as(path, published_path(roll.vote, path)):
        return await _write(conn, path, roll)


async def import_vote_json(conn: asyncpg.Connection, path: Path, data: dict[str, Any]) -> Summary:
    """Import one vote data.json: the vote and every member's position, as published."""
    return await _write_named(conn, path, read_json(path, data))


async def import_vote_xml(conn: asyncpg.Connection, path: Path, root: ET.Element) -> Summary:
    """Import one GovTrack-style vote data.xml: the columns it carries and every position."""
    return await _write_named(conn, path, read_xml(path, root))
