"""Loading files into the database: format detection, one transaction per file."""

import json
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

import asyncpg
import yaml

from db.importers import (
    billstatus,
    congress_legislators,
    congresstweets,
    crec,
    curated,
    incidents_csv,
    uscongress_bills,
    uscongress_votes,
    voteview,
    wapo,
)
from db.importers.bulk import Summary
from db.importers.errors import ImportFailure
from db.importers.files import data_folder

# The shipped files, in the order their cross references need: members and committees,
# then bills (BILLSTATUS first: it wins over the derived data.json), votes, curated records,
# incidents and statements.
SHIPPED = (
    "legislators/legislators-current.yaml",
    "legislators/committees-current.yaml",
    "legislators/committee-membership-current.yaml",
    "legislators/legislators-social-media.yaml",
    "bills/billstatus/BILLSTATUS-117hr1470.xml",
    "bills/billstatus/BILLSTATUS-117s492.xml",
    "bills/billstatus/BILLSTATUS-117hr1280.xml",
    "bills/billstatus-samples/BILLSTATUS-117s35.xml",
    "bills/billstatus-samples/BILLSTATUS-117sconres7.xml",
    "bills/billstatus-samples/BILLSTATUS-117hr6658.xml",
    "bills/billstatus-samples/BILLSTATUS-116hr5053.xml",
    "bills/billstatus-samples/BILLSTATUS-114s1300.xml",
    "bills/billstatus-samples/BILLSTATUS-114hr5278.xml",
    "bills/uscongress-json/117/bills/hr/hr1470/data.json",
    "votes/uscongress/117/votes/2021/h60/data.json",
    "votes/uscongress/116/votes/2020/h119/data.json",
    "votes/uscongress/119/votes/2025/h23/data.json",
    "votes/uscongress/119/votes/2025/s7/data.json",
    "votes/uscongress/119/votes/2025/s17/data.json",
    "votes/voteview/S116_members.csv",
    "votes/voteview/S116_rollcalls.csv",
    "votes/voteview/S116_votes.csv",
    # The curated Renee Good incident comes before the ICE files that also list her.
    "curated/qualified-immunity-ice.yaml",
    "incidents/ice_detention_deaths_all_274_deaths_detailed.csv",
    "incidents/ice_detention_deaths_detailed_death_data.csv",
    "incidents/cbp_deaths_in_custody.csv",
    "statements/CREC-2005-07-20-pt1-PgH6183.json",
    "statements/CREC-2005-07-20-pt1-PgH6190.json",
    "statements/CREC-2005-07-20-pt1-PgS8504-2.json",
    "statements/congresstweets-historical-users-filtered.json",
)

# libyaml's safe loader when PyYAML was built with it: the same documents, ten times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The parsed YAML document in `path`, or ImportFailure naming the line."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=SAFE_LOADER)
    except UnicodeDecodeError as exc:
        raise ImportFailure(path, f"byte {exc.start}", "not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise ImportFailure(path, where, f"invalid YAML: {exc}") from exc


def read_json(path: Path, raw: bytes) -> Any:
    """The parsed JSON document in `raw` (strict UTF-8), or ImportFailure naming the line."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ImportFailure(path, f"byte {exc.start}", "not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise ImportFailure(path, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from exc


class _RootReached(Exception):
    pass


def _refuse_doctype(path: Path, raw: bytes) -> None:
    """Raise ImportFailure if the document has a DOCTYPE (and so could declare entities)."""

    def doctype(*_: Any) -> None:
        raise ImportFailure(path, None, "XML with a DOCTYPE is not accepted")

    def root(*_: Any) -> None:
        raise _RootReached

    scanner = expat.ParserCreate()
    scanner.StartDoctypeDeclHandler = doctype
    scanner.StartElementHandler = root
    try:
        scanner.Parse(raw, True)
    except (_RootReached, expat.ExpatError):
        return  # a document error is reported by the real parse


def read_xml(path: Path, raw: bytes) -> ET.Element:
    """The root of the XML document in `raw`, or ImportFailure naming the line.

    Documents with a DOCTYPE are refused, so no entity can be declared or expanded.
    """
    _refuse_doctype(path, raw)
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        line, column = exc.position
        raise ImportFailure(path, f"line {line}, column {column}", f"invalid XML: {exc}") from exc


def read_file(path: Path) -> Any:
    """The parsed contents of `path`, or ImportFailure saying why it cannot be read."""
    if path.is_dir():
        raise ImportFailure(path, None, "is a directory, not a file")
    if not path.exists():
        raise ImportFailure(path, None, "does not exist")
    if path.suffix not in (".yaml", ".yml", ".json", ".xml", ".csv"):
        raise ImportFailure(path, None, "unsupported file type")
    if path.suffix == ".csv":
        with path.open("rb") as handle:
            head = handle.read(4096)
        if not head.strip():
            raise ImportFailure(path, None, "the file is empty")
        return head
    if path.suffix in (".json", ".xml"):
        raw = path.read_bytes()
        if not raw.strip():
            raise ImportFailure(path, None, "the file is empty")
        return read_json(path, raw) if path.suffix == ".json" else read_xml(path, raw)
    data = read_yaml(path)
    if data is None:
        raise ImportFailure(path, None, "the file is empty")
    return data


@dataclass(frozen=True)
class Format:
    """A file format: how to recognise a file by its contents, and how to import it.

    `detect` sees the path and what `read_file` returned: the parsed document, or the first
    bytes of a CSV file (CSV importers read the whole file themselves, as a stream).
    """

    name: str
    detect: Callable[[Path, Any], bool]
    run: Callable[[asyncpg.Connection, Path, Any], Awaitable[Summary]]


def _on_data(check: Callable[[Any], bool]) -> Callable[[Path, Any], bool]:
    return lambda _path, data: check(data)


def _whole_file(
    run: Callable[[asyncpg.Connection, Path], Awaitable[Summary]],
) -> Callable[[asyncpg.Connection, Path, Any], Awaitable[Summary]]:
    return lambda conn, path, _data: run(conn, path)


def _legislators_kind(kind: str) -> Callable[[Path, Any], bool]:
    return lambda _path, data: congress_legislators.kind_of(data) == kind


FORMATS = [
    Format("curated", _on_data(curated.is_curated), curated.import_curated),
    Format("billstatus", _on_data(billstatus.is_billstatus), billstatus.import_billstatus),
    Format("bill-json", _on_data(uscongress_bills.is_bill_json), uscongress_bills.import_bill_json),
    Format("vote-json", _on_data(uscongress_votes.is_vote_json), uscongress_votes.import_vote_json),
    Format("vote-xml", _on_data(uscongress_votes.is_vote_xml), uscongress_votes.import_vote_xml),
    Format("voteview", voteview.detect, _whole_file(voteview.import_voteview)),
    Format("incidents-csv", incidents_csv.detect, _whole_file(incidents_csv.import_incidents)),
    Format("wapo", wapo.detect, _whole_file(wapo.import_wapo)),
    Format("crec", crec.detect, _whole_file(crec.import_crec)),
    Format(
        "congresstweets", congresstweets.detect, _whole_file(congresstweets.import_congresstweets)
    ),
    *(
        Format(kind, _legislators_kind(kind), run)
        for kind, run in congress_legislators.IMPORTERS.items()
    ),
]
FORMAT_NAMES = [f.name for f in FORMATS]


def choose_format(path: Path, data: Any, name: str | None = None) -> Format:
    """The format of `data`: the one named, checked against the contents, or the detected one."""
    if name is not None:
        chosen = next((f for f in FORMATS if f.name == name), None)
        if chosen is None:
            raise ImportFailure(
                path, None, f"unknown format {name!r}; known: {', '.join(FORMAT_NAMES)}"
            )
        if not chosen.detect(path, data):
            raise ImportFailure(path, None, f"the contents are not in the {name} format")
        return chosen
    for candidate in FORMATS:
        if candidate.detect(path, data):
            return candidate
    raise ImportFailure(path, None, "not a format this importer knows")


async def import_data(conn: asyncpg.Connection, path: Path, data: Any) -> Summary:
    """Import the parsed contents of one file inside the caller's transaction."""
    return await choose_format(path, data).run(conn, path, data)


class _DryRun(Exception):
    """Raised inside a file's transaction to roll it back after a dry run."""


@contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Callable[[Path], None]]:
    if not enabled:
        yield lambda _path: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("importing", total=total)
        yield lambda path: bar.update(task, advance=1, description=path.name)


async def import_paths(
    url: str,
    paths: list[Path],
    *,
    fmt: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    data_dir: Path | None = None,
) -> Summary:
    """Import each file in its own transaction; a failing file writes nothing.

    With `dry_run`, every file is imported and counted, then rolled back. Records name their
    file relative to `data_dir` (the project's data folder by default).
    """
    summary = Summary()
    conn = await asyncpg.connect(url)
    try:
        with _progress_bar(progress, len(paths)) as advance, data_folder(data_dir):
            for path in paths:
                data = read_file(path)
                chosen = choose_format(path, data, fmt)
                try:
                    async with conn.transaction():
                        summary.merge(await chosen.run(conn, path, data))
                        if dry_run:
                            raise _DryRun
                except _DryRun:
                    pass
                except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as exc:
                    raise ImportFailure(path, None, f"rejected by the database: {exc}") from exc
                advance(path)
    finally:
        await conn.close()
    return summary


async def load_files(url: str, paths: list[Path], data_dir: Path | None = None) -> Summary:
    """Import each file in its own transaction; a failing file writes nothing."""
    return await import_paths(url, paths, data_dir=data_dir)


async def load_shipped(url: str, data_dir: Path) -> Summary:
    """Import everything the project ships in `data_dir`."""
    return await load_files(url, [data_dir / name for name in SHIPPED], data_dir)
