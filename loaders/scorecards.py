"""Per-request loaders for scorecards: each topic's scorecard, what it counts, and the parts
of every ranked member's score, each batched into one statement."""

from functools import partial

from db import scorecards as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import grouped, keyed


class ScorecardLoaders:
    """Batches every scorecard lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_topic = keyed(partial(sql.by_topic_ids, db))
        self.items = keyed(partial(sql.items, db))
        # Keyed by (legislator row id, scorecard row id).
        self.parts = grouped(partial(sql.parts, db))

    async def members(self, scorecard_id: int, f: sql.MemberFilter, window: Window) -> Page:
        """One page of a scorecard's ranking."""
        return await sql.members_page(self.db, scorecard_id, f, window)
