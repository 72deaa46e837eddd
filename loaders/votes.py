"""Per-request loaders for roll-call votes, positions and tallies."""

from functools import partial

from db import votes as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import grouped, keyed


class VoteLoaders:
    """Batches every vote lookup made while answering one request.

    `positions` is keyed by `(vote pk, (window, PositionFilter))` and `position_count` by
    `(vote pk, PositionFilter)`; the other connection loaders by `(parent pk, window)`.
    """

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_vote_id = keyed(partial(sql.by_vote_ids, db))
        self.totals = keyed(partial(sql.totals, db))
        self.option_totals = keyed(partial(sql.option_totals, db))
        self.positions = grouped(partial(sql.position_pages, db))
        self.position_count = grouped(partial(sql.position_counts, db))
        self.statements = grouped(partial(sql.statement_pages, db))
        self.statement_count = keyed(partial(sql.statement_counts, db))
        self.topics = grouped(partial(sql.topic_pages, db))
        self.topic_count = keyed(partial(sql.topic_counts, db))
        # Keyed by legislator pk: for Legislator.votes.
        self.positions_of_legislator = grouped(partial(sql.legislator_position_pages, db))
        self.positions_of_legislator_count = keyed(partial(sql.legislator_position_counts, db))

    async def page(self, f: sql.VoteFilter, order: str, window: Window) -> Page:
        """One page of the root `votes` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.VoteFilter) -> int:
        """The size of the root `votes` list."""
        return await sql.total(self.db, f)
