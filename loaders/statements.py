"""Per-request loaders for statements and what they link to."""

from functools import partial

from db import statements as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import grouped, keyed


class StatementLoaders:
    """Batches every statement lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_external_key = keyed(partial(sql.by_external_keys, db))
        self.sources = grouped(partial(sql.source_pages, db))
        self.source_count = keyed(partial(sql.source_counts, db))
        self.incidents = grouped(partial(sql.incident_pages, db))
        self.incident_count = keyed(partial(sql.incident_counts, db))
        self.topics = grouped(partial(sql.topic_pages, db))
        self.topic_count = keyed(partial(sql.topic_counts, db))
        # For `Legislator.statements`: keyed by legislator row id.
        self.by_legislator = grouped(partial(sql.legislator_pages, db))
        self.by_legislator_count = keyed(partial(sql.legislator_counts, db))
        self.bills = grouped(partial(sql.bill_pages, db))
        self.bill_count = keyed(partial(sql.bill_counts, db))
        self.votes = grouped(partial(sql.vote_pages, db))
        self.vote_count = keyed(partial(sql.vote_counts, db))

    async def page(self, f: sql.StatementFilter, order: str, window: Window) -> Page:
        """One page of the root `statements` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.StatementFilter) -> int:
        """The size of the root `statements` list."""
        return await sql.total(self.db, f)
