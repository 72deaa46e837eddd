"""Bulk export at the edge (docs/export.md): `GET /export/{entity}.ndjson`, `.csv` and
`GET /export/manifest.json`, and the runner of `redress export DIR`.

Each file streams from one `REPEATABLE READ, READ ONLY` snapshot (db/export.py) through a
server-side cursor, gzip-compressed when `Accept-Encoding` allows it, and carries the data
version and change-feed cursor of its snapshot in `X-Redress-Data-Version` and
`X-Redress-Changes-Cursor`. Exports pass the same authentication and rate limit as
`/graphql` (one request each), are never cached, and answer 503 UNAVAILABLE with
`Retry-After` when the database cannot serve them.
"""

import asyncio
import json
import logging
import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import asyncpg
from graphql import GraphQLEnumType, GraphQLList, GraphQLNonNull, GraphQLSchema
from rich.console import Console
from rich.progress import Progress
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from api.http_errors import NOT_FOUND, coded
from api.http_limits import error_response
from db import export as exports
from db.model import ENTITIES
from db.pool import CONNECT_TIMEOUT_S, RETRY_AFTER_S, Database, StatementTimeout, Unavailable
from db.versions import data_version
from schema.errors import UNAVAILABLE
from schema.root import schema

log = logging.getLogger("redress.export")

DATA_VERSION = "X-Redress-Data-Version"
CHANGES_CURSOR = "X-Redress-Changes-Cursor"
RECORDS = "X-Redress-Records"
HEADERS = (DATA_VERSION, CHANGES_CURSOR, RECORDS)
BUSY_RETRY_S = 5


def _named(kind: Any) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def _names(kind: Any) -> dict[str, str]:
    if not isinstance(kind, GraphQLEnumType):
        raise ValueError(f"{kind} is not an enum")
    return {str(getattr(v.value, "value", v.value)): name for name, v in kind.values.items()}


def enum_names(graphql_schema: GraphQLSchema) -> exports.Enums:
    """Stored value -> GraphQL enum name for every enum column of the exported entities, as
    db/export.py's `Enums` wants them: what the API writes for each stored value."""
    found: dict[tuple[str, ...], dict[str, str]] = {}
    for type_name in exports.EXPORTS.values():
        object_type = graphql_schema.get_type(type_name)
        fields = getattr(object_type, "fields", {})
        for key, column in ENTITIES[type_name].columns.items():
            if column.kind == "enum":
                found[(type_name, key)] = _names(_named(fields[key].type))
            for sub, child in column.fields.items():
                if child.kind == "enum":
                    nested = _named(fields[key].type).fields[sub].type
                    found[(type_name, key, sub)] = _names(_named(nested))
    return found


def accepts_gzip(header: str | None) -> bool:
    """Whether an `Accept-Encoding` value (RFC 9110 §12.5.3) allows gzip: `gzip` (or
    `x-gzip`), else `*`, with a q-value above 0."""
    quality: dict[str, float] = {}
    for part in (header or "").split(","):
        coding, _, parameters = part.partition(";")
        q = 1.0
        name, _, value = parameters.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
        quality.setdefault(coding.strip().lower(), q)
    for coding in ("gzip", "x-gzip", "*"):
        if coding in quality:
            return quality[coding] > 0
    return False


def _unavailable(error: Unavailable | StatementTimeout | exports.NotMigrated) -> Response:
    return error_response(
        503,
        UNAVAILABLE,
        f"the database cannot serve the export now; retry later ({error})",
        headers={"Retry-After": str(RETRY_AFTER_S)},
        retryAfter=RETRY_AFTER_S,
    )


class Busy(Exception):
    """Every place for an export is taken."""


class Gate:
    """How many exports may hold a pooled connection at once: at most half the pool, so
    that exports never starve `/graphql`. Over it, 503 UNAVAILABLE with `Retry-After`."""

    def __init__(self) -> None:
        self.running = 0

    @contextmanager
    def place(self, database: Database) -> Iterator[None]:
        """Hold a place for the block; Busy when none is free."""
        if self.running >= max(1, database.pool.get_max_size() // 2):
            raise Busy
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1


def _busy() -> Response:
    return error_response(
        503,
        UNAVAILABLE,
        "too many exports are in progress on this server; retry later",
        headers={"Retry-After": str(BUSY_RETRY_S)},
        retryAfter=BUSY_RETRY_S,
    )


def _snapshot_headers(snap: exports.Snapshot) -> dict[str, str]:
    headers = {"Cache-Control": "no-store"}
    if snap.data_version is not None:
        headers[DATA_VERSION] = str(snap.data_version)
    if snap.cursor is not None:
        headers[CHANGES_CURSOR] = snap.cursor
    return headers


class ExportFile:
    """The ASGI response streaming one file; it stops when the client goes away."""

    def __init__(
        self, database: Database, gate: Gate, export: exports.Export, fmt: str, gzip: bool
    ) -> None:
        self.database = database
        self.gate = gate
        self.export = export
        self.format = fmt
        self.gzip = gzip
        self.started = False  # whether the status and headers went out

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            with self.gate.place(self.database):
                async with anyio.create_task_group() as group:

                    async def watch() -> None:
                        while (await receive())["type"] != "http.disconnect":
                            pass
                        group.cancel_scope.cancel()

                    group.start_soon(watch)
                    await self.respond(scope, receive, send)
                    group.cancel_scope.cancel()
        except Busy:
            await _busy()(scope, receive, send)

    async def respond(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with exports.pooled_snapshot(self.database) as snap:
                records = await snap.count(self.export)
                headers = {
                    **_snapshot_headers(snap),
                    RECORDS: str(records),
                    "Content-Type": exports.MEDIA_TYPES[self.format],
                    "Vary": "Accept-Encoding",
                }
                if self.gzip:
                    headers["Content-Encoding"] = "gzip"
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
                    }
                )
                self.started = True
                if scope.get("method") == "HEAD":  # the headers alone: no rows are read
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                    return
                compressor = exports.gzip_compressor() if self.gzip else None
                async for _rows, (chunk,) in exports.encoded(snap, self.export, [self.format]):
                    body = compressor.compress(chunk) if compressor is not None else chunk
                    if body:
                        await send({"type": "http.response.body", "body": body, "more_body": True})
                tail = compressor.flush() if compressor is not None else b""
                await send({"type": "http.response.body", "body": tail, "more_body": False})
        except (Unavailable, StatementTimeout, exports.NotMigrated) as error:
            if not self.started:
                await _unavailable(error)(scope, receive, send)
                return
            # Too late for a status: the response ends unfinished (no last chunk, no gzip
            # trailer), which the client sees as an incomplete read.
            log.warning("export of %s cut short: %s", self.export.name, error)


class ManifestCache:
    """The manifest of the latest data version, computed once per version in this process.

    The computation runs as a task of its own: a request that gives up (its client leaves)
    does not stop it, and requests that arrive meanwhile wait for the same one."""

    def __init__(self, compute: Callable[[], Awaitable[tuple[bytes, dict[str, str], int | None]]]):
        self.compute = compute
        self.version: int | None = None
        self.body: bytes = b""
        self.headers: dict[str, str] = {}
        self.task: asyncio.Task[None] | None = None

    async def get(self, version: int | None) -> tuple[bytes, dict[str, str]]:
        """The manifest of data version `version` or a later one (the body and headers).
        Raises what the computation raises."""
        while not self._covers(version):
            if self.task is None or self.task.done():
                # Started after `version` was read: its snapshot is at least that recent.
                self.task = asyncio.create_task(self._refresh(), name="redress-export-manifest")
                self.task.add_done_callback(lambda task: task.cancelled() or task.exception())
                await asyncio.shield(self.task)
                break
            await asyncio.shield(self.task)  # one already running may predate `version`
        return self.body, self.headers

    def _covers(self, version: int | None) -> bool:
        if not self.body or version is None or self.version is None:
            return False
        return self.version >= version

    async def _refresh(self) -> None:
        self.body, self.headers, self.version = await self.compute()


def routes(database: Callable[[], Database | None]) -> list[Route]:
    """`/export/manifest.json` and `/export/{entity}.{format}` over `database()`."""
    gate = Gate()
    plans: dict[str, exports.Export] = {}

    def plan(name: str) -> exports.Export:
        if name not in plans:
            plans[name] = exports.plan(name, enum_names(schema._schema))
        return plans[name]

    def opened() -> Database:
        db = database()
        assert db is not None, "the database opens before the first request"
        return db

    async def export_file(request: Request) -> Any:
        name, fmt = request.path_params["entity"], request.path_params["format"]
        if name not in exports.EXPORTS or fmt not in exports.FORMATS:
            return coded(
                404,
                NOT_FOUND,
                f"no export {name}.{fmt}: ask for /export/ENTITY.ndjson or /export/ENTITY.csv,"
                f" where ENTITY is one of {', '.join(exports.EXPORTS)}",
            )
        gzip = accepts_gzip(request.headers.get("accept-encoding"))
        return ExportFile(opened(), gate, plan(name), fmt, gzip)

    async def compute() -> tuple[bytes, dict[str, str], int | None]:
        db = opened()
        every = [plan(name) for name in exports.EXPORTS]
        with gate.place(db):
            async with exports.pooled_snapshot(db) as snap:
                body = await exports.manifest(snap, every)
        return exports.manifest_bytes(body), _snapshot_headers(snap), snap.data_version

    cache = ManifestCache(compute)

    async def manifest(_request: Request) -> Response:
        try:
            body, headers = await cache.get(await data_version(opened()))
        except (Unavailable, StatementTimeout, exports.NotMigrated) as error:
            return _unavailable(error)
        except Busy:
            return _busy()
        return Response(body, media_type="application/json", headers=headers)

    return [
        Route("/export/manifest.json", manifest, methods=["GET"]),
        Route("/export/{entity}.{format}", export_file, methods=["GET"]),
    ]


class ExportFailure(Exception):
    """Why `redress export` could not write its directory (one line for the user)."""


def entity_names(value: str) -> list[str]:
    """`--entities a,b`: export names (keys of db/export.py EXPORTS), in the order given;
    ValueError naming the unknown ones."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in exports.EXPORTS]
    if unknown or not names:
        raise ValueError(
            f"unknown entity {', '.join(unknown) or '(none given)'}: choose among"
            f" {', '.join(exports.EXPORTS)}"
        )
    return list(dict.fromkeys(names))


def export_command(
    url: str, directory: Path, names: list[str], formats: list[str], gzip: bool
) -> dict[str, Any]:
    """`redress export DIR`: every file of `names` in `formats` (`.gz` when `gzip`) and
    `manifest.json`, written into `directory` (created if missing) from one snapshot, with a
    progress bar on stderr; returns the manifest. Raises ExportFailure when the directory
    cannot be written or the database cannot be read; nothing is left half-written.
    SIGTERM, like Ctrl-C, cancels the export: its unfinished files are removed and
    KeyboardInterrupt is raised."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportFailure(f"cannot create {directory}: {error.strerror or error}") from error
    plans = [exports.plan(name, enum_names(schema._schema)) for name in names]
    try:
        return asyncio.run(_export(url, directory, plans, formats, gzip))
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None  # by SIGTERM (asyncio.run turns Ctrl-C into one)


def _cancel_on_sigterm() -> None:
    """SIGTERM cancels the running export task, as asyncio.run does for SIGINT: a signal
    handler that raised instead could interrupt the event loop itself at any instruction."""
    task = asyncio.current_task()
    if task is not None and threading.current_thread() is threading.main_thread():
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)


async def _export(
    url: str, directory: Path, plans: list[exports.Export], formats: list[str], gzip: bool
) -> dict[str, Any]:
    _cancel_on_sigterm()
    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise ExportFailure(f"the database cannot be reached: {error}") from error
    try:
        with _progress_bar() as progress:
            return await exports.export_directory(conn, directory, plans, formats, gzip, progress)
    except (Unavailable, StatementTimeout) as error:
        raise ExportFailure(f"the database failed during the export: {error}") from error
    except exports.NotMigrated as error:
        raise ExportFailure(str(error)) from error
    except OSError as error:
        raise ExportFailure(f"cannot write into {directory}: {error.strerror or error}") from error
    finally:
        await conn.close()


@contextmanager
def _progress_bar() -> Iterator[Callable[[int], Callable[[int], object]]]:
    """rich's progress bar on stderr (as `redress import` shows one), over the rows."""
    with Progress(console=Console(stderr=True), transient=True) as bar:

        def start(total: int) -> Callable[[int], object]:
            task = bar.add_task("exporting rows", total=total)
            return lambda rows: bar.update(task, advance=rows)

        yield start


def summary(manifest: dict[str, Any]) -> str:
    """What `redress export` prints: a line per file, then the snapshot's version and cursor."""
    lines = [f"{'file':<34} {'records':>9} {'bytes':>12}"]
    for entry in manifest["files"]:
        size = entry.get("compressedBytes", entry["bytes"])
        lines.append(f"{entry['path']:<34} {entry['records']:>9,} {size:>12,}")
    lines.append(
        f"data version {manifest['dataVersion']}; follow the change feed from"
        f" changes(after: {json.dumps(manifest['changesCursor'])})"
    )
    return "\n".join(lines)
