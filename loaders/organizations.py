"""Per-request loaders for organizations."""

from functools import partial

from db import organizations as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import keyed


class OrganizationLoaders:
    """Batches every organization lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_slug = keyed(partial(sql.by_slugs, db))

    async def page(self, f: sql.OrganizationFilter, order: str, window: Window) -> Page:
        """One page of the root `organizations` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.OrganizationFilter) -> int:
        """The size of the root `organizations` list."""
        return await sql.total(self.db, f)
