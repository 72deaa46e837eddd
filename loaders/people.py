"""Per-request loaders for people."""

from functools import partial

from db import people as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import keyed


class PersonLoaders:
    """Batches every person lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_slug = keyed(partial(sql.by_slugs, db))

    async def page(self, f: sql.PersonFilter, order: str, window: Window) -> Page:
        """One page of the root `people` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.PersonFilter) -> int:
        """The size of the root `people` list."""
        return await sql.total(self.db, f)
