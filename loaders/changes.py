"""Per-request access to the change feed (db/changes.py)."""

from collections.abc import Sequence

from db import changes as sql
from db.pagination import Page, Window
from db.pool import Executor


class ChangeLoaders:
    """Reads pages of the change feed for one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db

    async def page(self, node_types: Sequence[str] | None, window: Window) -> Page:
        """One page of the feed, oldest settled change first."""
        return await sql.page(self.db, node_types, window)

    async def count(self, node_types: Sequence[str] | None) -> int:
        """How many settled changes the feed holds."""
        return await sql.total(self.db, node_types)
