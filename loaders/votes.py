"""Per-request loaders for roll-call votes, positions and tallies."""

from functools import partial

from db import votes as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import keyed


class VoteLoaders:
    """Batches every vote lookup made while answering one request. Relations to many are
    loaded by loaders.relations."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_vote_id = keyed(partial(sql.by_vote_ids, db))
        self.totals = keyed(partial(sql.totals, db))
        self.option_totals = keyed(partial(sql.option_totals, db))

    async def page(self, f: sql.VoteFilter, order: str, window: Window) -> Page:
        """One page of the root `votes` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.VoteFilter) -> int:
        """The size of the root `votes` list."""
        return await sql.total(self.db, f)
