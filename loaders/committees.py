"""Per-request loaders for committees and memberships."""

from functools import partial

from db import committees as sql
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import grouped, keyed, sets


class CommitteeLoaders:
    """Batches every committee lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.by_id = keyed(partial(sql.by_ids, db))
        self.by_ids = sets(partial(sql.by_ids, db))
        self.by_thomas_id = keyed(partial(sql.by_thomas_ids, db))
        self.subcommittees = grouped(partial(sql.subcommittee_pages, db))
        self.subcommittee_count = keyed(partial(sql.subcommittee_counts, db))
        self.members = grouped(partial(sql.member_pages, db))
        self.member_count = keyed(partial(sql.member_counts, db))
        self.memberships_of = grouped(partial(sql.membership_pages, db))
        self.membership_count = keyed(partial(sql.membership_counts, db))

    async def page(self, f: sql.CommitteeFilter, order: str, window: Window) -> Page:
        """One page of the root `committees` list."""
        return await sql.page(self.db, f, order, window)

    async def total(self, f: sql.CommitteeFilter) -> int:
        """The size of the root `committees` list."""
        return await sql.total(self.db, f)
