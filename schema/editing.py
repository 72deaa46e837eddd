"""The write path every editable type shares: who may write, one transaction per mutation
with its audit entries, version checks (CONFLICT), soft delete and restore, links, and the
checks on input values (BAD_USER_INPUT naming the field).

Limits, in characters, are in `LIMITS` and documented in docs/editing.md.
"""

import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import strawberry
from strawberry.types.unset import UNSET

from db import editing as sql
from db.audit import Actor, Entry, record
from db.editing import Duplicate, Link, Table
from db.pool import Collision, Database, Executor
from loaders.request import Loaders
from schema.context import Info
from schema.dates import DatePrecision
from schema.errors import ApiError, BadUserInput, NotFound
from schema.permissions import Role, require
from schema.relay import from_global_id, to_global_id

CONFLICT = "CONFLICT"

LIMITS = {
    "quote": 10_000,
    "context": 5_000,
    "description": 20_000,
    "name": 300,
    "slug": 100,
    "abbreviation": 50,
    "title": 1_000,
    "publisher": 300,
    "url": 2_000,
    "place": 300,
    "outcome": 300,
    "reason": 1_000,
}
MAX_SOURCES = 20
MAX_ROW_ID = 2**63 - 1  # row ids are bigint

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_BIOGUIDE_ID = re.compile(r"^[A-Z]\d{6}$")
_STATE = re.compile(r"^[A-Z]{2}$")

Check = Callable[[Executor, asyncpg.Record], Awaitable[None]]


class Conflict(ApiError):
    """The record changed since the client read it: its version is not `expectedVersion`."""

    code = CONFLICT


def invalid(field: str, message: str, argument: str = "input") -> BadUserInput:
    """BAD_USER_INPUT about one input field, named in `extensions.field`."""
    return BadUserInput(message, argument=argument, field=field)


def given(value: Any) -> bool:
    """Whether an optional input field was sent at all (null counts as sent)."""
    return value is not UNSET


def text(
    value: str | None, field: str, limit: str, *, required: bool = False, argument: str = "input"
) -> str | None:
    """`value` trimmed; None when blank. BAD_USER_INPUT when required and blank, or too long."""
    cleaned = value.strip() if value is not None else ""
    if not cleaned:
        if required:
            raise invalid(field, f"`{field}` must not be empty", argument)
        return None
    maximum = LIMITS[limit]
    if len(cleaned) > maximum:
        raise invalid(
            field,
            f"`{field}` has {len(cleaned)} characters; at most {maximum} are allowed",
            argument,
        )
    return cleaned


def required_text(value: str | None, field: str, limit: str, argument: str = "input") -> str:
    """Like `text`, for a field that must have a value."""
    cleaned = text(value, field, limit, required=True, argument=argument)
    assert cleaned is not None
    return cleaned


def url(value: str | None, field: str) -> str | None:
    """An absolute http(s) URL, trimmed, or None; BAD_USER_INPUT for anything else.

    The limit counts UTF-8 bytes as well as characters: a source's `url` is in a unique
    btree index, whose rows PostgreSQL caps at 2,704 bytes, and 2,000 characters outside
    ASCII can take 8,000 (docs/editing.md).
    """
    cleaned = text(value, field, "url")
    if cleaned is None:
        return None
    size = len(cleaned.encode("utf-8", "surrogatepass"))
    if size > LIMITS["url"]:
        raise invalid(
            field, f"`{field}` takes {size} bytes in UTF-8; at most {LIMITS['url']} are allowed"
        )
    if not _URL.match(cleaned):
        raise invalid(field, f"`{field}` must be an http:// or https:// URL, got {value!r}")
    scheme, rest = cleaned.split("://", 1)
    return f"{scheme.lower()}://{rest}"


def slug(value: str | None, field: str = "slug") -> str:
    """A slug such as `qualified-immunity-ice`, or BAD_USER_INPUT."""
    cleaned = required_text(value, field, "slug")
    if not _SLUG.match(cleaned):
        raise invalid(
            field,
            f"`{field}` must be lower-case words of letters and digits joined by dashes, such as"
            f" `qualified-immunity-ice`; got {value!r}",
        )
    return cleaned


def bioguide_id(value: str, field: str) -> str:
    """A bioguide id such as `M000133`, upper-cased, or BAD_USER_INPUT."""
    cleaned = value.strip().upper()
    if not _BIOGUIDE_ID.match(cleaned):
        raise invalid(field, f"`{field}` must be a bioguide id such as `M000133`, got {value!r}")
    return cleaned


def state(value: str | None, field: str) -> str | None:
    """A two-letter postal code, upper-cased, or None; BAD_USER_INPUT otherwise."""
    cleaned = text(value, field, "place")
    if cleaned is None:
        return None
    if not _STATE.match(cleaned.upper()):
        raise invalid(field, f"`{field}` must be a two-letter state code, got {value!r}")
    return cleaned.upper()


def between(value: float | None, field: str, low: float, high: float) -> float | None:
    """`value` if it lies in [low, high] (or is None); BAD_USER_INPUT otherwise."""
    if value is not None and not low <= value <= high:
        raise invalid(field, f"`{field}` must be between {low} and {high}, got {value}")
    return value


def record_id(
    value: str, types: tuple[str, ...], field: str, argument: str = "input"
) -> tuple[str, int]:
    """The type and row id in a global id of one of `types`, or BAD_USER_INPUT."""
    try:
        type_name, pk = from_global_id(value)
    except BadUserInput:
        type_name, pk = "", 0
    if type_name not in types or not 0 < pk <= MAX_ROW_ID:
        expected = " or ".join(types)
        raise invalid(field, f"`{field}` must be the id of a {expected}, got {value!r}", argument)
    return type_name, pk


def version(value: int) -> int:
    """An `expectedVersion` that can exist, or BAD_USER_INPUT."""
    if value < 1:
        raise invalid("expectedVersion", f"`expectedVersion` starts at 1, got {value}")
    return value


@strawberry.input(
    description="A date as precise as its source. `precision` is required; MONTH keeps only "
    "the year and month of `date` (it is stored as the first of the month), YEAR only the "
    "year, and UNKNOWN takes no date. The date cannot be in the future (UTC)."
)
class FuzzyDateInput:
    precision: DatePrecision = strawberry.field(description="How much of the date is known.")
    date: dt.date | None = strawberry.field(
        default=None,
        description="The date: any day in the month for MONTH, in the year for YEAR; "
        "omitted for UNKNOWN.",
    )


UNKNOWN_DATE = FuzzyDateInput(precision=DatePrecision.UNKNOWN)


def fuzzy(value: FuzzyDateInput | None, field: str) -> tuple[dt.date | None, str]:
    """The stored date and precision of `value`, or BAD_USER_INPUT naming the field."""
    if value is None:
        raise invalid(field, f"`{field}` needs a precision; use UNKNOWN when there is no date")
    if value.precision is DatePrecision.UNKNOWN:
        if value.date is not None:
            raise invalid(f"{field}.date", f"`{field}` has precision UNKNOWN, so it takes no date")
        return None, "unknown"
    if value.date is None:
        raise invalid(
            f"{field}.date", f"`{field}` has precision {value.precision.name}, so it needs a date"
        )
    stored = value.date
    if value.precision is DatePrecision.MONTH:
        stored = stored.replace(day=1)
    elif value.precision is DatePrecision.YEAR:
        stored = stored.replace(month=1, day=1)
    if stored > dt.datetime.now(dt.UTC).date():
        raise invalid(f"{field}.date", f"`{field}` is in the future ({value.date})")
    return stored, str(value.precision.value)


def _camel(column: str) -> str:
    head, *rest = column.split("_")
    return head + "".join(part.title() for part in rest)


def request_id(info: Info) -> str | None:
    """The id of the request being answered, when the server or the client gave one."""
    found = getattr(info.context, "request_id", None)
    request = info.context.request
    if found is None and request is not None:
        found = getattr(request.state, "request_id", None) or request.headers.get("x-request-id")
    return str(found)[:200] if found else None


@dataclass
class Edit:
    """One mutation's transaction and who is making it."""

    tx: Executor
    actor: Actor

    async def audit(
        self,
        action: str,
        table: Table,
        pk: int,
        before: str | None,
        after: str | None,
        *,
        reason: str | None = None,
        linked: tuple[str, int] | None = None,
    ) -> None:
        """Record this write in the audit log, in the same transaction."""
        linked_type, linked_id = linked or (None, None)
        entry = Entry(action, table.entity, pk, before, after, reason, linked_type, linked_id)
        await record(self.tx, self.actor, entry)


@asynccontextmanager
async def editing(info: Info, role: Role = Role.EDITOR) -> AsyncIterator[Edit]:
    """A transaction for one mutation by a caller with at least `role`.

    Everything written inside commits together or not at all. Afterwards the request's
    loaders start afresh, so that what the mutation returns is read as committed.
    """
    principal = require(info.context.principal, role)
    db = info.context.loaders.db
    if not isinstance(db, Database):
        raise TypeError("writes need a Database, not a single connection")
    actor = Actor(principal.key_id, principal.key_name, request_id(info))
    try:
        async with db.transaction() as tx:
            yield Edit(tx, actor)
    except Collision as collision:
        raise Conflict(
            "the write collided with a concurrent one and nothing was written: read the record"
            " again and retry"
        ) from collision
    info.context.loaders = Loaders(db)


def _not_found(table: Table, pk: int, argument: str = "input") -> NotFound:
    gid = to_global_id(table.entity, pk)
    return NotFound(f"no {table.entity} with id {gid!r}", argument=argument, field="id")


async def _live(edit: Edit, table: Table, pk: int, expected: int) -> asyncpg.Record:
    """The live row `pk`, locked, at version `expected`; NOT_FOUND or CONFLICT otherwise."""
    row = await sql.lock(edit.tx, table, pk)
    if row is None or row["deleted_at"] is not None:
        raise _not_found(table, pk)
    if row["version"] != expected:
        raise Conflict(
            f"{table.entity} {to_global_id(table.entity, pk)!r} is at version {row['version']},"
            f" not {expected}: read it again and reapply the change",
            field="expectedVersion",
            currentVersion=row["version"],
        )
    return row


def _stale(table: Table, pk: int) -> Conflict:
    return Conflict(
        f"{table.entity} {to_global_id(table.entity, pk)!r} changed meanwhile",
        field="expectedVersion",
    )


def _duplicate(exc: Duplicate, prefix: str) -> BadUserInput:
    field = prefix + _camel(exc.column)
    return invalid(field, f"another record already has this `{field}`")


async def insert(
    edit: Edit, table: Table, values: Mapping[str, Any], *, prefix: str = ""
) -> asyncpg.Record:
    """Insert a record without auditing it yet (see `audit_created`)."""
    try:
        return await sql.insert(edit.tx, table, values)
    except Duplicate as exc:
        raise _duplicate(exc, prefix) from exc


async def audit_created(
    edit: Edit, table: Table, row: asyncpg.Record, extra: Mapping[str, Any] | None = None
) -> None:
    """Audit an inserted record; `extra` is added to its JSON (e.g. the sources it cites)."""
    after = row["doc"] if extra is None else json.dumps({**json.loads(row["doc"]), **extra})
    await edit.audit("create", table, row["id"], None, after)


async def create(
    edit: Edit, table: Table, values: Mapping[str, Any], *, prefix: str = ""
) -> asyncpg.Record:
    """Insert a record and audit it."""
    row = await insert(edit, table, values, prefix=prefix)
    await audit_created(edit, table, row)
    return row


async def update(
    edit: Edit,
    table: Table,
    pk: int,
    expected: int,
    values: Mapping[str, Any],
    check: Callable[[Mapping[str, Any]], None] | None = None,
) -> asyncpg.Record:
    """Change a live record at version `expected`, and audit it. `check` sees the record as
    it would be after the change, before anything is written."""
    before = await _live(edit, table, pk, expected)
    if check is not None:
        check({**dict(before), **values})
    try:
        after = await sql.update(edit.tx, table, pk, expected, values)
    except Duplicate as exc:
        raise _duplicate(exc, "") from exc
    if after is None:
        raise _stale(table, pk)
    await edit.audit("update", table, pk, before["doc"], after["doc"])
    return after


async def delete(
    edit: Edit,
    table: Table,
    pk: int,
    expected: int,
    reason: str | None,
    check: Check | None = None,
) -> asyncpg.Record:
    """Soft-delete a live record at version `expected` for `reason`, and audit it."""
    why = required_text(reason, "reason", "reason")
    before = await _live(edit, table, pk, expected)
    if check is not None:
        await check(edit.tx, before)
    after = await sql.soft_delete(edit.tx, table, pk, expected, why, edit.actor.key_id)
    if after is None:
        raise _stale(table, pk)
    await edit.audit("delete", table, pk, before["doc"], after["doc"], reason=why)
    return after


async def restore(
    edit: Edit, table: Table, pk: int, reason: str | None, check: Check | None = None
) -> asyncpg.Record:
    """Bring back a soft-deleted record (admins only), and audit it."""
    why = required_text(reason, "reason", "reason", argument="reason")
    before = await sql.lock(edit.tx, table, pk)
    if before is None:
        raise _not_found(table, pk, argument="id")
    if before["deleted_at"] is None:
        gid = to_global_id(table.entity, pk)
        raise invalid("id", f"{table.entity} {gid!r} is not deleted", argument="id")
    if check is not None:
        await check(edit.tx, before)
    after = await sql.restore(edit.tx, table, pk)
    assert after is not None  # the row is locked and deleted
    await edit.audit("restore", table, pk, before["doc"], after["doc"], reason=why)
    return after


async def relink(
    edit: Edit,
    table: Table,
    links: Mapping[str, Link],
    pk: int,
    expected: int,
    target: str,
    *,
    add: bool,
    check: Check | None = None,
) -> asyncpg.Record:
    """Link (or unlink) a live record at version `expected` and the record `target`; the
    owner's version moves on. `check` runs after an unlink, before anything is kept."""
    type_name, target_pk = record_id(target, tuple(links), "target")
    link = links[type_name]
    before = await _live(edit, table, pk, expected)
    if not await sql.share_live(edit.tx, link.target_table, target_pk, link.soft_deleted):
        raise NotFound(f"no {type_name} with id {target!r}", argument="input", field="target")
    if add and not await sql.add_link(edit.tx, link, pk, target_pk):
        raise invalid("target", f"{table.entity} is already linked to {type_name} {target!r}")
    if not add:
        if not await sql.remove_link(edit.tx, link, pk, target_pk):
            raise invalid("target", f"{table.entity} is not linked to {type_name} {target!r}")
        if check is not None:
            await check(edit.tx, before)
    after = await sql.bump(edit.tx, table, pk, expected)
    if after is None:
        raise _stale(table, pk)
    action = "link" if add else "unlink"
    await edit.audit(action, table, pk, before["doc"], after["doc"], linked=(type_name, target_pk))
    return after


async def attach_sources(
    edit: Edit,
    table: Table,
    link: Link,
    owner: int,
    source_ids: Sequence[strawberry.ID] | None,
    new_sources: Sequence[Mapping[str, Any]] | None,
    source_table: Table,
) -> list[int]:
    """Link a new record to existing sources (by id) and to new ones (created here); at least
    one in all. Returns the linked source ids."""
    existing = list(source_ids or [])
    created = list(new_sources or [])
    if not existing and not created:
        raise invalid(
            "sources", "a record needs at least one source: give `sources` or `newSources`"
        )
    if len(existing) + len(created) > MAX_SOURCES:
        raise invalid("sources", f"at most {MAX_SOURCES} sources at a time")
    linked: list[int] = []
    for i, gid in enumerate(existing):
        _, pk = record_id(gid, ("Source",), f"sources[{i}]")
        if not await sql.share_live(edit.tx, "sources", pk):
            raise NotFound(f"no Source with id {gid!r}", argument="input", field=f"sources[{i}]")
        linked.append(pk)
    for i, values in enumerate(created):
        row = await create(edit, source_table, values, prefix=f"newSources[{i}].")
        linked.append(row["id"])
    for pk in dict.fromkeys(linked):
        await sql.add_link(edit.tx, link, owner, pk)
    return list(dict.fromkeys(linked))


@strawberry.input(description="Which record to delete, the version read, and why.")
class DeleteInput:
    id: strawberry.ID = strawberry.field(description="The record's global id.")
    expected_version: int = strawberry.field(
        description="The `version` the record had when read; CONFLICT if it has changed since."
    )
    reason: str = strawberry.field(
        description="Why it is deleted (required, at most 1,000 characters); kept in the audit log."
    )


@strawberry.input(description="Two records to link or unlink, and the version of the first.")
class LinkInput:
    id: strawberry.ID = strawberry.field(
        description="The global id of the record whose links change (its version moves on)."
    )
    expected_version: int = strawberry.field(
        description="The `version` that record had when read; CONFLICT if it has changed since."
    )
    target: strawberry.ID = strawberry.field(
        description="The global id of the record to link it to or unlink it from."
    )


# Whole mutations, for the resolvers of each domain.


async def update_record(
    info: Info,
    table: Table,
    record: strawberry.ID,
    expected_version: int,
    values: Callable[[], Mapping[str, Any]],
    check: Callable[[Mapping[str, Any]], None] | None = None,
) -> asyncpg.Record:
    """updateX: check the id, version and `values()`, then change the record."""
    async with editing(info) as edit:
        _, pk = record_id(record, (table.entity,), "id")
        row = await update(edit, table, pk, version(expected_version), values(), check)
    return row


async def delete_record(
    info: Info, table: Table, input: DeleteInput, check: Check | None = None
) -> asyncpg.Record:
    """deleteX: soft-delete the record for the reason given."""
    async with editing(info) as edit:
        _, pk = record_id(input.id, (table.entity,), "id")
        expected = version(input.expected_version)
        row = await delete(edit, table, pk, expected, input.reason, check)
    return row


async def restore_record(
    info: Info, table: Table, record: strawberry.ID, reason: str, check: Check | None = None
) -> asyncpg.Record:
    """restoreX: bring the record back (admins only)."""
    async with editing(info, Role.ADMIN) as edit:
        _, pk = record_id(record, (table.entity,), "id", argument="id")
        row = await restore(edit, table, pk, reason, check)
    return row


async def link_record(
    info: Info,
    table: Table,
    links: Mapping[str, Link],
    input: LinkInput,
    *,
    add: bool,
    check: Check | None = None,
) -> asyncpg.Record:
    """linkX / unlinkX: add or remove one link of the record."""
    async with editing(info) as edit:
        _, pk = record_id(input.id, (table.entity,), "id")
        expected = version(input.expected_version)
        row = await relink(edit, table, links, pk, expected, input.target, add=add, check=check)
    return row
