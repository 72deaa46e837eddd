"""Members of Congress named by a source other than congress-legislators.

A roll call, a Voteview members file or a Congressional Record speech can name a member that
the congress-legislators files loaded so far do not hold (a former member, or one who left
before the file was published). Such a member becomes a legislator record holding only what
that source gave: its identifier (bioguide, LIS or ICPSR id) and the name as printed, with
the source's dataset, file and kind (`named_by`). A later congress-legislators import
upgrades the record in place (`claim_for_congress_legislators`); a later import from any other
source leaves an existing record as it is. See docs/members.md.
"""

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import defusedxml.ElementTree as defused
from defusedxml import DefusedXmlException

from db.importers import files
from db.importers.bulk import Summary

BIOGUIDE = re.compile(r"^[A-Z][0-9]{6}$")

# `legislators.named_by`: which kind of source created the record.
CONGRESS_LEGISLATORS = "congress-legislators"
VOTEVIEW_MEMBERS = "voteview-members"
ROLL_CALL = "roll-call"
SPEECH = "speech"

# Every column that points at a legislator, by table (a merge moves them all).
REFERENCES = (
    ("legislator_terms", "legislator_id"),
    ("legislator_leadership_roles", "legislator_id"),
    ("social_accounts", "legislator_id"),
    ("committee_memberships", "legislator_id"),
    ("bills", "sponsor_id"),
    ("bill_cosponsors", "legislator_id"),
    ("vote_positions", "legislator_id"),
    ("statements", "speaker_legislator_id"),
)


@dataclass(frozen=True)
class NamedMember:
    """A member as a source names them: at least one id, and only the name parts it gives.

    `key` is the id the source uses for the member (bioguide for House roll calls and
    speeches, LIS for Senate roll calls, `icpsr:<n>` for Voteview), which is what
    `ensure_members` maps to a row id.
    """

    key: str
    bioguide_id: str | None = None
    lis_id: str | None = None
    icpsr_id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    published_name: str | None = None


async def ensure_members(
    conn: asyncpg.Connection,
    members: Sequence[NamedMember],
    *,
    named_by: str,
    dataset_id: int,
    source_file: str,
    summary: Summary,
) -> dict[str, int]:
    """The legislator row id of every member, creating a record for each one not yet known.

    A member is known by their bioguide id when the source gives one, else by their LIS id,
    else by their ICPSR id. Existing records are never changed. New records are counted as
    inserted `legislators` in `summary`, and the rows that already named them by id (vote
    positions, cosponsors, sponsors, statements) are linked to them in the same transaction.
    Returns {member.key: legislator id}.
    """
    unique = list({m.key: m for m in members}.values())
    if not unique:
        return {}
    rows = await conn.fetch(
        "SELECT id, bioguide_id, lis_id, icpsr_id,"
        " (named_by <> $4 AND num_nulls(first_name, last_name, published_name) = 3) AS nameless"
        " FROM legislators"
        " WHERE bioguide_id = ANY($1) OR lis_id = ANY($2) OR icpsr_id = ANY($3)",
        [m.bioguide_id for m in unique if m.bioguide_id],
        [m.lis_id for m in unique if m.lis_id],
        [m.icpsr_id for m in unique if m.icpsr_id is not None],
        CONGRESS_LEGISLATORS,
    )
    nameless = {r["id"] for r in rows if r["nameless"]}
    by_bioguide = {r["bioguide_id"]: r["id"] for r in rows if r["bioguide_id"]}
    by_lis = {r["lis_id"]: r["id"] for r in rows if r["lis_id"]}
    by_icpsr: dict[int, int] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        if r["icpsr_id"] is not None:
            by_icpsr.setdefault(r["icpsr_id"], r["id"])
    found: dict[str, int] = {}
    missing: list[NamedMember] = []
    for m in unique:
        if m.bioguide_id:
            pk = by_bioguide.get(m.bioguide_id)
        elif m.lis_id:
            pk = by_lis.get(m.lis_id)
        else:
            pk = by_icpsr.get(m.icpsr_id) if m.icpsr_id is not None else None
        if pk is None:
            missing.append(m)
        else:
            found[m.key] = pk
    named = [
        (found[m.key], m)
        for m in unique
        if found.get(m.key) in nameless and (m.first_name or m.last_name or m.published_name)
    ]
    if named:
        # A record made from a roll call's data.xml has an id and no name; the first source
        # to give a name takes it over, with that source's provenance.
        await conn.execute(
            "UPDATE legislators l SET first_name = u.f, last_name = u.n, published_name = u.p,"
            " named_by = $5, dataset_id = $6, source_file = $7"
            " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(id, f, n, p)"
            " WHERE l.id = u.id",
            [pk for pk, _ in named],
            [m.first_name for _, m in named],
            [m.last_name for _, m in named],
            [m.published_name for _, m in named],
            named_by,
            dataset_id,
            source_file,
        )
        summary["legislators"].updated += len(named)
    if missing:
        created = await conn.fetch(
            "INSERT INTO legislators (bioguide_id, lis_id, icpsr_id, first_name, last_name,"
            " published_name, named_by, dataset_id, source_file)"
            " SELECT u.b, u.l, u.i, u.f, u.n, u.p, $7, $8, $9 FROM unnest($1::text[], $2::text[],"
            " $3::int[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY"
            " AS u(b, l, i, f, n, p, o) ORDER BY u.o RETURNING id",
            [m.bioguide_id for m in missing],
            [m.lis_id for m in missing],
            [m.icpsr_id for m in missing],
            [m.first_name for m in missing],
            [m.last_name for m in missing],
            [m.published_name for m in missing],
            named_by,
            dataset_id,
            source_file,
        )
        new_ids = [r["id"] for r in created]
        found.update({m.key: pk for m, pk in zip(missing, new_ids, strict=True)})
        summary["legislators"].inserted += len(new_ids)
        await link_references(conn, new_ids)
    return found


async def link_references(conn: asyncpg.Connection, legislator_ids: Sequence[int] | None) -> None:
    """Link rows that name a member by raw id (and have no legislator yet) to their record.

    Cosponsors and sponsors by bioguide id, vote positions by bioguide or LIS id (Voteview's
    `icpsr:<n>` positions are linked by `voteview.resolve_icpsr`), statements by the
    speaker's bioguide id. `legislator_ids` limits the work to those records; None links to
    any record.
    """
    only = "" if legislator_ids is None else " AND l.id = ANY($1)"
    args = [] if legislator_ids is None else [list(legislator_ids)]
    await conn.execute(
        "UPDATE bill_cosponsors c SET legislator_id = l.id FROM legislators l"
        " WHERE c.legislator_id IS NULL AND c.bioguide_id = l.bioguide_id" + only,
        *args,
    )
    await conn.execute(
        "UPDATE bills b SET sponsor_id = l.id FROM legislators l"
        " WHERE b.sponsor_id IS NULL AND b.sponsor_bioguide_id = l.bioguide_id" + only,
        *args,
    )
    await conn.execute(
        "UPDATE vote_positions p SET legislator_id = l.id FROM legislators l"
        " WHERE p.legislator_id IS NULL"
        " AND (p.member_id = l.bioguide_id OR p.member_id = l.lis_id)" + only,
        *args,
    )
    await conn.execute(
        "UPDATE statements s SET speaker_legislator_id = l.id FROM legislators l"
        " WHERE s.speaker_legislator_id IS NULL AND s.speaker_person_id IS NULL"
        " AND s.speaker_organization_id IS NULL AND s.speaker_bioguide_id = l.bioguide_id" + only,
        *args,
    )


async def claim_for_congress_legislators(
    conn: asyncpg.Connection, people: Sequence[tuple[str, str | None, int | None]]
) -> int:
    """Make ready the records a congress-legislators file upgrades; returns how many merged.

    `people` holds each person's (bioguide, lis, icpsr) from the file. A record another
    source made without a bioguide id (a senator named by LIS id, a Voteview member by ICPSR
    id) is given the person's bioguide id, so that the import updates that same row; when a
    record with that bioguide id exists already, the other record's references move to it
    and the other record is deleted. Records congress-legislators made are never claimed by
    a weaker id.
    """
    bioguides = [p[0] for p in people]
    candidates = await conn.fetch(
        "WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::int[])"
        " AS u(bioguide, lis, icpsr)), found AS ("
        " SELECT l.id, u.bioguide FROM u JOIN legislators l ON l.lis_id = u.lis"
        " WHERE l.bioguide_id IS NULL AND l.named_by <> $4"
        " UNION SELECT l.id, u.bioguide FROM u JOIN legislators l ON l.icpsr_id = u.icpsr"
        " WHERE l.bioguide_id IS NULL AND l.lis_id IS NULL AND l.named_by <> $4)"
        " SELECT f.id, f.bioguide, k.id AS holder FROM found f"
        " LEFT JOIN legislators k ON k.bioguide_id = f.bioguide ORDER BY f.id",
        bioguides,
        [p[1] for p in people],
        [p[2] for p in people],
        CONGRESS_LEGISLATORS,
    )
    merges: list[tuple[int, int]] = []
    claimed: dict[str, int] = {}
    for row in candidates:
        target = row["holder"] or claimed.get(row["bioguide"])
        if target is None:
            claimed[row["bioguide"]] = row["id"]
        elif target != row["id"]:
            merges.append((row["id"], target))
    if claimed:
        await conn.execute(
            "UPDATE legislators l SET bioguide_id = u.bioguide"
            " FROM unnest($1::bigint[], $2::text[]) AS u(id, bioguide) WHERE l.id = u.id",
            list(claimed.values()),
            list(claimed.keys()),
        )
    if merges:
        for table, column in REFERENCES:
            await conn.execute(
                f"UPDATE {table} t SET {column} = u.target"
                " FROM unnest($1::bigint[], $2::bigint[]) AS u(source, target)"
                f" WHERE t.{column} = u.source",
                [m[0] for m in merges],
                [m[1] for m in merges],
            )
        await conn.execute("DELETE FROM legislators WHERE id = ANY($1)", [m[0] for m in merges])
    return len(merges)


def roll_call_names(path: Path) -> dict[str, NamedMember]:
    """The members a roll call file names, by the id it uses, with the name parts it gives.

    A unitedstates/congress `data.json` gives House members' bioguide id and `display_name`
    (`Van Drew`, `Johnson (LA)`), and senators' LIS id with `first_name`, `last_name` and
    `display_name`; a GovTrack-style `data.xml` gives ids only. The VP's tie-break (`VP`)
    and the XML's id `0` are not members and are left out.
    """
    found: dict[str, NamedMember] = {}
    try:
        if path.suffix.lower() == ".xml":
            root = defused.fromstring(path.read_bytes(), forbid_dtd=True)
            for voter in root.iter("voter"):
                _add_voter(found, voter.get("id"), {})
        else:
            data = json.loads(path.read_bytes())
            for group in (data.get("votes") or {}).values():
                for voter in group if isinstance(group, list) else []:
                    if isinstance(voter, dict):
                        _add_voter(found, voter.get("id"), voter)
    except (OSError, ValueError, ET.ParseError, AttributeError, DefusedXmlException):
        return {}  # the importer has read this file already; an archive member has no path
    return found


def _add_voter(found: dict[str, NamedMember], member_id: Any, voter: dict[str, Any]) -> None:
    if not isinstance(member_id, str) or member_id in ("", "0", "VP") or member_id in found:
        return
    text = {k: v.strip() if isinstance(v, str) and v.strip() else None for k, v in voter.items()}
    is_bioguide = BIOGUIDE.match(member_id) is not None
    found[member_id] = NamedMember(
        key=member_id,
        bioguide_id=member_id if is_bioguide else None,
        lis_id=None if is_bioguide else member_id,
        first_name=text.get("first_name"),
        last_name=text.get("last_name"),
        published_name=text.get("display_name"),
    )


async def roll_call_members(
    conn: asyncpg.Connection,
    path: Path,
    member_ids: Sequence[str],
    *,
    dataset_id: int,
    summary: Summary,
) -> dict[str, int]:
    """{member id: legislator id} for the members of one roll call (bioguide ids in the
    House, LIS ids in the Senate), creating a record named by the roll call for each member
    that no record holds yet. `VP` (the Vice President's tie-break) is not a member and gets
    no id. The file is read again for names only when some member is new."""
    wanted = [m for m in dict.fromkeys(member_ids) if m not in ("VP", "0")]
    # Two joins, each on its own unique index: an `OR` of the two would scan the table.
    rows = await conn.fetch(
        "SELECT u.key, l.id, num_nulls(l.first_name, l.last_name, l.published_name) = 3"
        " AS nameless FROM unnest($1::text[]) AS u(key)"
        " JOIN legislators l ON l.bioguide_id = u.key"
        " UNION ALL"
        " SELECT u.key, l.id, num_nulls(l.first_name, l.last_name, l.published_name) = 3"
        " FROM unnest($1::text[]) AS u(key)"
        " JOIN legislators l ON l.lis_id = u.key AND l.bioguide_id IS DISTINCT FROM u.key",
        wanted,
    )
    known = {r["key"]: r["id"] for r in rows}
    nameless = {r["key"] for r in rows if r["nameless"]}
    new = [m for m in wanted if m not in known or m in nameless]
    if not new:
        return known
    names = roll_call_names(path)
    created = await ensure_members(
        conn,
        [names.get(m) or _add_bare(m) for m in new],
        named_by=ROLL_CALL,
        dataset_id=dataset_id,
        source_file=files.source_file(path),
        summary=summary,
    )
    return {**known, **created}


def _add_bare(member_id: str) -> NamedMember:
    found: dict[str, NamedMember] = {}
    _add_voter(found, member_id, {})
    return found[member_id]
