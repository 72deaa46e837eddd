"""Bulk export (docs/export.md): every live record of an entity from one consistent snapshot,
with the API's global ids and GraphQL field names, as NDJSON or CSV, streamed in batches.

The fields come from the model (db/model.py): each entity's columns with their kinds, its
to-one relations and unions written as the related row's global id, and for a child list
(positions, cosponsorships, terms, ...) its parent, found from the parent's connection to it.
Values are rendered in SQL by db/compiled.py, so a date, an enum or an id reads exactly as
the API writes it. Rows come in primary-key order: an unchanged database gives the same bytes.
"""

import csv
import hashlib
import io
import json
import re
import zlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from db import changes, soft_delete
from db.compiled import Builder, global_id
from db.model import ENTITIES, Column, Entity
from db.pool import Database, Executor, acquire, translate
from db.versions import data_version

# URL name -> GraphQL type. Node types by their root list field; child lists by the
# kebab-case plural of their type.
EXPORTS: dict[str, str] = {
    "legislators": "Legislator",
    "committees": "Committee",
    "bills": "Bill",
    "votes": "Vote",
    "statements": "Statement",
    "incidents": "Incident",
    "people": "Person",
    "organizations": "Organization",
    "sources": "Source",
    "topics": "Topic",
    "terms": "Term",
    "leadership-roles": "LeadershipRole",
    "committee-memberships": "CommitteeMembership",
    "cosponsorships": "Cosponsorship",
    "vote-positions": "VotePosition",
}
# The record each child list belongs to: the one the change feed reports UPDATED when a row
# of the list changes (migration 0015), so a partner refreshes the list from that parent.
OWNERS = {
    "Term": "Legislator",
    "LeadershipRole": "Legislator",
    "CommitteeMembership": "Committee",
    "Cosponsorship": "Bill",
    "VotePosition": "Vote",
}
FORMATS = ("ndjson", "csv")
MEDIA_TYPES = {"ndjson": "application/x-ndjson", "csv": "text/csv; charset=utf-8; header=present"}

# The soft-delete rule of each type that has one, over the entity's alias (db/soft_delete.py).
LIVE = {
    "Statement": soft_delete.STATEMENT,
    "Incident": soft_delete.INCIDENT,
    "Source": soft_delete.SOURCE,
    "Topic": soft_delete.TOPIC,
    "Person": soft_delete.PERSON,
    "Organization": soft_delete.ORGANIZATION,
}

BATCH_ROWS = 2000
GZIP_LEVEL = 6
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")

# Enum names per (type, field) or (type, field, subfield): stored value -> GraphQL name.
Enums = Mapping[tuple[str, ...], Mapping[str, str]]


def is_node(entity: Entity) -> bool:
    """Whether rows of `entity` have a global id the API serves (`node(id:)`)."""
    return any(column.kind == "id" for column in entity.columns.values())


@dataclass(frozen=True)
class Parent:
    """A child list's parent: the field naming it, its entity, the connection from it to the
    children (`Vote.positions`) and the child's column holding its key."""

    field: str
    entity: Entity
    connection: str
    key: str


def parents(child: Entity) -> list[Parent]:
    """The node entities whose connection lists `child` rows from the child's own table,
    each once, in db/model.py's order."""
    found: dict[str, Parent] = {}
    own_table = [child.table, child.alias]
    for entity in filter(is_node, ENTITIES.values()):
        for name, connection in entity.connections.items():
            if connection.entity == child.type_name and (
                connection.listing.from_.split()[:2] == own_table
            ):
                key = entity.type_name[0].lower() + entity.type_name[1:]
                found.setdefault(key, Parent(key, entity, name, connection.parent_key))
    return list(found.values())


@dataclass(frozen=True)
class Field:
    """One exported field: its GraphQL name, its kind (a column's kind, `ref` for a related
    row's global id, `parent` for a child list's parent's global id where the child type has
    no such field), and SQL giving its JSON text and its CSV text (NULL for null)."""

    name: str
    kind: str
    json: str
    text: str


@dataclass(frozen=True)
class Export:
    """One exportable entity: its URL name, its entity, its fields with the parameters their
    SQL takes, its parent when it is a child list, and the condition of a live row."""

    name: str
    entity: Entity
    fields: tuple[Field, ...]
    parent: Parent | None
    params: tuple[Any, ...] = field(repr=False)
    live: str | None

    @property
    def names(self) -> list[str]:
        """The field names, in order: the CSV header."""
        return [f.name for f in self.fields]

    def refetch(self) -> dict[str, Any]:
        """How a partner fetches records of this file again through GraphQL after the change
        feed reports them (docs/export.md, examples/python/mirror.py): `selection`, the
        selection set on the record's type that answers its fields; `references`, the fields
        the export writes as the related record's global id (asked as `{ ... on Node { id }
        }`); for a child list, `parent`: the field holding the parent's id and the parent's
        connection listing every child (default arguments), 100 a page."""
        parts = []
        for f in self.fields:
            if f.kind == "object":
                parts.append(f"{f.name} {{ {' '.join(self.entity.columns[f.name].fields)} }}")
            elif f.kind == "ref":
                parts.append(f"{f.name} {{ ... on Node {{ id }} }}")
            elif f.kind != "parent":
                parts.append(f.name)
        how: dict[str, Any] = {
            "selection": " ".join(parts),
            "references": [f.name for f in self.fields if f.kind == "ref"],
        }
        if self.parent is not None:
            how["parent"] = {
                "field": self.parent.field,
                "type": self.parent.entity.type_name,
                "connection": self.parent.connection,
            }
        return how

    def _from(self) -> str:
        e = self.entity
        where = f" WHERE {self.live}" if self.live else ""
        return f"FROM {e.table} {e.alias}{where}"

    def select(self, formats: Sequence[str]) -> str:
        """The statement giving, per row in primary-key order, the NDJSON line (when
        `ndjson` is in `formats`) then each CSV cell (when `csv` is)."""
        columns = []
        if "ndjson" in formats:
            pieces = [
                f"'{'{' if i == 0 else ','}\"{f.name}\":' || coalesce({f.json}, 'null')"
                for i, f in enumerate(self.fields)
            ]
            columns.append("(" + " || ".join(pieces) + " || '}')")
        if "csv" in formats:
            columns.extend(f.text for f in self.fields)
        e = self.entity
        return f"SELECT {', '.join(columns)} {self._from()} ORDER BY {e.alias}.{e.primary_key}"

    def count(self) -> str:
        """The statement counting the rows."""
        return f"SELECT count(*) {self._from()}"


def _value(
    builder: Builder, column: Column, t: str, enum: Mapping[str, str] | None
) -> tuple[str, str]:
    """(JSON text, CSV text) SQL of one column that is not an object."""
    rendered = builder.leaf(column, t, dict(enum) if enum is not None else None)
    if column.kind == "value":
        return f"to_json({rendered})::text", f"({rendered})::text"
    if column.kind == "array":
        return f"({rendered})::text", f"({rendered})::text"
    return f"to_json({rendered})::text", rendered  # date, datetime, enum: text already


def _object(builder: Builder, column: Column, t: str, enums: Enums, path: tuple[str, ...]) -> str:
    """JSON text SQL of an object column: its fields in order, compact, or NULL."""
    pieces = []
    for i, (name, child) in enumerate(column.fields.items()):
        json, _text = _value(builder, child, t, enums.get((*path, name)))
        pieces.append(f"'{'{' if i == 0 else ','}\"{name}\":' || coalesce({json}, 'null')")
    body = "(" + " || ".join(pieces) + " || '}')"
    if column.null_when:
        return f"CASE WHEN {column.null_when.format(t=t)} THEN NULL ELSE {body} END"
    return body


def _reference(builder: Builder, target: Entity, join: str, order: str, t: str) -> str:
    """Text SQL of the global id of the `target` row joined by `join` (`{t}`, `{r}`)."""
    r = builder.alias(target.alias)
    key = global_id(target.global_id, f"{r}.{target.primary_key}", builder.params)
    condition = join.format(t=t, r=r)
    return f"(SELECT {key} FROM {target.table} {r} WHERE {condition}{order.format(r=r)} LIMIT 1)"


def plan(name: str, enums: Enums) -> Export:
    """The export called `name` (a key of EXPORTS), its enums named by `enums`. KeyError
    for an unknown name; db.compiled's Uncovered for a column it cannot render (an enum
    without names), ValueError for a field name that is not a GraphQL name."""
    entity = ENTITIES[EXPORTS[name]]
    builder, t, fields = Builder(), entity.alias, []
    for key, column in entity.columns.items():
        if not _NAME.fullmatch(key):
            raise ValueError(f"{entity.type_name}.{key} is not a GraphQL name")
        path = (entity.type_name, key)
        if column.kind == "id":
            text = global_id(entity.global_id, column.sql.format(t=t), builder.params)
            fields.append(Field(key, "id", f"to_json({text})::text", text))
        elif column.kind == "object":
            json = _object(builder, column, t, enums, path)
            fields.append(Field(key, "object", json, json))
        else:
            json, text = _value(builder, column, t, enums.get(path))
            fields.append(Field(key, column.kind, json, text))
    for key, relation in entity.to_one.items():
        target = ENTITIES[relation.entity]
        if is_node(target):  # a related row without a global id (a current term) is left out
            text = _reference(builder, target, relation.join, relation.order, t)
            fields.append(Field(key, "ref", f"to_json({text})::text", text))
    for key, branches in entity.unions.items():
        cases = " ".join(
            f"WHEN {b.when.format(t=t)} THEN"
            f" {_reference(builder, ENTITIES[b.entity], b.join, '', t)}"
            for b in branches
        )
        text = f"CASE {cases} END"
        fields.append(Field(key, "ref", f"to_json({text})::text", text))
    parent = None
    if not is_node(entity):
        declared = {f.name for f in fields}
        for found in parents(entity):
            if found.entity.type_name == OWNERS[entity.type_name]:
                parent = found
            if found.field not in declared:
                text = global_id(found.entity.global_id, found.key, builder.params)
                fields.append(Field(found.field, "parent", f"to_json({text})::text", text))
    return Export(
        name=name,
        entity=entity,
        fields=tuple(fields),
        parent=parent,
        params=tuple(builder.params.values),
        live=entity.live.format(t=t) if entity.live else LIVE.get(entity.type_name),
    )


def encode_ndjson(rows: Sequence[asyncpg.Record]) -> bytes:
    """NDJSON (https://github.com/ndjson/ndjson-spec): one JSON object a line, `\\n` after
    each, UTF-8. Each row's first value is its line."""
    return ("\n".join(row[0] for row in rows) + "\n").encode() if rows else b""


class CsvEncoder:
    """RFC 4180 CSV (comma, CRLF, a field quoted when it holds a comma, quote or line break,
    quotes doubled) through the csv module: the header, then rows of text cells, where
    `offset` is the index of the first cell in each row. A null is an empty cell."""

    def __init__(self, offset: int = 0) -> None:
        self.offset = offset
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, dialect="excel", lineterminator="\r\n")

    def header(self, names: Sequence[str]) -> bytes:
        """The header row."""
        self.writer.writerow(names)
        return self._take()

    def encode(self, rows: Sequence[asyncpg.Record]) -> bytes:
        """The CSV lines of `rows`."""
        if self.offset:
            self.writer.writerows(tuple(row)[self.offset :] for row in rows)
        else:
            self.writer.writerows(rows)
        return self._take()

    def _take(self) -> bytes:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text.encode()


def gzip_compressor() -> Any:
    """A streaming gzip (RFC 1952) compressor; its header carries no time or name, so that
    the same content always compresses to the same bytes."""
    return zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)


@dataclass(frozen=True)
class Snapshot:
    """An open `REPEATABLE READ, READ ONLY` transaction: everything read through it sees the
    database as it was at its first statement. `data_version` is db/versions.py's version of
    that state (None before migration 0009); `cursor` the change-feed position it covers."""

    conn: asyncpg.Connection | PoolConnectionProxy
    data_version: int | None
    cursor: str | None

    async def count(self, export: Export) -> int:
        """How many rows `export` has in this snapshot."""
        return int(await Executor(self.conn).fetchval(export.count()))

    async def batches(
        self, export: Export, formats: Sequence[str], size: int = BATCH_ROWS
    ) -> AsyncIterator[list[asyncpg.Record]]:
        """The rows of `export.select(formats)`, `size` at a time, from a server-side cursor.
        Raises db.pool's Unavailable or StatementTimeout when the database fails."""
        try:
            cursor = await self.conn.cursor(export.select(formats), *export.params)
            while rows := await cursor.fetch(size):
                yield rows
        except Exception as error:
            _raise_translated(error)


async def feed_cursor(db: Executor) -> str | None:
    """The change feed's cursor (as `changes(after:)` takes it) at the newest change settled
    in the current snapshot (db/changes.py `newest`). A settled change's transaction ended
    before the snapshot began, so a snapshot holds every change up to this cursor; the ones
    after it it may or may not hold."""
    return await changes.newest(db)


# What a snapshot reads besides the data: the data version (0009) and the change feed (0014).
MIGRATED = "SELECT to_regclass('data_version') IS NOT NULL AND to_regclass('changes') IS NOT NULL"


class NotMigrated(Exception):
    """The database lacks the tables an export reads: its migrations have not run."""


def _raise_translated(error: Exception) -> NoReturn:
    """Raise `error` as db.pool's Unavailable or StatementTimeout when it is one of those
    faults, else as it is."""
    translated = translate(error)
    if translated is error:
        raise error
    raise translated from error


@asynccontextmanager
async def snapshot(conn: asyncpg.Connection | PoolConnectionProxy) -> AsyncIterator[Snapshot]:
    """A `REPEATABLE READ, READ ONLY` transaction on `conn` with its data version and feed
    cursor read first; rolled back at the end, as it writes nothing. Raises NotMigrated
    before migrations 0009 and 0014, db.pool's Unavailable or StatementTimeout when the
    database fails."""
    transaction = conn.transaction(isolation="repeatable_read", readonly=True)
    try:
        await transaction.start()
    except Exception as error:
        _raise_translated(error)
    try:
        db = Executor(conn)
        if not await db.fetchval(MIGRATED):
            raise NotMigrated("the database is not migrated: run `redress migrate`")
        yield Snapshot(conn, await data_version(db), await feed_cursor(db))
    finally:
        with suppress(Exception):  # a connection that broke has no transaction left to end
            await transaction.rollback()


@asynccontextmanager
async def pooled_snapshot(database: Database) -> AsyncIterator[Snapshot]:
    """`snapshot` on a connection of `database`'s pool, held until the block ends. Raises
    db.pool's Unavailable when no connection comes (db.pool.acquire) or the server fails."""
    async with AsyncExitStack() as stack:
        try:
            conn = await stack.enter_async_context(acquire(database.pool))
        except Exception as error:
            _raise_translated(error)
        yield await stack.enter_async_context(snapshot(conn))


@dataclass
class Digest:
    """Counts and hashes (SHA-256) one file's content as it streams, and its gzip form when
    `gzip`; `write` receives the bytes to store (the compressed ones when `gzip`)."""

    path: str
    export: Export
    format: str
    gzip: bool = False
    write: Callable[[bytes], object] | None = None
    records: int = 0
    size: int = 0
    sha256: Any = field(default_factory=hashlib.sha256)
    compressed_size: int = 0
    compressed_sha256: Any = field(default_factory=hashlib.sha256)
    compressor: Any = None

    def __post_init__(self) -> None:
        if self.gzip:
            self.compressor = gzip_compressor()

    def add(self, chunk: bytes) -> None:
        """Take the next bytes of the file's content."""
        self.size += len(chunk)
        self.sha256.update(chunk)
        self._out(self.compressor.compress(chunk) if self.gzip else chunk)

    def finish(self) -> dict[str, Any]:
        """Flush, and the file's manifest entry."""
        if self.gzip:
            self._out(self.compressor.flush())
        entry: dict[str, Any] = {
            "path": self.path,
            "entity": self.export.name,
            "type": self.export.entity.type_name,
            "format": self.format,
            "fields": self.export.names,
            "graphql": self.export.refetch(),
            "records": self.records,
            "bytes": self.size,
            "sha256": self.sha256.hexdigest(),
        }
        if self.gzip:
            entry["compressedBytes"] = self.compressed_size
            entry["compressedSha256"] = self.compressed_sha256.hexdigest()
        return entry

    def _out(self, chunk: bytes) -> None:
        if self.gzip and chunk:
            self.compressed_size += len(chunk)
            self.compressed_sha256.update(chunk)
        if self.write is not None and chunk:
            self.write(chunk)


async def encoded(
    snap: Snapshot, export: Export, formats: Sequence[str]
) -> AsyncIterator[tuple[int, list[bytes]]]:
    """The files of `export` in `formats` (each at most once), read in one pass: per batch,
    how many rows it has and the next bytes of each file, in `formats` order. The first
    item has no rows and holds the CSV header (b"" for NDJSON)."""
    offset = 1 if "ndjson" in formats else 0
    csv_encoder = CsvEncoder(offset)
    yield 0, [csv_encoder.header(export.names) if f == "csv" else b"" for f in formats]
    order = ["ndjson", "csv"]
    async for rows in snap.batches(export, [f for f in order if f in formats]):
        yield (
            len(rows),
            [encode_ndjson(rows) if f == "ndjson" else csv_encoder.encode(rows) for f in formats],
        )


async def digest(
    snap: Snapshot,
    export: Export,
    digests: Sequence[Digest],
    advance: Callable[[int], object] | None = None,
) -> None:
    """Stream every file of `export` into its digest (one per format) in one pass;
    `advance(n)` is told of each batch of n rows."""
    async for rows, chunks in encoded(snap, export, [d.format for d in digests]):
        for one, chunk in zip(digests, chunks, strict=True):
            one.records += rows
            one.add(chunk)
        if advance is not None and rows:
            advance(rows)


def manifest_body(snap: Snapshot, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The manifest: the snapshot's data version and feed cursor, and one entry per file."""
    return {
        "format": "redress-export/1",
        "dataVersion": snap.data_version,
        "changesCursor": snap.cursor,
        "files": entries,
    }


async def manifest(snap: Snapshot, exports: Sequence[Export]) -> dict[str, Any]:
    """The manifest of every file of `exports` in every format, each streamed through
    SHA-256 in this one snapshot (memory stays flat)."""
    entries: list[dict[str, Any]] = []
    for export in exports:
        digests = [Digest(f"{export.name}.{fmt}", export, fmt) for fmt in FORMATS]
        await digest(snap, export, digests)
        entries.extend(one.finish() for one in digests)
    return manifest_body(snap, entries)


def manifest_bytes(body: dict[str, Any]) -> bytes:
    """The manifest as the file `manifest.json` holds it: indented JSON and a newline."""
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode()


MANIFEST = "manifest.json"


async def export_directory(
    conn: asyncpg.Connection,
    directory: Path,
    exports: Sequence[Export],
    formats: Sequence[str],
    gzip: bool,
    progress: Callable[[int], Callable[[int], object]] | None = None,
) -> dict[str, Any]:
    """Write the files of `exports` in `formats` (`.gz` when `gzip`) and `manifest.json`
    into `directory`, all from one snapshot on `conn`; returns the manifest.

    Files are written under temporary names (`.NAME.partial`) and renamed once every one is
    complete: an old manifest is removed first and the new one renamed last, so a manifest
    in the directory always describes the files beside it. On any failure the temporary
    files are removed and the error raised: OSError for the directory, db.pool's Unavailable
    or StatementTimeout for the database. `progress(total_rows)` returns the function told
    of each batch of rows written."""
    partial: list[tuple[Path, Path, Any]] = []  # (temporary, final, open file)
    try:
        async with snapshot(conn) as snap:
            advance = None
            if progress is not None:
                total = sum([await snap.count(export) for export in exports])
                advance = progress(total)
            entries: list[dict[str, Any]] = []
            for export in exports:
                digests = []
                for fmt in formats:
                    name = f"{export.name}.{fmt}" + (".gz" if gzip else "")
                    temporary = directory / f".{name}.partial"
                    out = temporary.open("wb")
                    partial.append((temporary, directory / name, out))
                    digests.append(Digest(name, export, fmt, gzip=gzip, write=out.write))
                await digest(snap, export, digests, advance)
                entries.extend(one.finish() for one in digests)
            body = manifest_body(snap, entries)
        temporary = directory / f".{MANIFEST}.partial"
        out = temporary.open("wb")
        partial.append((temporary, directory / MANIFEST, out))
        out.write(manifest_bytes(body))
        for _temporary, _final, out in partial:
            out.close()
        (directory / MANIFEST).unlink(missing_ok=True)
        for temporary, final, _out in partial:
            temporary.replace(final)
        return body
    finally:
        for temporary, _final, out in partial:
            out.close()
            temporary.unlink(missing_ok=True)
