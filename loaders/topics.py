"""Per-request loaders for topics and what is filed under them."""

from functools import partial

from db import topics as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import keyed


class TopicLoaders:
    """Batches every topic lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_slug = keyed(partial(sql.by_slugs, db))

    async def page(self, f: sql.TopicFilter, order: str, window: Window) -> Page:
        """One page of the root `topics` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.TopicFilter) -> int:
        """The size of the root `topics` list."""
        return await sql.total(self.db, f)
