"""Keyset pagination in SQL: one page, or one page per parent in a single statement.

Every ordering is a tuple of non-null SQL expressions that ends in a unique column, all in
one direction, so that a row comparison `(k0, k1) > ($n, $m)` marks the page boundary.
A page fetches `first + 1` rows; the extra row only tells whether there is a next page.
"""

import base64
import binascii
import json
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import asyncpg

from db.pool import Executor

_PARSERS: dict[str, Callable[[Any], Any]] = {
    "bigint": int,
    "integer": int,
    "text": str,
    "date": date.fromisoformat,
    "timestamptz": datetime.fromisoformat,
}


K = TypeVar("K", bound=Hashable)

_PLACEHOLDER = re.compile(r"\$(\d+)")


class CursorError(ValueError):
    """A cursor that this API did not issue for this ordering."""


@dataclass(frozen=True)
class Ordering:
    """A named sort: SQL expressions with their types, the last one unique."""

    name: str
    keys: tuple[tuple[str, str], ...]
    descending: bool = False

    @property
    def cursor_name(self) -> str:
        """The name a cursor of this ordering carries: its name qualified by the alias of the
        table its unique last key is on (`s.newest`, `i.newest`), so that a cursor of one kind
        of row is refused by a list of another kind that orders by a same-named ordering."""
        table = self.keys[-1][0].split(".", 1)[0]
        return f"{table}.{self.name}"

    def encode(self, row: asyncpg.Record) -> str:
        """The opaque cursor of `row`, which carries `_k0`, `_k1`... columns."""
        values = (_to_json(row[f"_k{i}"]) for i in range(len(self.keys)))
        return _encode([self.cursor_name, *values])

    def decode(self, cursor: str) -> tuple[Any, ...]:
        """The key values inside `cursor`; CursorError if it is not one of ours."""
        name, *values = read_cursor(cursor)
        if name != self.cursor_name or len(values) != len(self.keys):
            raise CursorError(f"cursor {cursor!r} does not belong to ordering {self.name}")
        try:
            parsed = tuple(
                _parse(kind, value) for (_, kind), value in zip(self.keys, values, strict=True)
            )
        except (ValueError, TypeError, OverflowError) as exc:
            raise CursorError(f"malformed cursor {cursor!r}") from exc
        if _encode([self.cursor_name, *map(_to_json, parsed)]) != cursor.rstrip("="):
            raise CursorError(f"cursor {cursor!r} is not in the form this API issues")
        return parsed


def read_cursor(cursor: str) -> list[Any]:
    """The ordering name and key values inside `cursor`; CursorError when it is not a cursor
    this API could have issued, whatever the ordering."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        content = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error, RecursionError) as exc:
        raise CursorError(f"malformed cursor {cursor[:100]!r}") from exc
    if not isinstance(content, list) or not content or not isinstance(content[0], str):
        raise CursorError(f"malformed cursor {cursor!r}")
    return content


# What a key of each SQL type can hold: PostgreSQL's integer ranges, and text it can store.
_RANGES = {"integer": 2**31, "bigint": 2**63}


def _parse(kind: str, value: Any) -> Any:
    """A cursor's key value as the Python value for SQL type `kind`; ValueError when the
    database could not take it (beyond the type's range, text with NUL or lone surrogates)."""
    if kind in _RANGES:
        if type(value) is not int or not -_RANGES[kind] <= value < _RANGES[kind]:
            raise ValueError(f"{value!r} is not a {kind}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    if kind == "text":
        if "\x00" in value:
            raise ValueError("text holds NUL")
        value.encode("utf-8")  # lone surrogates raise UnicodeEncodeError, a ValueError
    return _PARSERS[kind](value)


def _encode(content: list[Any]) -> str:
    """The opaque cursor of a JSON list: unpadded base64url of its compact JSON."""
    raw = json.dumps(content, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _to_json(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Window:
    """Which slice of an ordered list to return: Relay's first/after and last/before."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    @property
    def size(self) -> int:
        return self.last if self.last is not None else (self.first or 0)

    @property
    def backwards(self) -> bool:
        return self.last is not None


@dataclass
class Page:
    """Rows of one page in display order, whether neighbours exist, and the ordering that
    gives each row its cursor."""

    rows: list[asyncpg.Record]
    ordering: Ordering
    has_next: bool
    has_previous: bool

    def cursor(self, index: int) -> str:
        """The cursor of the row at `index`, made only when asked for."""
        return self.ordering.encode(self.rows[index])

    @property
    def cursors(self) -> list[str]:
        """Every row's cursor."""
        return [self.ordering.encode(row) for row in self.rows]


@dataclass
class Params:
    """Collects positional query arguments and hands out their `$n` placeholders."""

    values: list[Any] = field(default_factory=list)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


@dataclass(frozen=True)
class Listing:
    """A filtered set of rows: what to select, from where, and the conditions."""

    select: str
    from_: str
    where: tuple[str, ...] = ()
    params: tuple[Any, ...] = ()


def _where(clauses: Sequence[str]) -> str:
    return " AND ".join(f"({c})" for c in clauses) if clauses else "TRUE"


def unindexed(expr: str, kind: str) -> str:
    """A key expression of SQL type `kind` rewritten so that no index holds it, with the same
    values in the same order (`id + 0`, `name || ''`).

    Used to order a page of one parent's rows reached through a link table: sorted from the
    parent's rows (a few hundred, found by the link's index), it costs a small sort, where the
    planner would otherwise walk the child table's whole index in key order and meet
    thousands of other parents' rows first. W4's statement: 236 -> 379 per second under
    pgbench on the benchmark database (bench/limit/W4.sql does the same by hand).
    """
    if kind in ("bigint", "integer", "date"):
        return f"({expr} + 0)"
    if kind == "timestamptz":
        return f"({expr} + interval '0 s')"
    if kind == "text":
        return f"({expr} || '')"
    return expr


def _window_sql(
    listing: Listing, ordering: Ordering, window: Window, params: Params, linked: bool = False
) -> str:
    """The body of a page query over `listing`, cut by the window's cursors and size."""
    clauses = list(listing.where)
    keys = ", ".join(expr for expr, _ in ordering.keys)
    for cursor, after in ((window.after, True), (window.before, False)):
        if cursor is None:
            continue
        values = ordering.decode(cursor)
        placeholders = ", ".join(
            f"{params.add(v)}::{kind}" for v, (_, kind) in zip(values, ordering.keys, strict=True)
        )
        op = ">" if after != ordering.descending else "<"
        clauses.append(f"({keys}) {op} ({placeholders})")
    reverse = window.backwards != ordering.descending
    direction = "DESC" if reverse else "ASC"
    order_by = ", ".join(
        f"{unindexed(expr, kind) if linked else expr} {direction}" for expr, kind in ordering.keys
    )
    key_columns = ", ".join(f"{expr} AS _k{i}" for i, (expr, _) in enumerate(ordering.keys))
    limit = params.add(window.size + 1)
    return (
        f"SELECT {listing.select}, {key_columns} FROM {listing.from_} "
        f"WHERE {_where(clauses)} ORDER BY {order_by} LIMIT {limit}"
    )


def _page(rows: list[asyncpg.Record], ordering: Ordering, window: Window) -> Page:
    more = len(rows) > window.size
    rows = rows[: window.size]
    if window.backwards:
        rows.reverse()
        has_previous, has_next = more, window.before is not None
    else:
        has_next, has_previous = more, window.after is not None
    return Page(rows, ordering, has_next, has_previous)


def _renumber(listing: Listing, params: Params) -> Listing:
    """Shift the listing's own `$n` placeholders (in its conditions and its `FROM`, which may
    be a subquery) after the ones already in `params`."""
    offset = len(params.values)

    def shifted(sql: str) -> str:
        return _PLACEHOLDER.sub(lambda m: f"${int(m.group(1)) + offset}", sql)

    where = tuple(shifted(clause) for clause in listing.where)
    params.values.extend(listing.params)
    return Listing(listing.select, shifted(listing.from_), where, ())


async def fetch_page(db: Executor, listing: Listing, ordering: Ordering, window: Window) -> Page:
    """One page of `listing` in one statement."""
    params = Params(list(listing.params))
    sql = _window_sql(listing, ordering, window, params)
    return _page(await db.fetch(sql, *params.values), ordering, window)


async def fetch_pages_by_parent(
    db: Executor,
    listing: Listing,
    parent: tuple[str, str],
    parent_keys: Sequence[K],
    ordering: Ordering,
    window: Window,
) -> dict[K, Page]:
    """One page per parent key, all in one statement (a LATERAL join per key).

    `parent` is the SQL expression that holds a row's parent key, and its type.
    """
    expr, kind = parent
    params = Params([list(parent_keys)])
    inner = _renumber(listing, params)
    inner = Listing(inner.select, inner.from_, (f"{expr} = k.parent_key", *inner.where))
    # One parent's page through a link table is sorted from that parent's rows (`unindexed`).
    body = _window_sql(inner, ordering, window, params, linked=" JOIN " in listing.from_)
    sql = (
        f"SELECT k.parent_key AS _parent, p.* FROM unnest($1::{kind}[]) AS k(parent_key) "
        f"CROSS JOIN LATERAL ({body}) p"
    )
    grouped: dict[K, list[asyncpg.Record]] = {key: [] for key in parent_keys}
    for row in await db.fetch(sql, *params.values):
        grouped[row["_parent"]].append(row)
    return {key: _page(rows, ordering, window) for key, rows in grouped.items()}


async def count(db: Executor, listing: Listing) -> int:
    """How many rows `listing` has."""
    sql = f"SELECT count(*) FROM {listing.from_} WHERE {_where(listing.where)}"
    return int(await db.fetchval(sql, *listing.params))


async def count_by_parent(
    db: Executor, listing: Listing, parent: tuple[str, str], parent_keys: Sequence[K]
) -> dict[K, int]:
    """How many rows `listing` has for each parent key, in one statement."""
    expr, kind = parent
    params = Params([list(parent_keys)])
    inner = _renumber(listing, params)
    sql = (
        f"SELECT {expr} AS _parent, count(*) AS n FROM {inner.from_} "
        f"WHERE {expr} = ANY($1::{kind}[]) AND {_where(inner.where)} GROUP BY 1"
    )
    counts = {row["_parent"]: row["n"] for row in await db.fetch(sql, *params.values)}
    return {key: counts.get(key, 0) for key in parent_keys}
