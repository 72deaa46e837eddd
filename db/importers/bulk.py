"""Bulk writes for importers: COPY into a temporary table, then one set-based upsert.

Unchanged rows are left alone, so re-importing a file does not move `updated_at`.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    header totals that disagree only because the options are other words).
    """

    entities: dict[str, Counts] = field(default_factory=dict)
    unread: dict[str, Counter[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)

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

    def merge(self, other: "Summary") -> None:
        for entity, counts in other.entities.items():
            self[entity].add(counts)
        for file, names in other.unread.items():
            self.unread.setdefault(file, Counter()).update(names)
        for file, messages in other.warnings.items():
            self.warnings.setdefault(file, []).extend(messages)

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

    def __str__(self) -> str:
        notes = self.notes()
        return self.table() + ("\n" + notes if notes else "")


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


async def upsert(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: Sequence[str],
    *,
    returning: str = "id",
) -> tuple[Counts, dict[tuple[Any, ...], Any]]:
    """Insert or update `rows` of `table` by its unique `key` columns, in two statements.

    Returns the counts and, for every row, its key mapped to its `returning` column.
    """
    stage = f"_stage_{table}"
    cols = ", ".join(_ident(c) for c in columns)
    keys = ", ".join(_ident(c) for c in key)
    others = [c for c in columns if c not in key]
    await conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_ident(stage)} ON COMMIT DROP"
        f" AS SELECT {cols} FROM {_ident(table)} WITH NO DATA"
    )
    await conn.execute(f"TRUNCATE {_ident(stage)}")
    await conn.copy_records_to_table(stage, records=rows, columns=list(columns))
    if others:
        new = {c: incoming_value(c, columns) for c in others}
        assignments = ", ".join(f"{_ident(c)} = {v}" for c, v in new.items())
        current = ", ".join(f"t.{_ident(c)}" for c in others)
        incoming = ", ".join(new.values())
        conflict = f"DO UPDATE SET {assignments} WHERE ({current}) IS DISTINCT FROM ({incoming})"
    else:
        conflict = "DO NOTHING"
    written = await conn.fetch(
        f"INSERT INTO {_ident(table)} AS t ({cols}) SELECT {cols} FROM {_ident(stage)}"
        f" ON CONFLICT ({keys}) {conflict}"
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
    """Delete the child rows of these parents whose `key` is not in `keep`.

    This is how a re-import removes what the source no longer has (a withdrawn cosponsor,
    an edited action). The parent column is compared with `=`, so PostgreSQL hashes the
    kept keys; the other key columns may hold NULLs.
    """
    if not parent_ids:
        return 0
    stage = f"_keep_{table}"
    keys = ", ".join(_ident(c) for c in key)
    await conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_ident(stage)} ON COMMIT DROP"
        f" AS SELECT {keys} FROM {_ident(table)} WITH NO DATA"
    )
    await conn.execute(f"TRUNCATE {_ident(stage)}")
    await conn.copy_records_to_table(stage, records=keep, columns=list(key))
    await conn.execute(f"ANALYZE {_ident(stage)}")
    match = [f"k.{_ident(parent_column)} = t.{_ident(parent_column)}"] + [
        f"k.{_ident(c)} IS NOT DISTINCT FROM t.{_ident(c)}" for c in key if c != parent_column
    ]
    status = await conn.execute(
        f"DELETE FROM {_ident(table)} t WHERE t.{_ident(parent_column)} = ANY($1)"
        f" AND NOT EXISTS (SELECT 1 FROM {_ident(stage)} k WHERE {' AND '.join(match)})",
        list(parent_ids),
    )
    return int(status.split()[-1])
