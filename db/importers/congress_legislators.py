"""Importers for the unitedstates/congress-legislators YAML files.

Four shapes: legislators (a list of people with terms), social media (a list of accounts),
committees (a list with subcommittees) and committee membership (a map of committee code
to members).
"""

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import datasets, voteview
from db.importers.bulk import Summary, remove_missing, upsert
from db.importers.errors import ImportFailure
from db.importers.files import source_file

CHAMBERS = {"rep": "house", "sen": "senate"}
SOCIAL_PLATFORMS = {
    "twitter": ("twitter", "twitter_id"),
    "facebook": ("facebook", None),
    "youtube": ("youtube", "youtube_id"),
    "instagram": ("instagram", "instagram_id"),
    "mastodon": ("mastodon", None),
}


def kind_of(data: Any) -> str | None:
    """Which congress-legislators file `data` is, by its shape, or None."""
    if isinstance(data, dict) and data and all(isinstance(v, list) for v in data.values()):
        return "committee-membership"
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return None
    first = data[0]
    if "terms" in first and "id" in first:
        return "legislators"
    if "social" in first and "id" in first:
        return "social-media"
    if "thomas_id" in first and "type" in first:
        return "committees"
    return None


def _date(value: Any, path: Path, record: str, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ImportFailure(path, record, f"{field} {value!r} is not a date") from exc


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


async def import_legislators(conn: asyncpg.Connection, path: Path, data: list[Any]) -> Summary:
    """Legislators and their terms; terms the file no longer lists are removed."""
    dataset_id = await datasets.ensure(conn, datasets.CONGRESS_LEGISLATORS)
    origin = source_file(path)
    # An ICPSR id learnt from Voteview is kept when this file does not give one.
    known_icpsr = {
        r["bioguide_id"]: r["icpsr_id"]
        for r in await conn.fetch(
            "SELECT bioguide_id, icpsr_id FROM legislators WHERE icpsr_id IS NOT NULL"
        )
    }
    people, terms = [], []
    for index, person in enumerate(data):
        ids, name, bio = person.get("id") or {}, person.get("name") or {}, person.get("bio") or {}
        bioguide = ids.get("bioguide")
        record = f"record {index + 1} (bioguide {bioguide})"
        if not bioguide or not name.get("first") or not name.get("last"):
            raise ImportFailure(path, record, "needs id.bioguide, name.first and name.last")
        gender = bio.get("gender")
        if gender not in (None, "M", "F"):
            raise ImportFailure(path, record, f"unknown gender {gender!r}")
        people.append(
            (
                bioguide,
                ids.get("lis"),
                _int(ids.get("icpsr")) or known_icpsr.get(bioguide),
                _int(ids.get("govtrack")),
                ids.get("thomas"),
                list(ids.get("fec") or []),
                name["first"],
                name.get("middle"),
                name["last"],
                name.get("suffix"),
                name.get("nickname"),
                name.get("official_full"),
                _date(bio.get("birthday"), path, record, "bio.birthday"),
                gender,
                dataset_id,
                origin,
            )
        )
        for term in person.get("terms") or []:
            chamber = CHAMBERS.get(term.get("type"))
            if chamber is None:
                raise ImportFailure(path, record, f"unknown term type {term.get('type')!r}")
            terms.append(
                (
                    bioguide,
                    chamber,
                    term.get("state"),
                    _int(term.get("district")),
                    _int(term.get("class")),
                    term.get("state_rank"),
                    term.get("party"),
                    _date(term.get("start"), path, record, "term start"),
                    _date(term.get("end"), path, record, "term end"),
                    term.get("url"),
                    term.get("phone"),
                    term.get("address"),
                    term.get("office"),
                    term.get("contact_form"),
                )
            )
    summary = Summary()
    counts, ids_by_key = await upsert(
        conn,
        "legislators",
        [
            "bioguide_id",
            "lis_id",
            "icpsr_id",
            "govtrack_id",
            "thomas_id",
            "fec_ids",
            "first_name",
            "middle_name",
            "last_name",
            "suffix",
            "nickname",
            "official_full_name",
            "birthday",
            "gender",
            "dataset_id",
            "source_file",
        ],
        people,
        ["bioguide_id"],
    )
    summary["legislators"].add(counts)
    term_rows = [(ids_by_key[(t[0],)], *t[1:]) for t in terms]
    counts, _ = await upsert(
        conn,
        "legislator_terms",
        [
            "legislator_id",
            "chamber",
            "state",
            "district",
            "senate_class",
            "state_rank",
            "party",
            "start_date",
            "end_date",
            "url",
            "phone",
            "address",
            "office",
            "contact_form",
        ],
        term_rows,
        ["legislator_id", "chamber", "start_date"],
    )
    counts.removed = await remove_missing(
        conn,
        "legislator_terms",
        "legislator_id",
        list(ids_by_key.values()),
        ["legislator_id", "chamber", "start_date"],
        [(t[0], t[1], t[7]) for t in term_rows],
    )
    summary["legislator_terms"].add(counts)
    await resolve_members(conn)
    await voteview.resolve_icpsr(conn)
    return summary


async def resolve_members(conn: asyncpg.Connection) -> None:
    """Link rows that name a member by raw id to the legislators now known."""
    await conn.execute(
        "UPDATE bill_cosponsors c SET legislator_id = l.id FROM legislators l"
        " WHERE c.legislator_id IS NULL AND c.bioguide_id = l.bioguide_id"
    )
    await conn.execute(
        "UPDATE bills b SET sponsor_id = l.id FROM legislators l"
        " WHERE b.sponsor_id IS NULL AND b.sponsor_bioguide_id = l.bioguide_id"
    )
    await conn.execute(
        "UPDATE vote_positions p SET legislator_id = l.id FROM legislators l"
        " WHERE p.legislator_id IS NULL AND (p.member_id = l.bioguide_id OR p.member_id = l.lis_id)"
    )
    await conn.execute(
        "UPDATE statements s SET speaker_legislator_id = l.id FROM legislators l"
        " WHERE s.speaker_legislator_id IS NULL AND s.speaker_person_id IS NULL"
        " AND s.speaker_organization_id IS NULL AND s.speaker_bioguide_id = l.bioguide_id"
    )


async def _legislator_ids(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT bioguide_id, id FROM legislators")
    return {r["bioguide_id"]: r["id"] for r in rows}


async def import_social_media(conn: asyncpg.Connection, path: Path, data: list[Any]) -> Summary:
    """Official social media accounts; unknown members are counted as unresolved."""
    known = await _legislator_ids(conn)
    summary = Summary()
    rows = []
    for index, entry in enumerate(data):
        bioguide = (entry.get("id") or {}).get("bioguide")
        if bioguide not in known:
            summary["social_accounts"].unresolved += 1
            continue
        social = entry.get("social") or {}
        if not isinstance(social, dict):
            raise ImportFailure(path, f"record {index + 1}", "social must be a mapping")
        for key, (platform, id_key) in SOCIAL_PLATFORMS.items():
            handle = social.get(key)
            if handle is None:
                continue
            account_id = social.get(id_key) if id_key else None
            rows.append(
                (
                    known[bioguide],
                    platform,
                    str(handle),
                    None if account_id is None else str(account_id),
                    "office",
                )
            )
    counts, _ = await upsert(
        conn,
        "social_accounts",
        ["legislator_id", "platform", "handle", "account_id", "account_type"],
        rows,
        ["legislator_id", "platform", "handle"],
    )
    summary["social_accounts"].add(counts)
    return summary


async def import_committees(conn: asyncpg.Connection, path: Path, data: list[Any]) -> Summary:
    """Committees, then their subcommittees (thomas code = parent code + own code)."""
    dataset_id = await datasets.ensure(conn, datasets.CONGRESS_LEGISLATORS)
    origin = source_file(path)
    parents, children = [], []
    for index, committee in enumerate(data):
        code, chamber = committee.get("thomas_id"), committee.get("type")
        record = f"record {index + 1} ({code})"
        if not code or not committee.get("name"):
            raise ImportFailure(path, record, "needs thomas_id and name")
        if chamber not in ("house", "senate", "joint"):
            raise ImportFailure(path, record, f"unknown committee type {chamber!r}")
        parents.append(
            (
                code,
                None,
                chamber,
                committee["name"],
                committee.get("url"),
                committee.get("jurisdiction"),
                committee.get("address"),
                committee.get("phone"),
                dataset_id,
                origin,
            )
        )
        for sub in committee.get("subcommittees") or []:
            children.append(
                (
                    code + str(sub["thomas_id"]),
                    code,
                    chamber,
                    sub["name"],
                    sub.get("url"),
                    sub.get("jurisdiction"),
                    sub.get("address"),
                    sub.get("phone"),
                    dataset_id,
                    origin,
                )
            )
    columns = [
        "thomas_id",
        "parent_id",
        "chamber",
        "name",
        "url",
        "jurisdiction",
        "address",
        "phone",
        "dataset_id",
        "source_file",
    ]
    summary = Summary()
    counts, ids = await upsert(conn, "committees", columns, parents, ["thomas_id"])
    summary["committees"].add(counts)
    child_rows = [(c[0], ids[(c[1],)], *c[2:]) for c in children]
    counts, _ = await upsert(conn, "committees", columns, child_rows, ["thomas_id"])
    summary["subcommittees"].add(counts)
    return summary


async def import_memberships(conn: asyncpg.Connection, path: Path, data: dict[str, Any]) -> Summary:
    """Committee seats; seats the file no longer lists are removed."""
    known = await _legislator_ids(conn)
    committees = {
        r["thomas_id"]: r["id"] for r in await conn.fetch("SELECT thomas_id, id FROM committees")
    }
    summary = Summary()
    rows = []
    for code, members in data.items():
        if code not in committees:
            raise ImportFailure(path, f"committee {code}", "unknown committee code")
        for member in members:
            bioguide = member.get("bioguide")
            if bioguide not in known:
                summary["committee_memberships"].unresolved += 1
                continue
            side = member.get("party")
            if side not in (None, "majority", "minority"):
                raise ImportFailure(
                    path, f"committee {code}, member {bioguide}", f"unknown side {side!r}"
                )
            rows.append(
                (
                    committees[code],
                    known[bioguide],
                    _int(member.get("rank")),
                    side,
                    member.get("title"),
                )
            )
    counts, _ = await upsert(
        conn,
        "committee_memberships",
        ["committee_id", "legislator_id", "rank", "side", "title"],
        rows,
        ["committee_id", "legislator_id"],
    )
    counts.removed = await remove_missing(
        conn,
        "committee_memberships",
        "committee_id",
        [committees[code] for code in data],
        ["committee_id", "legislator_id"],
        [(r[0], r[1]) for r in rows],
    )
    summary["committee_memberships"].add(counts)
    return summary


IMPORTERS: dict[str, Callable[[asyncpg.Connection, Path, Any], Awaitable[Summary]]] = {
    "legislators": import_legislators,
    "social-media": import_social_media,
    "committees": import_committees,
    "committee-membership": import_memberships,
}
