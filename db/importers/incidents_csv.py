"""Importers for the ICE detention deaths and CBP deaths in custody CSV files
(etchin/ice-detention-mortality, CC BY 4.0).

Three shapes: `all_274_deaths_detailed.csv` (one row per death, 2003-2026),
`detailed_death_data.csv` (FY2018-2026, with `Name|date|FY|administration` packed into
`Subject`) and `cbp_deaths_in_custody.csv` (ACLU data on deaths in CBP custody).

Both ICE files describe the same deaths, so an ICE death is keyed by date and name
(`ice-deaths:<YYYY-MM-DD>:<name slug>`, the key the curated file uses too) and lands on one
incident. The full file ranks above the detailed one: it may update incidents the detailed
file wrote, never the reverse, and neither touches records another dataset (such as the
curated file) owns; for those it only adds its source and agency links.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from db.importers import datasets, values
from db.importers.bulk import Summary, remove_missing, upsert
from db.importers.datasets import Dataset
from db.importers.errors import ImportFailure
from db.importers.files import source_file
from db.importers.tabular import (
    Table,
    clean,
    dataset_ids,
    head_of,
    header_of,
    note_unread_columns,
    read_csv,
    replace_links,
    slugify,
    upsert_owned,
)

_REPO = "https://github.com/etchin/ice-detention-mortality"
ICE_DEATHS = Dataset(
    "ice-detention-deaths",
    "ICE detention deaths, 2003-2026 (all_274_deaths_detailed.csv)",
    _REPO,
    "CC-BY-4.0",
    "etchin/ice-detention-mortality, data/all_274_deaths_detailed.csv (CC BY 4.0), compiled"
    " from ICE detainee death reports, ICE FOIA records and The Guardian.",
)
ICE_DEATHS_DETAILED = Dataset(
    "ice-detention-deaths-detailed",
    "ICE detention deaths, FY2018-2026 (detailed_death_data.csv)",
    _REPO,
    "CC-BY-4.0",
    "etchin/ice-detention-mortality, data/detailed_death_data.csv (CC BY 4.0), compiled from"
    " ICE detainee death reports and The Guardian.",
)
CBP_DEATHS = Dataset(
    "cbp-deaths-in-custody",
    "CBP deaths in custody, 2011-2025 (cbp_deaths_in_custody.csv)",
    _REPO,
    "CC-BY-4.0",
    "etchin/ice-detention-mortality, data/cbp_deaths_in_custody.csv (CC BY 4.0), derived"
    " from ACLU data on deaths involving U.S. Customs and Border Protection.",
)
# (slug, name, abbreviation) of the agency each file is about.
ICE = ("ice", "U.S. Immigration and Customs Enforcement", "ICE")
CBP = ("cbp", "U.S. Customs and Border Protection", "CBP")

ICE_COLUMNS = (
    "Name",
    "Sex",
    "Age",
    "Country",
    "Date_of_Death",
    "Cause_of_Death",
    "Facility_Name",
    "Facility_Location",
    "PDF_URL",
)
ICE_DETAILED_COLUMNS = (
    "Subject",
    "Sex",
    "Age",
    "Country of Citizenship",
    "Cause of Death",
    "Facility Name",
    "Facility Location",
    "PDF URL",
)
CBP_COLUMNS = (
    "Case_Number",
    "Name",
    "Age",
    "Date",
    "Location",
    "State",
    "Nationality",
    "Incident_Type",
    "In_Custody",
    "Source",
)
# The CBP columns read when present; every other column not read is reported as unread.
CBP_READ = (*CBP_COLUMNS, "Firearm", "SBCC_Cause_of_Death")
# Known and deliberately not stored: the CBP file's `Date_Standardized` and `Year` restate
# its `Date`, which is stored.
READ_NOT_STORED = frozenset({"Date_Standardized", "Year"})
SEXES = {"male": "Male", "female": "Female"}
# Words that make the place part of a location a facility rather than a city.
FACILITY = re.compile(
    r"\b(facilit|cent(er|re)|penitentiary|jail|prison|hospital|hold|room|institut|complex"
    r"|correction|department|sheriff|staging|airport|detention|processing|service|station"
    r"|port of entry|poe)",
    re.IGNORECASE,
)
# Shot by an agent or officer (not, say, by a sniper firing at a facility).
SHOT = re.compile(r"\b(shot|shooting|gunshot)\b", re.IGNORECASE)
BY_AGENT = re.compile(r"\b(agents?|officers?)\b", re.IGNORECASE)
UNNAMED = re.compile(r"^\[?(unknown|unkown|name not released|not released)\]?$", re.IGNORECASE)
UNSTATED = {"", "not stated", "unknown", "n/a"}
STATE_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC",
    "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT",
    "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY", "district of columbia": "DC", "puerto rico": "PR",
}  # fmt: skip
PUBLISHERS = {
    "www.ice.gov": "U.S. Immigration and Customs Enforcement",
    "www.theguardian.com": "The Guardian",
}


@dataclass
class Death:
    """One death as a file reports it."""

    line: int
    key: str
    name: str | None
    occurred_on: date
    kind: str
    city: str | None
    county: str | None
    state: str | None
    facility: str | None
    description: str | None
    age: int | None
    sex: str | None
    nationality: str | None
    source_url: str | None

    @property
    def person_slug(self) -> str | None:
        """The victim's slug: name and date, as names alone are not unique."""
        if self.name is None:
            return None
        return f"{slugify(self.name)}-{self.occurred_on.isoformat()}"


def kind_of_header(header: list[str] | None) -> str | None:
    """Which of the three files a header belongs to, by its distinctive columns."""
    columns = set(header or ())
    if {"Name", "Date_of_Death"} <= columns:
        return "ice"
    if {"Subject", "Cause of Death"} <= columns:
        return "ice-detailed"
    if {"Case_Number", "In_Custody"} <= columns:
        return "cbp"
    return None


def detect(path: Path, head: Any) -> bool:
    """Whether the file is one of the ICE or CBP deaths CSV files (from its first bytes)."""
    return path.suffix.lower() == ".csv" and kind_of_header(header_of(head)) is not None


def _day(path: Path, line: int, field: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ImportFailure(path, f"line {line}", f"{field} {raw!r} is not a date") from exc


def _age(path: Path, line: int, raw: str) -> int | None:
    """An age from `40` or `40.0`; words such as `Adult` or `Infant` mean unknown."""
    text = " ".join(raw.split())
    if not re.search(r"\d", text):
        return None
    age = values.integer(text, path, f"line {line}", "Age")
    if age is None or not 0 <= age <= 130:
        raise ImportFailure(path, f"line {line}", f"Age {raw!r} is out of range")
    return age


def _sex(path: Path, line: int, raw: str) -> str | None:
    text = raw.strip().lower()
    if text in UNSTATED:
        return None
    if text not in SEXES:
        raise ImportFailure(path, f"line {line}", f"unknown Sex {raw!r}")
    return SEXES[text]


def _country(raw: str) -> str | None:
    text = clean(raw)
    if text is None or text.lower() in UNSTATED:
        return None
    return text.title() if text.isupper() else text


def _url(path: Path, line: int, field: str, raw: str) -> str:
    url = raw.strip()
    if not re.match(r"^https?://\S+$", url):
        raise ImportFailure(path, f"line {line}", f"{field} {raw!r} is not an http(s) URL")
    return url


def _state(raw: str) -> str | None:
    """A state code from `MN`, `Texas` or `Texas (TX)`, or None if it is not clearly one."""
    text = clean(raw) or ""
    coded = re.fullmatch(r".*\(([A-Z]{2})\)", text)
    if coded:
        text = coded.group(1)
    if text.upper() in values.STATES and len(text) == 2:
        return text.upper()
    return STATE_NAMES.get(text.lower())


def parse_location(raw: str) -> tuple[str | None, str | None, str | None]:
    """(city, county, state) from `Minneapolis, MN`, `Nassau County, NY` or
    `Stewart Detention Center, GA` (a facility: state only); None where it is not clear."""
    text = clean(raw)
    if text is None or "/" in text or "," not in text:
        return None, None, None
    place, _, region = (part.strip() for part in text.rpartition(","))
    state = _state(region)
    if state is None or not place or "," in place:
        return None, None, None
    if FACILITY.search(place):
        return None, None, state
    county = re.fullmatch(r"(.+) (County|Parish)", place)
    if county:
        return None, county.group(1), state
    return place, None, state


def _kind(cause: str | None) -> str:
    if cause and SHOT.search(cause) and BY_AGENT.search(cause):
        return "shooting"
    return "death_in_custody"


def ice_key(name: str, day: date) -> str:
    """The natural key of an ICE death, shared with the curated file."""
    return f"ice-deaths:{day.isoformat()}:{slugify(name)}"


def _ice_death(
    table: Table,
    line: int,
    name: str,
    day: date,
    get: Callable[[str], str],
    columns: tuple[str, ...],
) -> Death:
    """A death from the columns both ICE files have, named by `columns` in this order: sex,
    age, country, cause, facility, location, source URL."""
    sex, age, country, cause, facility, location, url = columns
    path = table.path
    city, county, state = parse_location(get(location))
    description = clean(get(cause))
    return Death(
        line=line,
        key=ice_key(name, day),
        name=name,
        occurred_on=day,
        kind=_kind(description),
        city=city,
        county=county,
        state=state,
        facility=clean(get(facility)),
        description=description,
        age=_age(path, line, get(age)),
        sex=_sex(path, line, get(sex)),
        nationality=_country(get(country)),
        source_url=_url(path, line, url, get(url)),
    )


def _getter(table: Table, fields: list[str]) -> Callable[[str], str]:
    return lambda column: fields[table.columns[column]]


def parse_ice(table: Table) -> list[Death]:
    """The deaths in all_274_deaths_detailed.csv."""
    deaths = []
    for line, fields in table.records:
        get = _getter(table, fields)
        name = clean(get("Name"))
        if name is None:
            raise ImportFailure(table.path, f"line {line}", "Name is empty")
        day = _day(table.path, line, "Date_of_Death", get("Date_of_Death"))
        deaths.append(
            _ice_death(
                table,
                line,
                name,
                day,
                get,
                (
                    "Sex",
                    "Age",
                    "Country",
                    "Cause_of_Death",
                    "Facility_Name",
                    "Facility_Location",
                    "PDF_URL",
                ),
            )
        )
    return deaths


def parse_ice_detailed(table: Table) -> list[Death]:
    """The deaths in detailed_death_data.csv, whose Subject is `Name|date|FY|administration`."""
    deaths = []
    for line, fields in table.records:
        get = _getter(table, fields)
        parts = get("Subject").split("|")
        if len(parts) != 4:
            raise ImportFailure(
                table.path, f"line {line}", "Subject is not Name|date|FY|administration"
            )
        name = clean(parts[0])
        if name is None:
            raise ImportFailure(table.path, f"line {line}", "Subject has no name")
        day = _day(table.path, line, "Subject date", parts[1])
        values.integer(parts[2], table.path, f"line {line}", "Subject fiscal year")
        deaths.append(
            _ice_death(
                table,
                line,
                name,
                day,
                get,
                (
                    "Sex",
                    "Age",
                    "Country of Citizenship",
                    "Cause of Death",
                    "Facility Name",
                    "Facility Location",
                    "PDF URL",
                ),
            )
        )
    return deaths


def _flag(path: Path, line: int, field: str, raw: str) -> bool:
    text = raw.strip()
    if text not in ("0", "1"):
        raise ImportFailure(path, f"line {line}", f"{field} {raw!r} is not 0 or 1")
    return text == "1"


def parse_cbp(table: Table) -> list[Death]:
    """The deaths in cbp_deaths_in_custody.csv."""
    path = table.path
    deaths = []
    for line, fields in table.records:
        get = _getter(table, fields)
        case = values.integer(get("Case_Number"), path, f"line {line}", "Case_Number")
        if case is None:
            raise ImportFailure(path, f"line {line}", "Case_Number is empty")
        day = _day(path, line, "Date", get("Date"))
        name = clean(get("Name"))
        if name is not None and UNNAMED.match(name):
            name = None
        state = values.state(get("State"), path, f"line {line}")
        in_custody = _flag(path, line, "In_Custody", get("In_Custody"))
        firearm = "Firearm" in table.columns and _flag(path, line, "Firearm", get("Firearm"))
        items = [
            clean(item)
            for item in re.split(r"(?:^|\s)\d+\.\s", get("Incident_Type"))
            if clean(item)
        ]
        reported_by = clean(get("Source"))
        cause = (
            clean(get("SBCC_Cause_of_Death")) if "SBCC_Cause_of_Death" in table.columns else None
        )
        description = "; ".join(str(i) for i in items) or None
        if cause:
            description = f"{description}. {cause}" if description else cause
        if reported_by:
            description = f"{description} (reported by {reported_by})"
        place = (clean(get("Location")) or "").rstrip(",").strip()
        if state and place.endswith(f", {state}"):
            place = place[: -len(state) - 2]
        city = facility = None
        if place and FACILITY.search(place):
            facility = place
            if "," in place:
                city = place.split(",")[0].strip()
        elif place:
            city = place
        deaths.append(
            Death(
                line=line,
                key=f"cbp-death:{case}",
                name=name,
                occurred_on=day,
                kind="death_in_custody" if in_custody else "shooting" if firearm else "other",
                city=city,
                county=None,
                state=state,
                facility=facility,
                description=description,
                age=_age(path, line, get("Age")),
                sex=None,
                nationality=_country(get("Nationality")),
                source_url=None,
            )
        )
    return deaths


def _check_unique(path: Path, deaths: list[Death]) -> None:
    seen: dict[str, int] = {}
    for death in deaths:
        if death.key in seen:
            raise ImportFailure(
                path, f"line {death.line}", f"{death.key} is already on line {seen[death.key]}"
            )
        seen[death.key] = death.line


def _publisher(url: str) -> str | None:
    host = re.sub(r"^https?://([^/]+).*$", r"\1", url).lower()
    return PUBLISHERS.get(host)


async def write_deaths(
    conn: asyncpg.Connection,
    path: Path,
    deaths: list[Death],
    dataset: Dataset,
    lower: list[Dataset],
    agency: tuple[str, str, str],
) -> Summary:
    """Write the incidents, victims, agency and source links for `deaths`, set-based."""
    _check_unique(path, deaths)
    dataset_id = await datasets.ensure(conn, dataset)
    origin = source_file(path)
    writable = {dataset_id} | await dataset_ids(conn, lower)
    summary = Summary()

    counts, orgs, _ = await upsert_owned(
        conn,
        "organizations",
        ["slug", "name", "abbreviation", "kind", "dataset_id", "source_file"],
        [(agency[0], agency[1], agency[2], "agency", dataset_id, origin)],
        "slug",
        writable,
    )
    summary["organizations"].add(counts)

    source_rows: dict[str, tuple[str, str | None, str | None, int, str]] = {
        d.source_url: (d.source_url, None, _publisher(d.source_url), dataset_id, origin)
        for d in deaths
        if d.source_url
    }
    if any(d.source_url is None for d in deaths):
        # Rows without a report of their own cite the published file.
        source_rows[_REPO] = (
            _REPO,
            dataset.name,
            "etchin/ice-detention-mortality",
            dataset_id,
            origin,
        )
    counts, sources, _ = await upsert_owned(
        conn,
        "sources",
        ["url", "title", "publisher", "dataset_id", "source_file"],
        list(source_rows.values()),
        "url",
        writable,
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
            "facility",
            "outcome",
            "description",
            "dataset_id",
            "source_file",
        ],
        [
            (
                d.key,
                d.kind,
                d.occurred_on,
                "day",
                d.city,
                d.county,
                d.state,
                d.facility,
                "killed" if d.kind == "shooting" else "died",
                d.description,
                dataset_id,
                origin,
            )
            for d in deaths
        ],
        "external_key",
        writable,
    )
    summary["incidents"].add(counts)
    owned = [incidents[d.key] for d in deaths if d.key not in foreign]

    # Victims, only for incidents this file owns: another dataset names its own people.
    named = [d for d in deaths if d.key not in foreign and d.person_slug]
    person_rows = {d.person_slug: (d.person_slug, d.name, dataset_id, origin) for d in named}
    counts, people, _ = await upsert_owned(
        conn,
        "people",
        ["slug", "name", "dataset_id", "source_file"],
        list(person_rows.values()),
        "slug",
        writable,
    )
    summary["people"].add(counts)
    victim_rows = [
        (incidents[d.key], people[d.person_slug], "victim", d.age, d.sex, d.nationality)
        for d in named
    ]
    counts, _ = await upsert(
        conn,
        "incident_people",
        ["incident_id", "person_id", "role", "age", "sex", "nationality"],
        victim_rows,
        ["incident_id", "person_id", "role"],
    )
    counts.removed = await remove_missing(
        conn,
        "incident_people",
        "incident_id",
        owned,
        ["incident_id", "person_id", "role"],
        [r[:3] for r in victim_rows],
    )
    summary["incident_people"].add(counts)

    await replace_links(
        conn,
        summary,
        "incident_agencies",
        ["incident_id", "organization_id"],
        [(incidents[d.key], orgs[agency[0]]) for d in deaths],
        owned,
    )
    await replace_links(
        conn,
        summary,
        "incident_sources",
        ["incident_id", "source_id"],
        [(incidents[d.key], sources[d.source_url or _REPO]) for d in deaths],
        owned,
    )
    return summary


async def import_incidents(conn: asyncpg.Connection, path: Path) -> Summary:
    """Import one ICE or CBP deaths CSV file inside the caller's transaction."""
    path = Path(path)
    kind = kind_of_header(header_of(head_of(path)))
    if kind == "ice":
        table = read_csv(path, ICE_COLUMNS)
        deaths = parse_ice(table)
        summary = await write_deaths(conn, path, deaths, ICE_DEATHS, [ICE_DEATHS_DETAILED], ICE)
        note_unread_columns(summary, table, ICE_COLUMNS)
        return summary
    if kind == "ice-detailed":
        table = read_csv(path, ICE_DETAILED_COLUMNS)
        deaths = parse_ice_detailed(table)
        summary = await write_deaths(conn, path, deaths, ICE_DEATHS_DETAILED, [], ICE)
        note_unread_columns(summary, table, ICE_DETAILED_COLUMNS)
        return summary
    if kind == "cbp":
        table = read_csv(path, CBP_COLUMNS)
        deaths = parse_cbp(table)
        summary = await write_deaths(conn, path, deaths, CBP_DEATHS, [], CBP)
        note_unread_columns(summary, table, CBP_READ, READ_NOT_STORED)
        return summary
    read_csv(path, ())  # an empty or non-UTF-8 file is reported as such
    raise ImportFailure(path, "line 1", "not an ICE or CBP deaths CSV header")
