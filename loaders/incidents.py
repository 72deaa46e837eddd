"""Per-request loaders for incidents and what they link to."""

from functools import partial

from db import incidents as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import grouped, keyed


class IncidentLoaders:
    """Batches every incident lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_external_key = keyed(partial(sql.by_external_keys, db))
        self.agencies = grouped(partial(sql.agency_pages, db))
        self.agency_count = keyed(partial(sql.agency_counts, db))
        self.people = grouped(partial(sql.person_pages, db))
        self.person_count = keyed(partial(sql.person_counts, db))
        self.sources = grouped(partial(sql.source_pages, db))
        self.source_count = keyed(partial(sql.source_counts, db))
        self.statements = grouped(partial(sql.statement_pages, db))
        self.statement_count = keyed(partial(sql.statement_counts, db))
        self.topics = grouped(partial(sql.topic_pages, db))
        self.topic_count = keyed(partial(sql.topic_counts, db))
        self.bills = grouped(partial(sql.bill_pages, db))
        self.bill_count = keyed(partial(sql.bill_counts, db))

    async def page(self, f: sql.IncidentFilter, order: str, window: Window) -> Page:
        """One page of the root `incidents` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.IncidentFilter) -> int:
        """The size of the root `incidents` list."""
        return await sql.total(self.db, f)
