"""Importers for the unitedstates/congress-legislators YAML files.

Four shapes: legislators (a list of people with terms and leadership roles), social media (a
list of accounts), committees (a list with subcommittees) and committee membership (a map of
committee code to members).
"""

from collections.abc import Awaitable, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import datasets, members, voteview
from db.importers.bulk import Summary, remove_missing, upsert
from db.importers.errors import ImportFailure
from db.importers.files import source_file

CHAMBERS = {"rep": "house", "sen": "senate"}
# A leadership role's `chamber`, as the file writes it (the values of legislator_terms.chamber).
ROLE_CHAMBERS = frozenset(CHAMBERS.values())
# The keys each file's importer reads, by dotted path (`[]` marks the items of a list).
# Any other key a file carries is reported with `Summary.note_unread`.
READ_KEYS = {
    "legislators": frozenset(
        {
            "id",
            "id.bioguide",
            "id.lis",
            "id.icpsr",
            "id.govtrack",
            "id.thomas",
            "id.fec",
            "name",
            "name.first",
            "name.middle",
            "name.last",
            "name.suffix",
            "name.nickname",
            "name.official_full",
            "bio",
            "bio.birthday",
            "bio.gender",
            "terms",
            *(
                f"terms[].{key}"
                for key in (
                    "type",
                    "start",
                    "end",
                    "state",
                    "district",
                    "class",
                    "state_rank",
                    "party",
                    "caucus",
                    "party_affiliations",
                    "url",
                    "phone",
                    "address",
                    "office",
                    "contact_form",
                )
            ),
            "terms[].party_affiliations[].start",
            "terms[].party_affiliations[].end",
            "terms[].party_affiliations[].party",
            "terms[].party_affiliations[].caucus",
            "leadership_roles",
            *(f"leadership_roles[].{key}" for key in ("title", "chamber", "start", "end")),
        }
    ),
    "social-media": frozenset(
        {
            "id",
            "id.bioguide",
            "social",
            *(
                f"social.{key}"
                for key in (
                    "twitter",
                    "twitter_id",
                    "facebook",
                    "youtube",
                    "youtube_id",
                    "instagram",
                    "instagram_id",
                    "mastodon",
                )
            ),
        }
    ),
    "committees": frozenset(
        {
            *(
                key
                for key in ("type", "thomas_id", "name", "url", "jurisdiction", "address", "phone")
            ),
            "subcommittees",
            *(
                f"subcommittees[].{key}"
                for key in ("thomas_id", "name", "url", "jurisdiction", "address", "phone")
            ),
        }
    ),
    "committee-membership": frozenset({"bioguide", "rank", "party", "title"}),
}
# Keys read on purpose but not stored, so not reported: ids that only repeat another one
# (congress-legislators README: `house_committee_id` is the thomas_id's last two letters,
# `senate_committee_id` the thomas_id; the social file's thomas and govtrack ids repeat the
# legislators file's), and the membership `name`, which the README calls "intended for
# debugging" in favour of the ids.
READ_NOT_STORED = {
    "legislators": frozenset[str](),
    "social-media": frozenset({"id.thomas", "id.govtrack"}),
    "committees": frozenset({"house_committee_id", "senate_committee_id"}),
    "committee-membership": frozenset({"name"}),
}


def unread_keys(kind: str, record: Any, prefix: str = "") -> Iterator[str]:
    """The dotted paths of the keys in `record` that the `kind` importer does not read."""
    if not isinstance(record, dict):
        return
    known = READ_KEYS[kind] | READ_NOT_STORED[kind]
    for key, value in record.items():
        path = f"{prefix}{key}"
        if path not in known:
            yield path
            continue
        if isinstance(value, dict):
            yield from unread_keys(kind, value, f"{path}.")
        elif isinstance(value, list):
            for item in value:
                yield from unread_keys(kind, item, f"{path}[].")


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


def _affiliations(
    term: dict[str, Any], path: Path, record: str
) -> list[tuple[str, str | None, date, date]]:
    """A term's published `party_affiliations` as (party, caucus, start, end), or []."""
    found = term.get("party_affiliations") or []
    if not isinstance(found, list):
        raise ImportFailure(path, record, "party_affiliations must be a list")
    periods = []
    for item in found:
        if not isinstance(item, dict) or not item.get("party"):
            raise ImportFailure(path, record, "each party_affiliations item needs a party")
        start = _date(item.get("start"), path, record, "party affiliation start")
        end = _date(item.get("end"), path, record, "party affiliation end")
        if start is None or end is None:
            raise ImportFailure(path, record, "each party_affiliations item needs start and end")
        periods.append((str(item["party"]), item.get("caucus"), start, end))
    return periods


LeadershipRole = tuple[str, str | None, date | None, date | None]


def _leadership_roles(person: dict[str, Any], path: Path, record: str) -> list[LeadershipRole]:
    """A person's published `leadership_roles` as (title, chamber, start, end), or [].

    Upstream omits a field it does not know and the `end` of a role still held, so only the
    title is required; a chamber must be `house` or `senate`, and an end not before the start.
    """
    found = person.get("leadership_roles") or []
    if not isinstance(found, list):
        raise ImportFailure(path, record, "leadership_roles must be a list")
    roles = []
    for number, item in enumerate(found, 1):
        where = f"leadership role {number}"
        if not isinstance(item, dict):
            raise ImportFailure(path, record, f"{where} must be a mapping")
        title = item.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ImportFailure(path, record, f"{where} needs a title")
        chamber = item.get("chamber")
        if chamber is not None and chamber not in ROLE_CHAMBERS:
            raise ImportFailure(path, record, f"{where}: unknown chamber {chamber!r}")
        start = _date(item.get("start"), path, record, f"{where} start")
        end = _date(item.get("end"), path, record, f"{where} end")
        if start is not None and end is not None and end < start:
            raise ImportFailure(path, record, f"{where}: end {end} is before start {start}")
        roles.append((title, chamber, start, end))
    return roles


async def import_legislators(conn: asyncpg.Connection, path: Path, data: list[Any]) -> Summary:
    """Legislators, their terms, each term's party affiliations and their leadership roles;
    terms (and affiliations) and roles the file no longer lists for a person are removed.

    A record that a roll call, Voteview or a speech created for the same person (by bioguide,
    LIS or ICPSR id) is upgraded in place: it keeps its row id and takes this file's data and
    provenance (`members.claim_for_congress_legislators`). Keys the importer does not read
    are noted in the summary.
    """
    dataset_id = await datasets.ensure(conn, datasets.CONGRESS_LEGISLATORS)
    origin = source_file(path)
    summary = Summary()
    summary.note_unread(origin, (k for p in data for k in unread_keys("legislators", p)))
    # An ICPSR id learnt from Voteview is kept when this file does not give one.
    known_icpsr = {
        r["bioguide_id"]: r["icpsr_id"]
        for r in await conn.fetch(
            "SELECT bioguide_id, icpsr_id FROM legislators WHERE icpsr_id IS NOT NULL"
        )
    }
    people, terms = [], []
    affiliations: list[tuple[Any, ...]] = []
    roles: list[tuple[Any, ...]] = []
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
                members.CONGRESS_LEGISLATORS,
                None,
            )
        )
        for term in person.get("terms") or []:
            chamber = CHAMBERS.get(term.get("type"))
            if chamber is None:
                raise ImportFailure(path, record, f"unknown term type {term.get('type')!r}")
            start = _date(term.get("start"), path, record, "term start")
            affiliations.extend(
                (bioguide, chamber, start, *period) for period in _affiliations(term, path, record)
            )
            terms.append(
                (
                    bioguide,
                    chamber,
                    term.get("state"),
                    _int(term.get("district")),
                    _int(term.get("class")),
                    term.get("state_rank"),
                    term.get("party"),
                    start,
                    _date(term.get("end"), path, record, "term end"),
                    term.get("url"),
                    term.get("phone"),
                    term.get("address"),
                    term.get("office"),
                    term.get("contact_form"),
                    term.get("caucus"),
                )
            )
        # A role is its whole content (the table's key): one listed twice alike is kept once.
        held: set[LeadershipRole] = set()
        for role in _leadership_roles(person, path, record):
            if role in held:
                summary.warn(origin, f"{record}: a leadership role listed twice ({role[0]})")
                continue
            held.add(role)
            roles.append((bioguide, *role))
    await members.claim_for_congress_legislators(conn, [(p[0], p[1], p[2]) for p in people])
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
            "named_by",
            "published_name",
        ],
        people,
        ["bioguide_id"],
    )
    summary["legislators"].add(counts)
    term_rows = [(ids_by_key[(t[0],)], *t[1:]) for t in terms]
    counts, term_ids = await upsert(
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
            "caucus",
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
    affiliation_rows = [(term_ids[(ids_by_key[(a[0],)], a[1], a[2])], *a[3:]) for a in affiliations]
    counts, _ = await upsert(
        conn,
        "legislator_party_affiliations",
        ["term_id", "party", "caucus", "start_date", "end_date"],
        affiliation_rows,
        ["term_id", "start_date"],
    )
    counts.removed = await remove_missing(
        conn,
        "legislator_party_affiliations",
        "term_id",
        sorted(set(term_ids.values())),
        ["term_id", "start_date"],
        [(a[0], a[3]) for a in affiliation_rows],
    )
    summary["party_affiliations"].add(counts)
    # Every column is the key, so a role that changes (an end written when it ends) is
    # removed and inserted again; the rest are unchanged.
    role_columns = ["legislator_id", "title", "chamber", "start_date", "end_date"]
    role_rows = [(ids_by_key[(r[0],)], *r[1:]) for r in roles]
    counts, _ = await upsert(
        conn, "legislator_leadership_roles", role_columns, role_rows, role_columns
    )
    counts.removed = await remove_missing(
        conn,
        "legislator_leadership_roles",
        "legislator_id",
        list(ids_by_key.values()),
        role_columns,
        role_rows,
    )
    summary["leadership_roles"].add(counts)
    await resolve_members(conn)
    await voteview.resolve_icpsr(conn)
    return summary


async def resolve_members(conn: asyncpg.Connection) -> None:
    """Link rows that name a member by raw id to the legislators now known."""
    await members.link_references(conn, None)


async def _legislator_ids(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT bioguide_id, id FROM legislators WHERE bioguide_id IS NOT NULL")
    return {r["bioguide_id"]: r["id"] for r in rows}


async def import_social_media(conn: asyncpg.Connection, path: Path, data: list[Any]) -> Summary:
    """Official social media accounts; unknown members are counted as unresolved."""
    known = await _legislator_ids(conn)
    summary = Summary()
    summary.note_unread(
        source_file(path), (k for e in data for k in unread_keys("social-media", e))
    )
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
    summary.note_unread(origin, (k for c in data for k in unread_keys("committees", c)))
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
    summary.note_unread(
        source_file(path),
        (
            k
            for seats in data.values()
            for s in seats
            for k in unread_keys("committee-membership", s)
        ),
    )
    rows = []
    for code, seats in data.items():
        if code not in committees:
            raise ImportFailure(path, f"committee {code}", "unknown committee code")
        for member in seats:
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
