"""Per-request loaders for committees and memberships."""

from functools import partial

from db import committees as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import keyed


class CommitteeLoaders:
    """Batches every committee lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_thomas_id = keyed(partial(sql.by_thomas_ids, db))

    async def page(self, f: sql.CommitteeFilter, order: str, window: Window) -> Page:
        """One page of the root `committees` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.CommitteeFilter) -> int:
        """The size of the root `committees` list."""
        return await sql.total(self.db, f)
