"""The SQL of every relation to many declared in db/model.py: a page per parent, a count per
parent, each one statement however many parents ask (db/pagination.py's LATERAL join and
GROUP BY). Nothing here is written per relation."""

from collections.abc import Hashable, Sequence
from typing import Any

from db.model import NestedConnection
from db.pagination import Page, Window, count_by_parent, fetch_pages_by_parent
from db.pool import Executor


async def pages(
    db: Executor,
    relation: NestedConnection,
    parent_ids: Sequence[int],
    args: tuple[Window, Hashable],
) -> dict[int, Page]:
    """One page of `relation`'s rows for each parent primary key.

    `args` is the page window and the value of the field's narrowing argument (None when it
    has none, see `NestedConnection.rows`). Raises CursorError for a cursor of another
    ordering.
    """
    window, narrowing = args
    return await fetch_pages_by_parent(
        db,
        relation.rows(narrowing),
        (relation.parent_key, "bigint"),
        parent_ids,
        relation.ordering,
        window,
    )


async def counts(
    db: Executor, relation: NestedConnection, parent_ids: Sequence[int], narrowing: Any
) -> dict[int, int]:
    """How many of `relation`'s rows each parent primary key has (0 when none)."""
    return await count_by_parent(
        db, relation.rows(narrowing), (relation.parent_key, "bigint"), parent_ids
    )
