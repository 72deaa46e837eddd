"""SQL for the audit log: one row per write, inserted in the write's own transaction."""

from dataclasses import dataclass
from datetime import datetime

from db.pagination import Listing, Ordering, Page, Params, Window, count, fetch_page
from db.pool import Executor

COLUMNS = (
    "a.id, a.at, a.key_id, a.key_name, a.action, a.entity_type, a.entity_id, a.before::text,"
    " a.after::text, a.reason, a.linked_type, a.linked_id, a.request_id"
)

ORDERINGS = {
    "newest": Ordering("newest", (("a.at", "timestamptz"), ("a.id", "bigint")), descending=True),
    "oldest": Ordering("oldest", (("a.at", "timestamptz"), ("a.id", "bigint"))),
}


@dataclass(frozen=True)
class Actor:
    """Who writes: the API key (id and name) and the request, when known."""

    key_id: int | None
    key_name: str | None
    request_id: str | None = None


@dataclass(frozen=True)
class Entry:
    """What was written. `before` and `after` are JSON text; `linked_*` name the other end
    of a link or unlink."""

    action: str
    entity_type: str
    entity_id: int
    before: str | None
    after: str | None
    reason: str | None = None
    linked_type: str | None = None
    linked_id: int | None = None


async def record(tx: Executor, actor: Actor, entry: Entry) -> int:
    """Write `entry` to the audit log and return its id."""
    entry_id = await tx.fetchval(
        "INSERT INTO audit_log (key_id, key_name, action, entity_type, entity_id, before, after,"
        " reason, linked_type, linked_id, request_id)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11) RETURNING id",
        actor.key_id,
        actor.key_name,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.before,
        entry.after,
        entry.reason,
        entry.linked_type,
        entry.linked_id,
        actor.request_id,
    )
    return int(entry_id)


@dataclass(frozen=True)
class AuditFilter:
    """Conditions on audit entries."""

    entity_type: str | None = None
    entity_id: int | None = None
    key_name: str | None = None
    action: str | None = None
    since: datetime | None = None


def listing(f: AuditFilter) -> Listing:
    """The audit entries that match `f`."""
    p = Params()
    where = []
    if f.entity_type is not None:
        where.append(f"a.entity_type = {p.add(f.entity_type)}")
    if f.entity_id is not None:
        where.append(f"a.entity_id = {p.add(f.entity_id)}")
    if f.key_name is not None:
        where.append(f"a.key_name = {p.add(f.key_name)}")
    if f.action is not None:
        where.append(f"a.action = {p.add(f.action)}")
    if f.since is not None:
        where.append(f"a.at > {p.add(f.since)}")
    return Listing(COLUMNS, "audit_log a", tuple(where), tuple(p.values))


async def page(db: Executor, f: AuditFilter, order: str, window: Window) -> Page:
    """One page of audit entries matching `f`."""
    return await fetch_page(db, listing(f), ORDERINGS[order], window)


async def total(db: Executor, f: AuditFilter) -> int:
    """How many audit entries match `f`."""
    return await count(db, listing(f))
