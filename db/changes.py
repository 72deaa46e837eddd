"""SQL for the change feed (migration 0014, docs/changes.md): every created, updated, deleted
or restored record, in commit-safe order."""

from collections.abc import Sequence
from datetime import timedelta

from db.pagination import (
    CursorError,
    Listing,
    Ordering,
    Page,
    Params,
    Window,
    count,
    fetch_page,
)
from db.pool import Database, Executor

COLUMNS = "ch.id, ch.tx, ch.at, ch.node_type, ch.row_id, ch.kind, ch.data_version"

# Transaction, then row: a later transaction's changes never come before an earlier one's.
FEED = Ordering("feed", (("ch.tx", "bigint"), ("ch.id", "bigint")))

# Only transactions older than every transaction still in progress: one that took its id
# earlier but commits later would otherwise appear behind a reader's cursor and be skipped.
SETTLED = "ch.tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
# Committed, and not yet settled: a change the feed holds back.
HELD = "ch.tx >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


def listing(node_types: Sequence[str] | None) -> Listing:
    """The settled changes, of `node_types` only when given (GraphQL type names)."""
    p = Params()
    where = [SETTLED]
    if node_types is not None:
        where.append(f"ch.node_type = ANY({p.add(list(node_types))}::text[])")
    return Listing(COLUMNS, "changes ch", tuple(where), tuple(p.values))


class CursorExpired(CursorError):
    """A feed cursor before the retention horizon: changes after it may be gone."""


async def page(db: Executor, node_types: Sequence[str] | None, window: Window) -> Page:
    """One page of the feed after `window.after`, oldest first. Raises CursorError for a
    cursor that is not the feed's, and CursorExpired for one before the retention horizon
    (changes after it were pruned, `prune`); the horizon itself is fine: nothing after it was
    pruned."""
    if window.after is not None:
        position = FEED.decode(window.after)
        pruned = await db.fetchrow("SELECT tx, id FROM changes_horizon")
        if pruned is not None and position < (pruned["tx"], pruned["id"]):
            raise CursorExpired(
                f"cursor {window.after!r} is older than the change feed's retention: changes"
                " after it were pruned. Export again (docs/export.md) and follow the feed from"
                " the export's cursor"
            )
    return await fetch_page(db, listing(node_types), FEED, window)


async def newest(db: Executor) -> str | None:
    """The feed cursor of the newest settled change (the feed's current end); once every
    change was pruned, of the retention horizon (`prune`); else None. A change settled later
    always sorts after it."""
    found = await fetch_page(db, listing(None), FEED, Window(last=1))
    if found.rows:
        return found.cursor(0)
    pruned = await db.fetchrow("SELECT tx AS _k0, id AS _k1 FROM changes_horizon")
    return None if pruned is None else FEED.encode(pruned)


async def held_back(db: Executor) -> bool:
    """Whether committed changes are held back behind a transaction still in progress (they
    show once it ends, and no notice says so: docs/changes.md)."""
    return bool(await db.fetchval(f"SELECT EXISTS (SELECT 1 FROM changes ch WHERE {HELD})"))


async def total(db: Executor, node_types: Sequence[str] | None) -> int:
    """How many settled changes the feed holds (of `node_types` only when given)."""
    return await count(db, listing(node_types))


async def prune(db: Database, older_than: timedelta) -> int:
    """Remove the changes recorded more than `older_than` ago (a prefix of the feed, settled
    changes only) and move the retention horizon to the last one removed; returns how many
    were removed. Cursors before the horizon are refused from then on (`page`)."""
    async with db.transaction() as tx:
        last = await tx.fetchrow(
            f"""SELECT ch.tx, ch.id FROM changes ch
                WHERE {SETTLED} AND ch.at < now() - $1::interval
                ORDER BY ch.tx DESC, ch.id DESC LIMIT 1""",
            older_than,
        )
        if last is None:
            return 0
        status = await tx.execute(
            "DELETE FROM changes WHERE (tx, id) <= ($1::bigint, $2::bigint)",
            last["tx"],
            last["id"],
        )
        await tx.execute(
            """INSERT INTO changes_horizon (tx, id) VALUES ($1, $2)
               ON CONFLICT (singleton) DO UPDATE
               SET tx = excluded.tx, id = excluded.id, pruned_at = now()
               WHERE (changes_horizon.tx, changes_horizon.id) < (excluded.tx, excluded.id)""",
            last["tx"],
            last["id"],
        )
    return int(status.split()[-1])
