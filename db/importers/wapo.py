"""Importer for The Washington Post's fatal police shootings database (v2): the agencies CSV
and the shootings CSV (`fatal-police-shootings-agencies.csv`, `-data.csv`).

Licensed CC BY-NC-SA 4.0, so the project supports the format but never ships the files.
Import the agencies first: each becomes an organization (`wapo-agency-<id>`), and each
shooting an incident (`wapo:<id>`, kind shooting) linked to its agencies by `agency_ids`,
to its named victim (`<name>-<date>`, with the Post's id added when two records share
both), and to the database as its source.
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import datasets, values
from db.importers.bulk import Summary, remove_missing
from db.importers.datasets import Dataset
from db.importers.errors import ImportFailure
from db.importers.files import source_file
from db.importers.tabular import (
    Table,
    clean,
    head_of,
    header_of,
    note_unread_columns,
    read_csv,
    replace_links,
    slugify,
    upsert_counts,
    upsert_owned,
)

WAPO = Dataset(
    "wapo-fatal-police-shootings",
    "The Washington Post: fatal police shootings database (v2)",
    "https://github.com/washingtonpost/data-police-shootings",
    "CC-BY-NC-SA-4.0",
    "The Washington Post, fatal police shootings database (CC BY-NC-SA 4.0: attribution,"
    " non-commercial, share-alike). Not redistributed by this project.",
)
AGENCY_COLUMNS = ("id", "name", "type", "state")
# The agency columns stored; `type` and `state` are required (they identify the format) but
# not stored, so they are reported as unread with the other columns not read.
AGENCY_READ = ("id", "name")
SHOOTING_COLUMNS = (
    "id",
    "date",
    "threat_type",
    "flee_status",
    "armed_with",
    "city",
    "county",
    "state",
    "latitude",
    "longitude",
    "name",
    "age",
    "gender",
    "was_mental_illness_related",
    "body_camera",
    "agency_ids",
)
GENDERS = {"male": "Male", "female": "Female", "non-binary": "Non-binary", "": None}
BOOLEANS = {"True": True, "False": False}


def kind_of_header(header: list[str] | None) -> str | None:
    """Which Post file a header belongs to: agencies or shootings."""
    columns = set(header or ())
    if {"id", "threat_type", "agency_ids"} <= columns:
        return "shootings"
    if {"id", "oricodes", "total_shootings"} <= columns:
        return "agencies"
    return None


def detect(path: Path, head: Any) -> bool:
    """Whether the file is a Post shootings or agencies CSV (from its first bytes)."""
    return path.suffix.lower() == ".csv" and kind_of_header(header_of(head)) is not None


def agency_slug(agency_id: int) -> str:
    """The organization slug of a Post agency id."""
    return f"wapo-agency-{agency_id}"


async def import_agencies(conn: asyncpg.Connection, path: Path, table: Table) -> Summary:
    """The agencies file: one organization (kind agency) per row."""
    dataset_id = await datasets.ensure(conn, WAPO)
    origin = source_file(path)
    col = table.columns
    rows: dict[str, tuple[Any, ...]] = {}
    for line, f in table.records:
        agency = values.integer(f[col["id"]], path, f"line {line}", "id")
        name = clean(f[col["name"]])
        if agency is None or name is None:
            raise ImportFailure(path, f"line {line}", "needs an id and a name")
        slug = agency_slug(agency)
        if slug in rows:
            raise ImportFailure(path, f"line {line}", f"agency {agency} is listed twice")
        rows[slug] = (slug, name, "agency", dataset_id, origin)
    summary = Summary()
    note_unread_columns(summary, table, AGENCY_READ)
    counts, _, _ = await upsert_owned(
        conn,
        "organizations",
        ["slug", "name", "kind", "dataset_id", "source_file"],
        list(rows.values()),
        "slug",
        {dataset_id},
    )
    summary["organizations"].add(counts)
    return summary


@dataclass
class Shooting:
    """One row of the shootings file."""

    line: int
    key: str
    occurred_on: date
    row: tuple[Any, ...]
    name: str | None
    age: int | None
    sex: str | None
    agencies: list[int]


def _coordinate(path: Path, line: int, field: str, raw: str, limit: float) -> float | None:
    text = raw.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError as exc:
        raise ImportFailure(path, f"line {line}", f"{field} {raw!r} is not a number") from exc
    if not -limit <= number <= limit:
        raise ImportFailure(path, f"line {line}", f"{field} {raw!r} is out of range")
    return number


def _describe(get: Any, path: Path, line: int) -> str:
    """The Post's coded fields as a sentence list, e.g. `Armed with: gun. Fleeing: not.`"""
    parts = ["Fatal shooting by police"]
    for label, field in (
        ("Armed with", "armed_with"),
        ("Threat", "threat_type"),
        ("Fleeing", "flee_status"),
    ):
        value = clean(get(field))
        if value:
            parts.append(f"{label}: {value.replace(';', ', ').replace('_', ' ')}")
    for label, field in (
        ("Mental illness related", "was_mental_illness_related"),
        ("Body camera", "body_camera"),
    ):
        raw = get(field).strip()
        if raw not in BOOLEANS:
            raise ImportFailure(path, f"line {line}", f"{field} {raw!r} is not True or False")
        parts.append(f"{label}: {'yes' if BOOLEANS[raw] else 'no'}")
    return ". ".join(parts) + "."


def parse_shootings(table: Table, dataset_id: int) -> list[Shooting]:
    """The shootings in the file, checked."""
    path, col = table.path, table.columns
    shootings: list[Shooting] = []
    seen: dict[int, int] = {}
    for line, f in table.records:

        def get(column: str, fields: list[str] = f) -> str:
            return fields[col[column]]

        where = f"line {line}"
        number = values.integer(get("id"), path, where, "id")
        if number is None:
            raise ImportFailure(path, where, "id is empty")
        if number in seen:
            raise ImportFailure(path, where, f"id {number} is already on line {seen[number]}")
        seen[number] = line
        raw_date = get("date").strip()
        try:
            day = date.fromisoformat(raw_date)
        except ValueError as exc:
            raise ImportFailure(path, where, f"date {raw_date!r} is not a date") from exc
        gender = get("gender").strip()
        if gender not in GENDERS:
            raise ImportFailure(path, where, f"unknown gender {gender!r}")
        age = values.integer(get("age"), path, where, "age")
        if age is not None and not 0 <= age <= 130:
            raise ImportFailure(path, where, f"age {age} is out of range")
        agencies = [
            values.integer(a, path, where, "agency_ids") for a in get("agency_ids").split(";")
        ]
        key = f"wapo:{number}"
        row = (
            key,
            "shooting",
            day,
            "day",
            clean(get("city")),
            clean(get("county")),
            values.state(get("state"), path, where),
            _coordinate(path, line, "latitude", get("latitude"), 90),
            _coordinate(path, line, "longitude", get("longitude"), 180),
            "killed",
            _describe(get, path, line),
            dataset_id,
        )
        shootings.append(
            Shooting(
                line, key, day, row, clean(get("name")), age, GENDERS[gender],
                [a for a in agencies if a is not None],
            )
        )  # fmt: skip
    return shootings


def person_slugs(shootings: list[Shooting]) -> dict[str, str]:
    """Each named victim's slug by incident key: `<name>-<date>`, made unique with the
    Post's id where two records share a name and a date."""
    base = {
        s.key: f"{slugify(s.name)}-{s.occurred_on.isoformat()}"
        for s in shootings
        if s.name and slugify(s.name)
    }
    shared = Counter(base.values())
    return {
        key: slug if shared[slug] == 1 else f"{slug}-{re.sub(r'[^0-9]', '', key)}"
        for key, slug in base.items()
    }


async def import_shootings(conn: asyncpg.Connection, path: Path, table: Table) -> Summary:
    """The shootings file: incidents with their victims, agencies and source."""
    dataset_id = await datasets.ensure(conn, WAPO)
    shootings = parse_shootings(table, dataset_id)
    origin = source_file(path)
    wanted = {agency_slug(a) for s in shootings for a in s.agencies}
    agencies = {
        r["slug"]: r["id"]
        for r in await conn.fetch(
            "SELECT slug, id FROM organizations WHERE slug = ANY($1)", list(wanted)
        )
    }
    for s in shootings:
        for a in s.agencies:
            if agency_slug(a) not in agencies:
                raise ImportFailure(
                    path,
                    f"line {s.line}",
                    f"agency {a} is not imported; import the agencies file first",
                )
    summary = Summary()
    note_unread_columns(summary, table, SHOOTING_COLUMNS)
    counts, sources, _ = await upsert_owned(
        conn,
        "sources",
        ["url", "title", "publisher", "dataset_id", "source_file"],
        [(WAPO.url, WAPO.name, "The Washington Post", dataset_id, origin)],
        "url",
        {dataset_id},
    )
    summary["sources"].add(counts)
    counts, incidents, foreign = await upsert_owned(
        conn,
        "incidents",
        [
            "external_key",
            "kind",
            "occurred_on",
            "occurred_precision",
            "city",
            "county",
            "state",
            "latitude",
            "longitude",
            "outcome",
            "description",
            "dataset_id",
            "source_file",
        ],
        [(*s.row, origin) for s in shootings],
        "external_key",
        {dataset_id},
    )
    summary["incidents"].add(counts)
    owned = [incidents[s.key] for s in shootings if s.key not in foreign]

    slugs = person_slugs([s for s in shootings if s.key not in foreign])
    named = [s for s in shootings if s.key in slugs]
    counts, people, _ = await upsert_owned(
        conn,
        "people",
        ["slug", "name", "dataset_id", "source_file"],
        [(slugs[s.key], s.name, dataset_id, origin) for s in named],
        "slug",
        {dataset_id},
    )
    summary["people"].add(counts)
    victims = [
        (incidents[s.key], people[slugs[s.key]], "victim", s.age, s.sex, None) for s in named
    ]
    counts = await upsert_counts(
        conn,
        "incident_people",
        ["incident_id", "person_id", "role", "age", "sex", "nationality"],
        victims,
        ["incident_id", "person_id", "role"],
    )
    counts.removed = await remove_missing(
        conn,
        "incident_people",
        "incident_id",
        owned,
        ["incident_id", "person_id", "role"],
        [v[:3] for v in victims],
    )
    summary["incident_people"].add(counts)
    await replace_links(
        conn,
        summary,
        "incident_agencies",
        ["incident_id", "organization_id"],
        [(incidents[s.key], agencies[agency_slug(a)]) for s in shootings for a in s.agencies],
        owned,
    )
    await replace_links(
        conn,
        summary,
        "incident_sources",
        ["incident_id", "source_id"],
        [(incidents[s.key], sources[WAPO.url]) for s in shootings],
        owned,
    )
    return summary


async def import_wapo(conn: asyncpg.Connection, path: Path) -> Summary:
    """Import a Post agencies or shootings CSV inside the caller's transaction."""
    path = Path(path)
    kind = kind_of_header(header_of(head_of(path)))
    if kind == "agencies":
        return await import_agencies(conn, path, read_csv(path, AGENCY_COLUMNS))
    if kind == "shootings":
        return await import_shootings(conn, path, read_csv(path, SHOOTING_COLUMNS))
    read_csv(path, ())  # an empty or non-UTF-8 file is reported as such
    raise ImportFailure(path, "line 1", "not a Washington Post shootings or agencies header")
