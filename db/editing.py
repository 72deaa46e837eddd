"""SQL shared by every editable table: lock, insert, versioned update, soft delete, restore
and links. Every function runs on the transaction it is given; none commits.

Each returned row carries the table's `COLUMNS` plus `doc`, the whole row as JSON text
(without the generated `search` column) for the audit log.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from db.pagination import Params
from db.pool import Executor


@dataclass(frozen=True)
class Table:
    """An editable table: its name and alias, the columns it is read with, its GraphQL type,
    and the columns an editor may write."""

    name: str
    alias: str
    columns: str
    entity: str
    writable: frozenset[str]

    @property
    def returning(self) -> str:
        return f"{self.columns}, {self.alias}.deleted_at, to_jsonb({self.alias}) - 'search' AS doc"


@dataclass(frozen=True)
class Link:
    """A link table from an editable owner to a target table."""

    table: str
    owner: str
    target: str
    target_table: str
    soft_deleted: bool


class Duplicate(Exception):
    """A write hit a unique constraint: `column` already holds that value in another row."""

    def __init__(self, column: str) -> None:
        super().__init__(f"duplicate {column}")
        self.column = column


def _column_of(table: Table, error: asyncpg.UniqueViolationError) -> str:
    name = error.constraint_name or ""
    return name.removeprefix(f"{table.name}_").removesuffix("_key")


def _checked(table: Table, values: Mapping[str, Any]) -> None:
    unknown = set(values) - table.writable
    if unknown:
        raise ValueError(f"{table.name} has no writable columns {sorted(unknown)}")


async def lock(tx: Executor, table: Table, pk: int) -> asyncpg.Record | None:
    """Row `pk` (deleted or not), locked against other writers until the transaction ends."""
    return await tx.fetchrow(
        f"SELECT {table.returning} FROM {table.name} {table.alias}"
        f" WHERE {table.alias}.id = $1 FOR UPDATE",
        pk,
    )


async def insert(tx: Executor, table: Table, values: Mapping[str, Any]) -> asyncpg.Record:
    """Insert one row; Duplicate if a unique column already holds one of the values."""
    _checked(table, values)
    p = Params()
    placeholders = ", ".join(p.add(v) for v in values.values())
    try:
        row = await tx.fetchrow(
            f"INSERT INTO {table.name} AS {table.alias} ({', '.join(values)})"
            f" VALUES ({placeholders}) RETURNING {table.returning}",
            *p.values,
        )
    except asyncpg.UniqueViolationError as exc:
        raise Duplicate(_column_of(table, exc)) from exc
    assert row is not None
    return row


async def _update(
    tx: Executor, table: Table, pk: int, assignments: list[str], p: Params, where: str
) -> asyncpg.Record | None:
    a = table.alias
    sets = ", ".join([*assignments, f"version = {a}.version + 1"])
    try:
        return await tx.fetchrow(
            f"UPDATE {table.name} {a} SET {sets} WHERE {a}.id = {p.add(pk)} AND {where}"
            f" RETURNING {table.returning}",
            *p.values,
        )
    except asyncpg.UniqueViolationError as exc:
        raise Duplicate(_column_of(table, exc)) from exc


async def update(
    tx: Executor, table: Table, pk: int, version: int, values: Mapping[str, Any]
) -> asyncpg.Record | None:
    """Set `values` on live row `pk` if it is still at `version`, bumping the version.

    Returns None (and changes nothing) when the row is deleted or at another version.
    """
    _checked(table, values)
    p = Params()
    assignments = [f"{column} = {p.add(value)}" for column, value in values.items()]
    where = f"{table.alias}.version = {p.add(version)} AND {table.alias}.deleted_at IS NULL"
    return await _update(tx, table, pk, assignments, p, where)


async def soft_delete(
    tx: Executor, table: Table, pk: int, version: int, reason: str, key_id: int | None
) -> asyncpg.Record | None:
    """Mark live row `pk` deleted if it is still at `version`; None otherwise."""
    p = Params()
    assignments = [
        "deleted_at = now()",
        f"deleted_reason = {p.add(reason)}",
        f"deleted_by_key_id = {p.add(key_id)}::bigint",
    ]
    where = f"{table.alias}.version = {p.add(version)} AND {table.alias}.deleted_at IS NULL"
    return await _update(tx, table, pk, assignments, p, where)


async def restore(tx: Executor, table: Table, pk: int) -> asyncpg.Record | None:
    """Bring deleted row `pk` back; None if it is not deleted."""
    assignments = ["deleted_at = NULL", "deleted_reason = NULL", "deleted_by_key_id = NULL"]
    return await _update(
        tx, table, pk, assignments, Params(), f"{table.alias}.deleted_at IS NOT NULL"
    )


async def bump(tx: Executor, table: Table, pk: int, version: int) -> asyncpg.Record | None:
    """Move live row `pk` from `version` to the next (its links changed); None if stale."""
    p = Params()
    where = f"{table.alias}.version = {p.add(version)} AND {table.alias}.deleted_at IS NULL"
    return await _update(tx, table, pk, [], p, where)


async def share_live(tx: Executor, table: str, pk: int, soft_deleted: bool = True) -> bool:
    """Whether row `pk` of `table` exists (and is not deleted), locking it against deletion
    until the transaction ends."""
    live = " AND deleted_at IS NULL" if soft_deleted else ""
    found = await tx.fetchval(f"SELECT 1 FROM {table} WHERE id = $1{live} FOR SHARE", pk)
    return found is not None


async def add_link(tx: Executor, link: Link, owner_id: int, target_id: int) -> bool:
    """Link owner and target; False if they were already linked."""
    added = await tx.fetchval(
        f"INSERT INTO {link.table} ({link.owner}, {link.target}) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        owner_id,
        target_id,
    )
    return added is not None


async def remove_link(tx: Executor, link: Link, owner_id: int, target_id: int) -> bool:
    """Unlink owner and target; False if they were not linked."""
    removed = await tx.fetchval(
        f"DELETE FROM {link.table} WHERE {link.owner} = $1 AND {link.target} = $2 RETURNING 1",
        owner_id,
        target_id,
    )
    return removed is not None
