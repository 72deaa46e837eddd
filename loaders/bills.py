"""Per-request loaders for bills and everything listed under a bill."""

from functools import partial

from db import bills as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import keyed


class BillLoaders:
    """Batches every bill lookup made while answering one request. Relations to many are
    loaded by loaders.relations."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_bill_id = keyed(partial(sql.by_bill_ids, db))
        self.titles = keyed(partial(sql.titles, db))
        self.subjects = keyed(partial(sql.subjects, db))
        self.summaries = keyed(partial(sql.summaries, db))
        self.text_versions = keyed(partial(sql.text_versions, db))

    async def page(self, f: sql.BillFilter, order: str, window: Window) -> Page:
        """One page of the root `bills` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.BillFilter) -> int:
        """The size of the root `bills` list."""
        return await sql.total(self.db, f)
