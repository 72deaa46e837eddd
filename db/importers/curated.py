"""The project's own curated YAML format (`format: redress-curated/1`, see docs/curated-format.md).

One file holds topics, organizations, people, sources, incidents and statements, and the
links between them and to bills and votes already in the database. Records are keyed by
slug (topics, people, organizations), by URL or else title (sources) and by an explicit
`key` (incidents and statements, stored as `external_key`). Re-importing a file updates its
records in place and replaces their links; records it no longer lists are left alone.
Everything is written in the caller's transaction, so the database's check that every
statement and incident cites a source runs once all links are in.
"""

import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import datasets, values
from db.importers.bulk import Counts, Summary, remove_missing, upsert
from db.importers.errors import ImportFailure
from db.importers.files import source_file
from db.importers.scorecards import import_scorecards

FORMAT = "redress-curated/1"
SECTIONS = ("topics", "organizations", "people", "sources", "incidents", "statements")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
KEY = re.compile(r"^[a-z0-9]+([-.:][a-z0-9]+)*$")
BIOGUIDE = re.compile(r"^[A-Z][0-9]{6}$")
URL = re.compile(r"^https?://")
ORGANIZATION_KINDS = ("agency", "advocacy", "news", "other")
INCIDENT_KINDS = ("death_in_custody", "shooting", "use_of_force", "raid", "other")
ROLES = ("victim", "agent", "witness")
STANCES = ("supports", "opposes")
# Links that may carry an editor's stance tag, with the key of their tagged form:
# `bills: [{bill: hr1470-117, stance: supports}]` beside the plain `bills: [hr1470-117]`.
TAGGED = {("statements", "bills"): "bill", ("statements", "votes"): "vote"}
MEDIA = (
    "floor_speech",
    "press_release",
    "social_post",
    "tv",
    "interview",
    "hearing",
    "filing",
    "publication",
)
# Per section: (required fields, optional fields).
FIELDS = {
    "topics": ({"slug", "name"}, {"description", "bills", "votes"}),
    "organizations": ({"slug", "name", "kind"}, {"abbreviation", "url"}),
    "people": ({"slug", "name"}, {"description"}),
    "sources": (
        set(),
        {"url", "title", "publisher", "published_on", "archived_url", "retrieved_at"},
    ),
    "incidents": (
        {"key", "kind", "sources"},
        {"occurred_on", "location", "outcome", "description", "agencies", "people"}
        | {"bills", "topics"},
    ),
    "statements": (
        {"key", "speaker", "quote", "sources"},
        {"said_on", "context", "medium", "bills", "votes", "incidents", "topics"},
    ),
}
LOCATION_FIELDS = {"city", "county", "state", "facility", "latitude", "longitude"}
PERSON_FIELDS = {"person", "role", "age", "sex", "nationality"}
# Where references of each kind are looked up in the database: (table, key column).
LOOKUPS = {
    "people": ("people", "slug"),
    "organizations": ("organizations", "slug"),
    "topics": ("topics", "slug"),
    "bills": ("bills", "bill_id"),
    "votes": ("votes", "vote_id"),
    "incidents": ("incidents", "external_key"),
}
REFERRED = ("people", "organizations", "topics", "bills", "votes", "sources", "incidents")
# Link tables: (table, section whose records list the links, field, kind of the target).
LINKS = (
    ("incident_agencies", "incidents", "agencies", "organizations"),
    ("incident_sources", "incidents", "sources", "sources"),
    ("incident_bills", "incidents", "bills", "bills"),
    ("incident_topics", "incidents", "topics", "topics"),
    ("statement_sources", "statements", "sources", "sources"),
    ("statement_bills", "statements", "bills", "bills"),
    ("statement_votes", "statements", "votes", "votes"),
    ("statement_incidents", "statements", "incidents", "incidents"),
    ("statement_topics", "statements", "topics", "topics"),
    ("bill_topics", "topics", "bills", "bills"),
    ("vote_topics", "topics", "votes", "votes"),
)
COLUMN_OF = {
    "incidents": "incident_id",
    "statements": "statement_id",
    "topics": "topic_id",
    "organizations": "organization_id",
    "sources": "source_id",
    "bills": "bill_id",
    "votes": "vote_id",
}
SOURCE_COLUMNS = [
    "url",
    "title",
    "publisher",
    "published_on",
    "published_precision",
    "archived_url",
    "retrieved_at",
    "dataset_id",
    "source_file",
]
INCIDENT_COLUMNS = [
    "external_key",
    "kind",
    "occurred_on",
    "occurred_precision",
    "city",
    "county",
    "state",
    "facility",
    "latitude",
    "longitude",
    "outcome",
    "description",
    "dataset_id",
    "source_file",
]
STATEMENT_COLUMNS = [
    "external_key",
    "speaker_legislator_id",
    "speaker_person_id",
    "speaker_organization_id",
    "speaker_bioguide_id",
    "said_on",
    "said_on_precision",
    "quote",
    "context",
    "medium",
    "dataset_id",
    "source_file",
]

# A title-only source keeps the file it was first imported from (see bulk.KEEP_FILE).
KEEP_FILE = (
    "CASE WHEN s.dataset_id IS DISTINCT FROM u.ds OR s.source_file IS NULL"
    " THEN u.f ELSE s.source_file END"
)

Record = tuple[str, dict[str, Any]]  # (name for messages, fields)


def is_curated(data: Any) -> bool:
    """Whether `data` declares the curated format."""
    return isinstance(data, dict) and data.get("format") == FORMAT


class _Checks:
    """Field checks that fail naming the file and the record."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, record: str, problem: str) -> ImportFailure:
        return ImportFailure(self.path, record, problem)

    def records(self, data: dict[str, Any], section: str) -> list[Record]:
        """The records of `section`, each named for messages, with their field names checked."""
        items = data.get(section) or []
        if not isinstance(items, list):
            raise self.fail(section, "must be a list")
        required, optional = FIELDS[section]
        named = []
        for index, item in enumerate(items):
            record = f"{section}[{index}]"
            if not isinstance(item, dict):
                raise self.fail(record, "must be a mapping")
            name = item.get("slug") or item.get("key") or item.get("url") or item.get("title")
            record += f" ({name})" if name else ""
            if missing := sorted(required - item.keys()):
                raise self.fail(record, f"missing {', '.join(missing)}")
            if unknown := sorted(item.keys() - required - optional):
                raise self.fail(record, f"unknown field {', '.join(unknown)}")
            named.append((record, item))
        return named

    def text(self, item: dict[str, Any], field: str, record: str, required: bool = False) -> Any:
        value = item.get(field)
        if value is not None and not isinstance(value, str | int | float):
            raise self.fail(record, f"{field} must be text")
        result = values.text(value)
        if required and result is None:
            raise self.fail(record, f"{field} must not be empty")
        return result

    def url(self, item: dict[str, Any], field: str, record: str) -> str | None:
        link = self.text(item, field, record)
        if link is not None and not URL.match(link):
            raise self.fail(record, f"{field} {link!r} is not an http(s) URL")
        return link

    def choice(self, item: dict[str, Any], field: str, record: str, allowed: Sequence[str]) -> Any:
        value = item.get(field)
        if value is not None and value not in allowed:
            raise self.fail(record, f"unknown {field} {value!r}; one of {', '.join(allowed)}")
        return value

    def slug(self, value: Any, record: str, field: str = "slug") -> str:
        if not isinstance(value, str) or not SLUG.match(value):
            raise self.fail(
                record, f"{field} {value!r} is not a slug like `national-lawyers-guild`"
            )
        return value

    def fuzzy(self, value: Any, record: str, field: str) -> tuple[date | None, str]:
        """A date and its precision from `2026-01-07`, `2026-01`, `2026`, or nothing/`unknown`."""
        if value is None or value == "unknown":
            return None, "unknown"
        if isinstance(value, datetime):
            raise self.fail(record, f"{field} must be a date, not a time")
        if isinstance(value, date):
            return value, "day"
        raw = str(value).strip()
        try:
            if re.fullmatch(r"\d{4}", raw):
                return date(int(raw), 1, 1), "year"
            if re.fullmatch(r"\d{4}-\d{2}", raw):
                return date(int(raw[:4]), int(raw[5:]), 1), "month"
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
                return date.fromisoformat(raw), "day"
        except ValueError:
            pass
        raise self.fail(record, f"{field} {value!r} is not YYYY-MM-DD, YYYY-MM, YYYY or unknown")

    def moment(self, value: Any, record: str, field: str) -> datetime | None:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise self.fail(record, f"{field} needs a UTC offset")
            return value
        return values.moment(value, self.path, record, field)

    def refs(self, item: dict[str, Any], field: str, record: str, section: str = "") -> list[str]:
        return [ref for ref, _ in self.tagged(item, field, record, section)]

    def tagged(
        self, item: dict[str, Any], field: str, record: str, section: str = ""
    ) -> list[tuple[str, str | None]]:
        """The ids `field` lists, each with its stance tag (None: untagged); only the links
        in TAGGED take the tagged form."""
        value = item.get(field) or []
        if not isinstance(value, list):
            raise self.fail(record, f"{field} must be a list of ids")
        tag = TAGGED.get((section, field))
        found: dict[str, str | None] = {}
        for entry in value:
            ref, stance = entry, None
            if tag and isinstance(entry, dict):
                if tag not in entry or entry.keys() - {tag, "stance"}:
                    raise self.fail(
                        record, f"each of {field} is an id or {{{tag}: id, stance: ...}}"
                    )
                ref, stance = entry[tag], entry.get("stance")
                if stance is not None and stance not in STANCES:
                    raise self.fail(
                        record, f"unknown stance {stance!r} on {ref!r}; one of {', '.join(STANCES)}"
                    )
            if not isinstance(ref, str) or not ref:
                raise self.fail(record, f"{field} must be a list of ids")
            if found.get(ref, stance) != stance:
                raise self.fail(record, f"{field} lists {ref!r} twice with different stances")
            found[ref] = stance
        return list(found.items())

    def unique(self, records: list[Record], field: str) -> None:
        seen: set[str] = set()
        for record, item in records:
            value = item.get(field) if field != "source" else item.get("url") or item.get("title")
            if field == "slug":
                self.slug(value, record)
            elif field == "key" and (not isinstance(value, str) or not KEY.match(value)):
                raise self.fail(record, f"key {value!r} must be lowercase words joined by - . or :")
            elif field == "source" and value is None:
                raise self.fail(record, "needs a url or a title")
            if value in seen:
                raise self.fail(record, f"{field} {value!r} appears twice")
            seen.add(str(value))


def _location(c: _Checks, record: str, item: dict[str, Any]) -> tuple[Any, ...]:
    """(city, county, state, facility, latitude, longitude) of an incident."""
    where = item.get("location") or {}
    if not isinstance(where, dict) or where.keys() - LOCATION_FIELDS:
        raise c.fail(record, f"location takes only {', '.join(sorted(LOCATION_FIELDS))}")
    coords = []
    for field, bound in (("latitude", 90), ("longitude", 180)):
        value = where.get(field)
        if value is not None and (
            not isinstance(value, int | float) or isinstance(value, bool) or abs(value) > bound
        ):
            raise c.fail(record, f"{field} {value!r} is not between -{bound} and {bound}")
        coords.append(None if value is None else float(value))
    return (
        c.text(where, "city", record),
        c.text(where, "county", record),
        values.state(where.get("state"), c.path, record),
        c.text(where, "facility", record),
        *coords,
    )


def _speaker(c: _Checks, record: str, item: dict[str, Any]) -> tuple[str, str]:
    """(kind, id) of a statement's speaker: legislator bioguide, person or organization slug."""
    speaker = item["speaker"]
    if not isinstance(speaker, dict) or len(speaker) != 1:
        raise c.fail(record, "speaker must be one of legislator:, person: or organization:")
    ((kind, ref),) = speaker.items()
    if kind == "legislator":
        if not isinstance(ref, str) or not BIOGUIDE.match(ref):
            raise c.fail(record, f"legislator {ref!r} is not a bioguide id like M000133")
        return kind, ref
    if kind in ("person", "organization"):
        return kind, c.slug(ref, record, kind)
    raise c.fail(record, f"unknown speaker kind {kind!r}")


def _incident_people(c: _Checks, record: str, item: dict[str, Any]) -> list[dict[str, Any]]:
    people = item.get("people") or []
    if not isinstance(people, list):
        raise c.fail(record, "people must be a list")
    for entry in people:
        if not isinstance(entry, dict) or entry.keys() - PERSON_FIELDS or "person" not in entry:
            raise c.fail(record, f"each person takes {', '.join(sorted(PERSON_FIELDS))}")
        c.slug(entry["person"], record, "person")
    return people


class _Import:
    """One curated file being written: the ids known so far, by kind and key."""

    def __init__(
        self, conn: asyncpg.Connection, checks: _Checks, dataset_id: int, origin: str
    ) -> None:
        self.conn = conn
        self.c = checks
        self.dataset_id = dataset_id
        self.origin = origin
        self.summary = Summary()
        self.ids: dict[str, dict[str, int]] = {kind: {} for kind in (*SECTIONS, "bills", "votes")}

    async def upsert(
        self, kind: str, table: str, columns: list[str], rows: list[tuple[Any, ...]], key: str
    ) -> None:
        counts, ids = await upsert(self.conn, table, columns, rows, [key])
        self.summary[table].add(counts)
        self.ids[kind].update({k[0]: v for k, v in ids.items()})

    async def resolve(self, kind: str, wanted: list[tuple[str, str]]) -> None:
        """Look up references not written by this file; fail naming the first unknown one."""
        known = self.ids[kind]
        missing = list({ref for _, ref in wanted} - known.keys())
        if missing and kind == "sources":
            known.update(await self._stored_sources(missing))
        elif missing:
            table, column = LOOKUPS[kind]
            rows = await self.conn.fetch(
                f"SELECT {column}, id FROM {table} WHERE {column} = ANY($1)", missing
            )
            known.update({r[0]: r[1] for r in rows})
        for record, ref in wanted:
            if ref not in known:
                what = {"people": "person", "sources": "source"}.get(kind, kind.rstrip("s"))
                raise self.c.fail(record, f"no {what} {ref!r} in this file or the database")

    async def _stored_sources(self, refs: list[str]) -> dict[str, int]:
        """Sources in the database by URL, or by title for those without a URL."""
        rows = await self.conn.fetch(
            "SELECT url, id FROM sources WHERE url = ANY($1) UNION ALL"
            " (SELECT DISTINCT ON (title) title, id FROM sources"
            " WHERE url IS NULL AND title = ANY($1) ORDER BY title, id)",
            refs,
        )
        return {r[0]: r[1] for r in rows}

    async def sources(self, records: list[Record]) -> None:
        """Sources by URL with one bulk upsert; those with only a title, matched by title."""
        by_url: list[tuple[Any, ...]] = []
        by_title: list[tuple[Any, ...]] = []
        for record, item in records:
            published_on, precision = self.c.fuzzy(item.get("published_on"), record, "published_on")
            row = (
                self.c.url(item, "url", record),
                self.c.text(item, "title", record),
                self.c.text(item, "publisher", record),
                published_on,
                precision,
                self.c.url(item, "archived_url", record),
                self.c.moment(item.get("retrieved_at"), record, "retrieved_at"),
                self.dataset_id,
                self.origin,
            )
            (by_url if row[0] else by_title).append(row)
        await self.upsert("sources", "sources", SOURCE_COLUMNS, by_url, "url")
        if by_title:
            await self._title_sources(by_title)

    async def _title_sources(self, rows: list[tuple[Any, ...]]) -> None:
        """Insert the new title-only sources and update the changed ones: two statements."""
        ids = await self._stored_sources([r[1] for r in rows])
        new = [r[1:] for r in rows if r[1] not in ids]
        old = [(ids[r[1]], *r[1:]) for r in rows if r[1] in ids]
        columns: list[list[Any]] = [list(c) for c in zip(*new, strict=True)] or [[]] * 8
        inserted = await self.conn.fetch(
            "INSERT INTO sources (title, publisher, published_on, published_precision,"
            " archived_url, retrieved_at, dataset_id, source_file)"
            " SELECT t, p, d, pr::date_precision, a, r, ds, f FROM unnest($1::text[],"
            " $2::text[], $3::date[], $4::text[], $5::text[], $6::timestamptz[], $7::bigint[],"
            " $8::text[]) AS u(t, p, d, pr, a, r, ds, f) RETURNING title, id",
            *columns,
        )
        columns = [list(c) for c in zip(*old, strict=True)] or [[]] * 9
        updated = await self.conn.fetch(
            "UPDATE sources s SET publisher = u.p, published_on = u.d,"
            " published_precision = u.pr::date_precision, archived_url = u.a,"
            f" retrieved_at = u.r, dataset_id = u.ds, source_file = {KEEP_FILE}"
            " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::date[], $5::text[],"
            " $6::text[], $7::timestamptz[], $8::bigint[], $9::text[])"
            " AS u(id, t, p, d, pr, a, r, ds, f) WHERE s.id = u.id"
            " AND (s.publisher, s.published_on, s.published_precision, s.archived_url,"
            " s.retrieved_at, s.dataset_id, s.source_file)"
            f" IS DISTINCT FROM (u.p, u.d, u.pr::date_precision, u.a, u.r, u.ds, {KEEP_FILE})"
            " RETURNING s.id",
            *columns,
        )
        self.ids["sources"].update(ids)
        self.ids["sources"].update({r["title"]: r["id"] for r in inserted})
        self.summary["sources"].add(
            Counts(inserted=len(inserted), updated=len(updated), unchanged=len(old) - len(updated))
        )

    async def replace(
        self,
        table: str,
        columns: list[str],
        rows: list[tuple[Any, ...]],
        key: list[str],
        parents: list[int],
    ) -> None:
        """Make `rows` the only rows of `table` for `parents` (the first column)."""
        rows = list(dict.fromkeys(rows))
        counts, _ = await upsert(self.conn, table, columns, rows, key, returning=columns[0])
        counts.removed = await remove_missing(
            self.conn, table, columns[0], parents, key, [r[: len(key)] for r in rows]
        )
        if rows or counts.removed:
            self.summary[table].add(counts)


async def import_curated(conn: asyncpg.Connection, path: Path, data: dict[str, Any]) -> Summary:
    """Import a curated file: its records, then every link they declare."""
    c = _Checks(path)
    if unknown := sorted(data.keys() - {"format", "about", "scorecards", *SECTIONS}):
        raise c.fail("top level", f"unknown section {', '.join(unknown)}")
    s = {name: c.records(data, name) for name in SECTIONS}
    for name, field in zip(SECTIONS, ("slug", "slug", "slug", "source", "key", "key"), strict=True):
        c.unique(s[name], field)

    # What every record refers to, checked before anything is written.
    wanted: dict[str, list[tuple[str, str]]] = {kind: [] for kind in REFERRED}
    for _, section, field, kind in LINKS:
        for record, item in s[section]:
            wanted[kind] += [(record, ref) for ref in c.refs(item, field, record, section)]
    for name in ("incidents", "statements"):
        for record, item in s[name]:
            if not c.refs(item, "sources", record):
                raise c.fail(record, "needs at least one source")
    speakers = [_speaker(c, record, item) for record, item in s["statements"]]
    for (record, _), (kind, ref) in zip(s["statements"], speakers, strict=True):
        if kind != "legislator":
            wanted["people" if kind == "person" else "organizations"].append((record, ref))
    people = [(record, item, _incident_people(c, record, item)) for record, item in s["incidents"]]
    wanted["people"] += [(record, p["person"]) for record, _, found in people for p in found]

    run = _Import(conn, c, await datasets.ensure(conn, datasets.REDRESS_CURATED), source_file(path))
    await run.upsert(
        "topics",
        "topics",
        ["slug", "name", "description"],
        [
            (i["slug"], c.text(i, "name", r, True), c.text(i, "description", r))
            for r, i in s["topics"]
        ],
        "slug",
    )
    await run.upsert(
        "organizations",
        "organizations",
        ["slug", "name", "abbreviation", "kind", "url", "dataset_id", "source_file"],
        [
            (
                i["slug"],
                c.text(i, "name", r, True),
                c.text(i, "abbreviation", r),
                c.choice(i, "kind", r, ORGANIZATION_KINDS),
                c.url(i, "url", r),
                run.dataset_id,
                run.origin,
            )
            for r, i in s["organizations"]
        ],
        "slug",
    )
    await run.upsert(
        "people",
        "people",
        ["slug", "name", "description", "dataset_id", "source_file"],
        [
            (
                i["slug"],
                c.text(i, "name", r, True),
                c.text(i, "description", r),
                run.dataset_id,
                run.origin,
            )
            for r, i in s["people"]
        ],
        "slug",
    )
    await run.sources(s["sources"])
    for kind in ("people", "organizations", "topics", "bills", "votes", "sources"):
        await run.resolve(kind, wanted[kind])

    incident_rows = []
    for record, item in s["incidents"]:
        occurred_on, precision = c.fuzzy(item.get("occurred_on"), record, "occurred_on")
        incident_rows.append(
            (
                item["key"],
                c.choice(item, "kind", record, INCIDENT_KINDS),
                occurred_on,
                precision,
                *_location(c, record, item),
                c.text(item, "outcome", record),
                c.text(item, "description", record),
                run.dataset_id,
                run.origin,
            )
        )
    await run.upsert("incidents", "incidents", INCIDENT_COLUMNS, incident_rows, "external_key")
    await run.resolve("incidents", wanted["incidents"])

    bioguides = [ref for kind, ref in speakers if kind == "legislator"]
    legislators = {
        r[0]: r[1]
        for r in await conn.fetch(
            "SELECT bioguide_id, id FROM legislators WHERE bioguide_id = ANY($1)", bioguides
        )
    }
    statement_rows = []
    for (record, item), (kind, ref) in zip(s["statements"], speakers, strict=True):
        said_on, precision = c.fuzzy(item.get("said_on"), record, "said_on")
        statement_rows.append(
            (
                item["key"],
                legislators.get(ref) if kind == "legislator" else None,
                run.ids["people"][ref] if kind == "person" else None,
                run.ids["organizations"][ref] if kind == "organization" else None,
                ref if kind == "legislator" else None,
                said_on,
                precision,
                c.text(item, "quote", record, True),
                c.text(item, "context", record),
                c.choice(item, "medium", record, MEDIA),
                run.dataset_id,
                run.origin,
            )
        )
    await run.upsert("statements", "statements", STATEMENT_COLUMNS, statement_rows, "external_key")

    # Child rows and links, each replaced for the records of this file.
    parents = {
        name: [run.ids[name][i["slug" if name == "topics" else "key"]] for _, i in s[name]]
        for name in ("topics", "incidents", "statements")
    }
    people_rows = []
    for record, item, found in people:
        for entry in found:
            age = values.integer(entry.get("age"), path, record, "age")
            if age is not None and not 0 <= age <= 130:
                raise c.fail(record, f"age {age} is out of range")
            people_rows.append(
                (
                    run.ids["incidents"][item["key"]],
                    run.ids["people"][entry["person"]],
                    c.choice(entry, "role", record, ROLES) or "victim",
                    age,
                    c.text(entry, "sex", record),
                    c.text(entry, "nationality", record),
                )
            )
    await run.replace(
        "incident_people",
        ["incident_id", "person_id", "role", "age", "sex", "nationality"],
        people_rows,
        ["incident_id", "person_id", "role"],
        parents["incidents"],
    )
    for table, section, field, kind in LINKS:
        key = "slug" if section == "topics" else "key"
        stance = ["stance"] if (section, field) in TAGGED else []
        rows = [
            (run.ids[section][item[key]], run.ids[kind][ref], *([tag] if stance else []))
            for record, item in s[section]
            for ref, tag in c.tagged(item, field, record, section)
        ]
        columns = [COLUMN_OF[section], COLUMN_OF[kind], *stance]
        await run.replace(table, columns, rows, columns[:2], parents[section])
    await import_scorecards(
        conn,
        path,
        data.get("scorecards"),
        run.ids["topics"],
        run.summary,
        run.dataset_id,
        run.origin,
    )
    return run.summary
