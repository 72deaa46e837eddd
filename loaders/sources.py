"""Per-request loaders for sources."""

from functools import partial

from db import sources as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import keyed


class SourceLoaders:
    """Batches every source lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_url = keyed(partial(sql.by_urls, db))

    async def page(self, f: sql.SourceFilter, order: str, window: Window) -> Page:
        """One page of the root `sources` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.SourceFilter) -> int:
        """The size of the root `sources` list."""
        return await sql.total(self.db, f)
