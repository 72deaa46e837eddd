"""Helpers shared by the dataset importers: strict CSV reading, slugs, and writes that leave
rows of other datasets alone.

Several published datasets describe the same record (an ICE death, a Guardian report, the
ICE agency), so each importer updates only rows it owns (or that a lower-ranked dataset
owns) and adds links to the others without changing them. Re-importing is then idempotent
whatever order the files come in.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import asyncpg

from db.importers.bulk import Counts, Summary, remove_missing, upsert
from db.importers.datasets import Dataset
from db.importers.errors import ImportFailure
from db.importers.files import source_file
from db.importers.unread import csv_columns

BOM = "\ufeff"


@dataclass
class Table:
    """A CSV file: its header (column -> index) and records with their first line number."""

    path: Path
    columns: dict[str, int]
    records: list[tuple[int, list[str]]]

    def where(self, line: int) -> str:
        """How an error names a record."""
        return f"line {line}"


def header_of(head: Any) -> list[str] | None:
    """The header fields of a CSV file from its first bytes, or None if `head` is not CSV."""
    if not isinstance(head, bytes | bytearray):
        return None
    text = bytes(head).decode("utf-8", errors="replace").removeprefix(BOM)
    first = text.split("\n", 1)[0].strip("\r")
    if not first or "," not in first:
        return None
    try:
        return [field.strip() for field in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return None


def head_of(path: Path, size: int = 4096) -> bytes:
    """The first `size` bytes of the file, or ImportFailure if it cannot be read."""
    if not path.is_file():
        raise ImportFailure(path, None, "does not exist or is not a file")
    with path.open("rb") as handle:
        return handle.read(size)


def decode(path: Path, raw: bytes) -> str:
    """`raw` as text, or ImportFailure naming the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ImportFailure(path, f"line {line}", "not UTF-8 text") from exc


def read_csv(path: Path, required: Sequence[str]) -> Table:
    """Every record of the CSV file at `path`, checked for the `required` columns."""
    raw = path.read_bytes()
    if not raw.strip():
        raise ImportFailure(path, None, "the file is empty")
    reader = csv.reader(io.StringIO(decode(path, raw), newline=""))
    try:
        header = [field.strip() for field in next(reader)]
        missing = [name for name in required if name not in header]
        if missing:
            raise ImportFailure(path, "line 1", f"missing column {', '.join(missing)}")
        width = len(header)
        records = []
        line = reader.line_num + 1
        for fields in reader:
            if fields and len(fields) != width:
                raise ImportFailure(
                    path, f"line {line}", f"has {len(fields)} fields; the header has {width}"
                )
            if fields:
                records.append((line, fields))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailure(path, f"line {reader.line_num}", f"invalid CSV: {exc}") from exc
    if not records:
        raise ImportFailure(path, None, "the file has no records")
    return Table(path, {name: i for i, name in enumerate(header)}, records)


def note_unread_columns(
    summary: Summary, table: Table, read: Collection[str], not_stored: Collection[str] = ()
) -> None:
    """Note in `summary`, under the table's file, each header column not in `read` or
    `not_stored`, once for every record in which it is non-empty (see db/importers/unread.py).

    A column empty in every record carries nothing and is not noted.
    """
    file = source_file(table.path)
    for column in csv_columns(table.columns, {*read, *not_stored}):
        index = table.columns[column]
        filled = sum(1 for _, fields in table.records if fields[index].strip())
        summary.note_unread(file, repeat(column, filled))


def clean(value: str | None) -> str | None:
    """Text with runs of whitespace (including no-break spaces) made single spaces."""
    if value is None:
        return None
    result = " ".join(value.split())
    return result or None


def slugify(text: str) -> str:
    """A URL slug: ASCII letters and digits joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


async def dataset_ids(conn: asyncpg.Connection, datasets: Collection[Dataset]) -> set[int]:
    """The row ids of those of `datasets` already recorded."""
    rows = await conn.fetch(
        "SELECT id FROM datasets WHERE key = ANY($1)", [d.key for d in datasets]
    )
    return {r["id"] for r in rows}


async def upsert_owned(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: str,
    writable: Collection[int],
) -> tuple[Counts, dict[Any, int], set[Any]]:
    """Upsert `rows` by the unique column `key`, except rows another dataset owns.

    A stored row whose `dataset_id` is not in `writable` is left as it is (and counted as
    unchanged). Returns the counts, every key's row id, and the keys left alone.
    """
    index = list(columns).index(key)
    keys = list(dict.fromkeys(row[index] for row in rows))
    stored = await conn.fetch(
        f"SELECT {key} AS k, id, dataset_id FROM {table} WHERE {key} = ANY($1)", keys
    )
    foreign = {r["k"]: r["id"] for r in stored if r["dataset_id"] not in writable}
    mine = [row for row in rows if row[index] not in foreign]
    counts, ids = await upsert(conn, table, columns, mine, [key])
    counts.unchanged += len(rows) - len(mine)
    found = {k[0]: v for k, v in ids.items()}
    found.update(foreign)
    return counts, found, set(foreign)


async def upsert_counts(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: Sequence[str],
) -> Counts:
    """bulk.upsert for when the row ids are not needed: only the counts come back, so a
    large file (72,000 vote positions) does not send every row back over the wire twice."""
    stage = f"_counted_{table}"
    cols = ", ".join(columns)
    others = [c for c in columns if c not in key]
    await conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP"
        f" AS SELECT {cols} FROM {table} WITH NO DATA"
    )
    await conn.execute(f"TRUNCATE {stage}")
    await conn.copy_records_to_table(stage, records=rows, columns=list(columns))
    conflict = (
        f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in others)}"
        f" WHERE ({', '.join(f't.{c}' for c in others)})"
        f" IS DISTINCT FROM ({', '.join(f'EXCLUDED.{c}' for c in others)})"
        if others
        else "DO NOTHING"
    )
    written = await conn.fetchrow(
        f"WITH w AS (INSERT INTO {table} AS t ({cols}) SELECT {cols} FROM {stage}"
        f" ON CONFLICT ({', '.join(key)}) {conflict} RETURNING (xmax = 0) AS inserted)"
        " SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) AS written FROM w"
    )
    assert written is not None
    return Counts(
        inserted=written["inserted"],
        updated=written["written"] - written["inserted"],
        unchanged=len(rows) - written["written"],
    )


async def replace_links(
    conn: asyncpg.Connection,
    summary: Summary,
    table: str,
    columns: list[str],
    rows: list[tuple[Any, ...]],
    owned: list[int],
) -> None:
    """Add the link `rows`, and drop other links of the `owned` parents (the first column).

    Links of parents this import does not own are only ever added, never removed.
    """
    rows = list(dict.fromkeys(rows))
    counts, _ = await upsert(conn, table, columns, rows, columns, returning=columns[0])
    parents = set(owned)
    keep = [r for r in rows if r[0] in parents]
    counts.removed = await remove_missing(conn, table, columns[0], owned, columns, keep)
    summary[table].add(counts)
