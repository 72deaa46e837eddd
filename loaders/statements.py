"""Per-request loaders for statements and what they link to."""

from functools import partial

from db import statements as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import keyed


class StatementLoaders:
    """Batches every statement lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_external_key = keyed(partial(sql.by_external_keys, db))

    async def page(self, f: sql.StatementFilter, order: str, window: Window) -> Page:
        """One page of the root `statements` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.StatementFilter) -> int:
        """The size of the root `statements` list."""
        return await sql.total(self.db, f)
