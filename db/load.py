"""Loading files into the database: format detection, one transaction per file."""

import asyncio
import json
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import defusedxml.ElementTree as defused
import yaml
from defusedxml import DefusedXmlException

from db.import_counts import count_import
from db.importers import (
    billstatus,
    congress_legislators,
    congresstweets,
    crec,
    curated,
    incidents_csv,
    ordering,
    uscongress_bills,
    uscongress_votes,
    voteview,
    wapo,
)
from db.importers.bulk import Summary
from db.importers.errors import ImportFailure
from db.importers.files import data_folder
from db.importers.sources import Archives, Source, expand, named_as_member

# The shipped files, in the order their cross references need: members and committees,
# then bills (BILLSTATUS first: it wins over the derived data.json), votes, curated records,
# incidents and statements. `load_shipped` imports the whole data folder, ordered by
# `db.importers.ordering`; tests/test_import_load.py checks that it imports each file here.
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
    "votes/uscongress/119/votes/2025/h2/data.json",
    "votes/uscongress/119/votes/2025/s3/data.json",
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


def read_xml(path: Path, raw: bytes) -> ET.Element:
    """The root of the XML document in `raw`, or ImportFailure naming the line.

    Parsed by defusedxml with DTDs forbidden: a document with a DOCTYPE (which could declare
    entities, the "billion laughs" and external-entity attacks) is refused before any entity
    is expanded.
    """
    try:
        return defused.fromstring(raw, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ImportFailure(path, None, f"XML with a DOCTYPE is not accepted ({exc})") from exc
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


class UnknownFormat(ImportFailure):
    """A file whose contents are in no format an importer reads (or not in the one named)."""


def choose_format(path: Path, data: Any, name: str | None = None) -> Format:
    """The format of `data`: the one named, checked against the contents, or the detected one."""
    if name is not None:
        chosen = next((f for f in FORMATS if f.name == name), None)
        if chosen is None:
            raise ImportFailure(
                path, None, f"unknown format {name!r}; known: {', '.join(FORMAT_NAMES)}"
            )
        if not chosen.detect(path, data):
            raise UnknownFormat(path, None, f"the contents are not in the {name} format")
        return chosen
    for candidate in FORMATS:
        if candidate.detect(path, data):
            return candidate
    raise UnknownFormat(path, None, "not a format this importer knows")


async def import_data(conn: asyncpg.Connection, path: Path, data: Any) -> Summary:
    """Import the parsed contents of one file inside the caller's transaction."""
    return await choose_format(path, data).run(conn, path, data)


@contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Callable[[str], None]]:
    if not enabled:
        yield lambda _name: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("importing", total=total)
        yield lambda name: bar.update(task, advance=1, description=name[-40:])


async def import_paths(
    url: str,
    paths: list[Path],
    *,
    fmt: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    data_dir: Path | None = None,
    keep_going: bool = False,
    strict: bool = False,
) -> Summary:
    """Import files, folders and zip archives, each file in its own transaction.

    Folders are walked recursively and archives read member by member (see
    `db.importers.sources`); files found there in a format no importer reads are skipped and
    listed in `Summary.skipped`. Every file is parsed once to learn its format, then the
    files are imported in dependency order (`db.importers.ordering`), each parsed again, so
    no more than two parsed documents are held at once.

    A refused file writes nothing. Without `keep_going` the first refusal raises
    ImportFailure naming the file (and record); with it, every good file is imported and the
    refusals are in `Summary.refused`. With `strict`, a file that carried keys no importer
    reads is refused. With `dry_run`, every file is imported and counted in one transaction
    (so later files see what earlier ones wrote), which is then rolled back.
    Records name their file relative to `data_dir` (the project's data folder by default).
    """
    summary = Summary()
    with data_folder(data_dir), Archives() as archives:
        plan = _plan(paths, fmt, archives, summary, keep_going)
        conn = await asyncpg.connect(url)
        try:
            # Each file's commit returns without waiting for its WAL flush; `_flush` below
            # waits once for all of them, so the run reports only what is durable.
            await conn.execute("SET synchronous_commit TO off")
            # A dry run imports every file inside one transaction that is rolled back at the
            # end, so a file sees what the files before it wrote, as in a real run.
            preview = conn.transaction() if dry_run else None
            if preview is not None:
                await preview.start()
            reads = _read_ahead(plan, archives)
            with _progress_bar(progress, len(plan)) as advance:
                async with aclosing(reads):
                    async for read in reads:
                        try:
                            summary.merge(await _import_one(conn, read, dry_run, strict))
                        except ImportFailure as failure:
                            if not keep_going:
                                raise
                            summary.refuse(read.item.source.name, str(failure))
                        advance(read.item.source.name)
            if preview is not None:
                await preview.rollback()
            await _flush(conn)
        except BaseException:
            with suppress(Exception):
                await _flush(conn)  # the files imported before the refusal stay imported
            raise
        finally:
            await conn.close()
    return summary


async def _flush(conn: asyncpg.Connection) -> None:
    """Wait until every transaction this connection committed is on disk.

    A transaction with an xid (txid_current assigns one) committed with synchronous_commit on
    waits for its commit record to be flushed, and so for all the WAL before it.
    """
    if conn.is_closed():
        return
    async with conn.transaction():
        await conn.execute("SET LOCAL synchronous_commit TO on")
        await conn.fetchval("SELECT txid_current()")


@dataclass(frozen=True)
class _Planned:
    """A file to import, with the format its contents were found to be in."""

    source: Source
    format: Format
    rank: int


def _member_failure(failure: ImportFailure, source: Source, on_disk: Path) -> ImportFailure:
    """`failure` naming the archive member instead of the temporary file it was read from."""
    if source.member is None or failure.path != str(on_disk):
        return failure
    named = type(failure)(source.name, failure.record, failure.problem)
    named.__cause__ = failure.__cause__
    return named


def _detect(source: Source, fmt: str | None, archives: Archives) -> _Planned:
    """Parse `source` once to learn its format and rank; the parsed document is dropped."""
    with archives.opened(source) as path:
        try:
            data = read_file(path)
            chosen = choose_format(path, data, fmt)
            return _Planned(source, chosen, ordering.rank(chosen.name, data))
        except ImportFailure as failure:
            raise _member_failure(failure, source, path) from failure.__cause__


def _plan(
    paths: list[Path], fmt: str | None, archives: Archives, summary: Summary, keep_going: bool
) -> list[_Planned]:
    """The files under `paths` in import order; skipped files and, with `keep_going`,
    refused ones are recorded in `summary`. Raises the first refusal without `keep_going`."""
    expanded = expand(paths)
    refusals = list(expanded.refused)
    for source in expanded.unread:
        summary.skip(source.name, "not a file type this importer reads")
    planned = []
    for source in expanded.found:
        try:
            planned.append(_detect(source, fmt, archives))
        except UnknownFormat as failure:
            if source.listed:
                refusals.append(failure)
            else:
                summary.skip(source.name, failure.problem)
        except ImportFailure as failure:
            refusals.append(failure)
    if refusals and not keep_going:
        raise refusals[0]
    for refusal in refusals:
        summary.refuse(refusal.path, str(refusal))
    if not planned and not refusals:
        raise ImportFailure(paths[0], None, "holds no file in a format this importer knows")
    return sorted(planned, key=lambda p: ordering.sort_key(p.rank, p.source.name))


@dataclass
class _Read:
    """A planned file read ahead: where it is on disk, and its parsed contents or why it
    could not be read. An archive member lives in `folder` until `close`."""

    item: _Planned
    path: Path
    data: Any = None
    failure: ImportFailure | None = None
    folder: tempfile.TemporaryDirectory[str] | None = None

    def close(self) -> None:
        if self.folder is not None:
            self.folder.cleanup()


def _read_planned(item: _Planned, archives: Archives) -> _Read:
    """Read and parse one planned file (extracting it first if it is an archive member)."""
    folder = None
    path = item.source.path
    try:
        if item.source.member is not None:
            folder = tempfile.TemporaryDirectory(prefix="redress-import-")
            path = archives.extract(item.source, Path(folder.name))
        return _Read(item, path, read_file(path), folder=folder)
    except ImportFailure as failure:
        return _Read(item, path, failure=failure, folder=folder)


async def _read_ahead(plan: list[_Planned], archives: Archives) -> AsyncGenerator[_Read, None]:
    """Each planned file, read and parsed in a thread while the previous one is written, so
    parsing overlaps the database's work. At most two parsed documents are held at once."""
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="redress-read") as pool:
        pending = [loop.run_in_executor(pool, _read_planned, item, archives) for item in plan[:1]]
        for index in range(len(plan)):
            read = await pending.pop()
            if index + 1 < len(plan):
                pending.append(loop.run_in_executor(pool, _read_planned, plan[index + 1], archives))
            try:
                yield read
            finally:
                read.close()


async def _import_one(
    conn: asyncpg.Connection, read: _Read, dry_run: bool, strict: bool
) -> Summary:
    """Import one file in its own transaction; ImportFailure names the file (or member)."""
    source = read.item.source
    try:
        if read.failure is not None:
            raise read.failure
        with named_as_member(source, read.path):
            return (await _write(conn, read, dry_run, strict)).noted_as(source.name)
    except ImportFailure as failure:
        raise _member_failure(failure, source, read.path) from failure.__cause__


async def _write(conn: asyncpg.Connection, read: _Read, dry_run: bool, strict: bool) -> Summary:
    """Run the file's importer inside a transaction, rolled back for a dry run or a refusal."""
    path = read.path
    result = Summary()
    try:
        # Inside a dry run's transaction this is a savepoint: a refused file is undone alone.
        async with conn.transaction():
            result = await read.item.format.run(conn, path, read.data)
            if strict and result.unread:
                raise ImportFailure(path, None, f"refused by --strict: {_unread(result)}")
        if not dry_run:
            count_import(result)
    except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError) as exc:
        raise ImportFailure(path, None, f"rejected by the database: {exc}") from exc
    return result


def _unread(summary: Summary) -> str:
    """The keys a file carried that were not read, as `a (2x), b (1x)`."""
    names: Counter[str] = Counter()
    for counted in summary.unread.values():
        names.update(counted)
    listed = ", ".join(f"{name} ({times}x)" for name, times in sorted(names.items()))
    return f"it carried keys no importer reads: {listed}"


async def load_files(url: str, paths: list[Path], data_dir: Path | None = None) -> Summary:
    """Import each file in its own transaction; a failing file writes nothing."""
    return await import_paths(url, paths, data_dir=data_dir)


async def load_shipped(url: str, data_dir: Path) -> Summary:
    """Import everything the project ships: the folder `data_dir`, walked as `redress import`
    walks it (its README and licence texts are skipped), in dependency order.

    Raises ImportFailure at the first file refused.
    """
    return await import_paths(url, [data_dir], data_dir=data_dir)
