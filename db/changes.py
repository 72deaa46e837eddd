"""SQL for the change feed (migration 0014, docs/changes.md): every created, updated, deleted
or restored record, in commit-safe order."""

from collections.abc import Sequence

from db.pagination import Listing, Ordering, Page, Params, Window, count, fetch_page
from db.pool import Executor

COLUMNS = "ch.id, ch.tx, ch.at, ch.node_type, ch.row_id, ch.kind, ch.data_version"

# Transaction, then row: a later transaction's changes never come before an earlier one's.
FEED = Ordering("feed", (("ch.tx", "bigint"), ("ch.id", "bigint")))

# Only transactions older than every transaction still in progress: one that took its id
# earlier but commits later would otherwise appear behind a reader's cursor and be skipped.
SETTLED = "ch.tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


def listing(node_types: Sequence[str] | None) -> Listing:
    """The settled changes, of `node_types` only when given (GraphQL type names)."""
    p = Params()
    where = [SETTLED]
    if node_types is not None:
        where.append(f"ch.node_type = ANY({p.add(list(node_types))}::text[])")
    return Listing(COLUMNS, "changes ch", tuple(where), tuple(p.values))


async def page(db: Executor, node_types: Sequence[str] | None, window: Window) -> Page:
    """One page of the feed after `window.after`, oldest first. Raises CursorError for a
    cursor that is not the feed's."""
    return await fetch_page(db, listing(node_types), FEED, window)


async def total(db: Executor, node_types: Sequence[str] | None) -> int:
    """How many settled changes the feed holds (of `node_types` only when given)."""
    return await count(db, listing(node_types))
