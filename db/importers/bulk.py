"""Bulk writes for importers: COPY into a temporary table, then one set-based upsert.

Unchanged rows are left alone, so re-importing a file does not move `updated_at`.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

import asyncpg


@dataclass
class Counts:
    """What an import did to one entity."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    unresolved: int = 0

    def add(self, other: "Counts") -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.unresolved += other.unresolved


@dataclass
class Summary:
    """Counts per entity for one import run, and what each file held that was not read.

    `unread` maps a file (as named in provenance) to the keys, elements or attributes it
    carried that no importer reads, each with how often it occurred: nothing is dropped
    without a trace. `warnings` maps a file to notes that did not stop its import (such as
    header totals that disagree only because the options are other words). `skipped` maps a
    file found in a folder or archive that was not imported to why (a format no importer
    reads); `refused` maps a file refused under `--keep-going` to its error.
    """

    entities: dict[str, Counts] = field(default_factory=dict)
    unread: dict[str, Counter[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, entity: str) -> Counts:
        return self.entities.setdefault(entity, Counts())

    def note_unread(self, file: str, names: Iterable[str]) -> None:
        """Record that `file` carried each of `names` (one occurrence each) and it was not read."""
        found = Counter(names)
        if found:
            self.unread.setdefault(file, Counter()).update(found)

    def warn(self, file: str, message: str) -> None:
        """Record a note about `file` that did not stop its import."""
        self.warnings.setdefault(file, []).append(message)

    def skip(self, file: str, reason: str) -> None:
        """Record that `file`, found in a folder or archive, was not imported, and why."""
        self.skipped[file] = reason

    def refuse(self, file: str, error: str) -> None:
        """Record that `file` was refused (nothing from it was written), with the error."""
        self.refused[file] = error

    def noted_as(self, file: str) -> "Summary":
        """This summary of one file, with its unread keys and warnings filed under `file`.

        Importers note them under the file's provenance name; the run lists them under the
        name the user gave or that a folder walk found, which is unique within the run.
        """
        if not self.unread and not self.warnings:
            return self
        unread: Counter[str] = Counter()
        for names in self.unread.values():
            unread.update(names)
        warnings = [message for messages in self.warnings.values() for message in messages]
        self.unread = {file: unread} if unread else {}
        self.warnings = {file: warnings} if warnings else {}
        return self

    def merge(self, other: "Summary") -> None:
        for entity, counts in other.entities.items():
            self[entity].add(counts)
        for file, names in other.unread.items():
            self.unread.setdefault(file, Counter()).update(names)
        for file, messages in other.warnings.items():
            self.warnings.setdefault(file, []).extend(messages)
        self.skipped.update(other.skipped)
        self.refused.update(other.refused)

    def table(self) -> str:
        """A plain-text table, one row per entity."""
        header = ("entity", "inserted", "updated", "unchanged", "removed", "unresolved")
        rows = [header] + [
            (
                name,
                str(c.inserted),
                str(c.updated),
                str(c.unchanged),
                str(c.removed),
                str(c.unresolved),
            )
            for name, c in sorted(self.entities.items())
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
            for row in rows
        ]
        return "\n".join(lines)

    def notes(self) -> str:
        """Per file, the keys it carried that were not read, and any warnings; or ''."""
        lines = []
        for file in sorted(set(self.unread) | set(self.warnings)):
            lines.append(f"{file}:")
            for name, times in sorted(self.unread.get(file, Counter()).items()):
                lines.append(f"  not read: {name} ({times}x)")
            lines.extend(f"  warning: {message}" for message in self.warnings.get(file, []))
        return "\n".join(lines)

    def skips(self) -> str:
        """The files skipped in folders and archives, one a line with the reason; or ''."""
        if not self.skipped:
            return ""
        lines = [f"skipped {len(self.skipped)} file(s) found in folders or archives:"]
        lines.extend(f"  {file}: {reason}" for file, reason in sorted(self.skipped.items()))
        return "\n".join(lines)

    def refusals(self) -> str:
        """The refused files, one a line with the error; or ''."""
        if not self.refused:
            return ""
        lines = [f"refused {len(self.refused)} file(s); nothing from them was written:"]
        lines.extend(f"  {error}" for _file, error in sorted(self.refused.items()))
        return "\n".join(lines)

    def __str__(self) -> str:
        parts = [self.table(), self.notes(), self.skips()]
        return "\n".join(part for part in parts if part)


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


# A record keeps the file it was first imported from while its dataset stays the same, so
# the same record read again from another file of that dataset (a vote's data.xml after its
# data.json, an edited copy of a file) changes nothing.
KEEP_FILE = (
    "CASE WHEN t.dataset_id IS DISTINCT FROM EXCLUDED.dataset_id OR t.source_file IS NULL"
    " THEN EXCLUDED.source_file ELSE t.source_file END"
)


def incoming_value(column: str, columns: Sequence[str]) -> str:
    """The value an upsert writes to `column` of an existing row."""
    if column == "source_file" and "dataset_id" in columns:
        return KEEP_FILE
    return f"EXCLUDED.{_ident(column)}"


# Column types by table, per connection: an upsert casts its arrays to them. A connection
# that outlives a migration of a table it wrote should be reopened.
_types: "WeakKeyDictionary[Any, dict[str, dict[str, str | None]]]" = WeakKeyDictionary()


async def column_types(conn: asyncpg.Connection, table: str) -> dict[str, str | None]:
    """{column: its SQL type} of `table`; None for an array column (it cannot be unnested)."""
    cached = _types.setdefault(conn, {})
    if table not in cached:
        rows = await conn.fetch(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type,"
            " t.typcategory = 'A' AS is_array FROM pg_attribute a"
            " JOIN pg_type t ON t.oid = a.atttypid"
            " WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            _ident(table),
        )
        cached[table] = {r["attname"]: None if r["is_array"] else r["type"] for r in rows}
    return cached[table]


def _unnest(types: dict[str, str | None], columns: Sequence[str], first: int = 1) -> str:
    """`unnest($1::type[], ...) AS u(columns)`: one row per index of the column arrays."""
    arrays = ", ".join(f"${first + i}::{types[c]}[]" for i, c in enumerate(columns))
    return f"unnest({arrays}) AS u({', '.join(_ident(c) for c in columns)})"


def _by_column(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """The rows transposed: one list per column."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


async def upsert(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: Sequence[str],
    *,
    returning: str = "id",
) -> tuple[Counts, dict[tuple[Any, ...], Any]]:
    """Insert or update `rows` of `table` by its unique `key` columns, in one statement.

    The rows travel as one array per column (`unnest`), so a file's upsert is one round trip
    with a prepared statement and no temporary table; a table with an array column goes
    through COPY into a temporary table instead. Returns the counts and, for every row, its
    key mapped to its `returning` column.
    """
    types = await column_types(conn, table)
    if any(types.get(c) is None for c in columns):
        return await _upsert_by_copy(conn, table, columns, rows, key, returning=returning)
    cols = ", ".join(_ident(c) for c in columns)
    keys = ", ".join(_ident(c) for c in key)
    t_keys = ", ".join(f"t.{_ident(k)}" for k in key)
    same = " AND ".join(f"w.{_ident(k)} = t.{_ident(k)}" for k in key)
    found = await conn.fetch(
        f"WITH incoming AS (SELECT * FROM {_unnest(types, columns)}),"
        f" written AS (INSERT INTO {_ident(table)} AS t ({cols}) SELECT {cols} FROM incoming"
        f" ON CONFLICT ({keys}) {_on_conflict(columns, key)}"
        f" RETURNING (xmax = 0) AS inserted, {t_keys}, t.{_ident(returning)} AS _ret)"
        f" SELECT inserted, {keys}, _ret FROM written UNION ALL"
        f" SELECT NULL, {t_keys}, t.{_ident(returning)} FROM {_ident(table)} t"
        f" JOIN incoming i USING ({keys})"
        f" WHERE NOT EXISTS (SELECT 1 FROM written w WHERE {same})",
        *_by_column(rows, len(columns)),
    )
    inserted = sum(1 for r in found if r["inserted"] is True)
    written = sum(1 for r in found if r["inserted"] is not None)
    counts = Counts(inserted=inserted, updated=written - inserted)
    counts.unchanged = len(rows) - written
    return counts, {tuple(r[k] for k in key): r["_ret"] for r in found}


def _on_conflict(columns: Sequence[str], key: Sequence[str]) -> str:
    """The ON CONFLICT action: update the other columns only where a value differs."""
    others = [c for c in columns if c not in key]
    if not others:
        return "DO NOTHING"
    new = {c: incoming_value(c, columns) for c in others}
    assignments = ", ".join(f"{_ident(c)} = {v}" for c, v in new.items())
    current = ", ".join(f"t.{_ident(c)}" for c in others)
    incoming = ", ".join(new.values())
    return f"DO UPDATE SET {assignments} WHERE ({current}) IS DISTINCT FROM ({incoming})"


async def _upsert_by_copy(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: Sequence[str],
    *,
    returning: str = "id",
) -> tuple[Counts, dict[tuple[Any, ...], Any]]:
    """`upsert` through COPY into a temporary table, for tables with an array column."""
    stage = f"_stage_{table}"
    cols = ", ".join(_ident(c) for c in columns)
    keys = ", ".join(_ident(c) for c in key)
    await conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_ident(stage)} ON COMMIT DROP"
        f" AS SELECT {cols} FROM {_ident(table)} WITH NO DATA"
    )
    await conn.execute(f"TRUNCATE {_ident(stage)}")
    await conn.copy_records_to_table(stage, records=rows, columns=list(columns))
    written = await conn.fetch(
        f"INSERT INTO {_ident(table)} AS t ({cols}) SELECT {cols} FROM {_ident(stage)}"
        f" ON CONFLICT ({keys}) {_on_conflict(columns, key)}"
        f" RETURNING (xmax = 0) AS inserted, {', '.join(f't.{_ident(k)}' for k in key)},"
        f" t.{_ident(returning)} AS _ret"
    )
    inserted = sum(1 for r in written if r["inserted"])
    counts = Counts(inserted=inserted, updated=len(written) - inserted)
    counts.unchanged = len(rows) - len(written)
    ids = await conn.fetch(
        f"SELECT {', '.join(f't.{_ident(k)}' for k in key)}, t.{_ident(returning)} AS _ret"
        f" FROM {_ident(table)} t JOIN {_ident(stage)} s USING ({keys})"
    )
    return counts, {tuple(r[k] for k in key): r["_ret"] for r in ids}


async def remove_missing(
    conn: asyncpg.Connection,
    table: str,
    parent_column: str,
    parent_ids: Sequence[Any],
    key: Sequence[str],
    keep: Sequence[Sequence[Any]],
) -> int:
    """Delete the child rows of these parents whose `key` is not in `keep`, in one statement.

    This is how a re-import removes what the source no longer has (a withdrawn cosponsor,
    an edited action). The parents' current keys EXCEPT the kept ones (a hashed set
    operation, where NULLs compare equal) are the rows to delete; the key columns may hold
    NULLs.
    """
    if not parent_ids:
        return 0
    types = await column_types(conn, table)
    if any(types.get(c) is None for c in key):
        raise ValueError(f"remove_missing: a key column of {table} is an array")
    keys = ", ".join(_ident(c) for c in key)
    match = " AND ".join(f"t.{_ident(c)} IS NOT DISTINCT FROM g.{_ident(c)}" for c in key)
    status = await conn.execute(
        f"DELETE FROM {_ident(table)} t USING (SELECT {keys} FROM {_ident(table)}"
        f" WHERE {_ident(parent_column)} = ANY($1) EXCEPT SELECT * FROM {_unnest(types, key, 2)})"
        f" g WHERE t.{_ident(parent_column)} = ANY($1) AND {match}",
        list(parent_ids),
        *_by_column(keep, len(key)),
    )
    return int(status.split()[-1])
