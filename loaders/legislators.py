"""Per-request loaders for legislators, their terms and social accounts."""

from functools import partial

from db import legislators as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import keyed


class LegislatorLoaders:
    """Batches every legislator lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_bioguide_id = keyed(partial(sql.by_bioguide_ids, db))
        self.current_term = keyed(partial(sql.current_terms, db))
        self.social_accounts = keyed(partial(sql.social_accounts, db))
        self.party_affiliations = keyed(partial(sql.party_affiliations, db))

    async def page(self, f: sql.LegislatorFilter, order: str, window: Window) -> Page:
        """One page of the root `legislators` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.LegislatorFilter) -> int:
        """The size of the root `legislators` list."""
        return await sql.total(self.db, f)
