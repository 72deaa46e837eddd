"""Per-request loaders for bills and everything listed under a bill."""

from functools import partial

from db import bills as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import grouped, keyed


class BillLoaders:
    """Batches every bill lookup made while answering one request.

    Connection loaders are keyed by `(parent pk, window)`; `cosponsors` by
    `(bill pk, (window, include_withdrawn))` and `cosponsor_count` by
    `(bill pk, include_withdrawn)`.
    """

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_bill_id = keyed(partial(sql.by_bill_ids, db))
        self.titles = keyed(partial(sql.titles, db))
        self.subjects = keyed(partial(sql.subjects, db))
        self.summaries = keyed(partial(sql.summaries, db))
        self.text_versions = keyed(partial(sql.text_versions, db))
        self.cosponsors = grouped(partial(sql.cosponsor_pages, db))
        self.cosponsor_count = grouped(partial(sql.cosponsor_counts, db))
        self.actions = grouped(partial(sql.action_pages, db))
        self.action_count = keyed(partial(sql.action_counts, db))
        self.committees = grouped(partial(sql.committee_pages, db))
        self.committee_count = keyed(partial(sql.committee_counts, db))
        self.related = grouped(partial(sql.related_pages, db))
        self.related_count = keyed(partial(sql.related_counts, db))
        self.votes = grouped(partial(sql.vote_pages, db))
        self.vote_count = keyed(partial(sql.vote_counts, db))
        self.statements = grouped(partial(sql.statement_pages, db))
        self.statement_count = keyed(partial(sql.statement_counts, db))
        self.topics = grouped(partial(sql.topic_pages, db))
        self.topic_count = keyed(partial(sql.topic_counts, db))
        self.incidents = grouped(partial(sql.incident_pages, db))
        self.incident_count = keyed(partial(sql.incident_counts, db))
        # Keyed by legislator pk: for Legislator.sponsoredBills and cosponsoredBills.
        self.sponsored_by = grouped(partial(sql.sponsored_pages, db))
        self.sponsored_count = keyed(partial(sql.sponsored_counts, db))
        self.cosponsored_by = grouped(partial(sql.cosponsored_pages, db))
        self.cosponsored_count = keyed(partial(sql.cosponsored_counts, db))
        # Keyed by committee pk: for Committee.bills.
        self.referred_to = grouped(partial(sql.referred_pages, db))
        self.referred_count = keyed(partial(sql.referred_counts, db))

    async def page(self, f: sql.BillFilter, order: str, window: Window) -> Page:
        """One page of the root `bills` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.BillFilter) -> int:
        """The size of the root `bills` list."""
        return await sql.total(self.db, f)
