"""Per-request access to the change feed (db/changes.py), and its wake-ups
(db/change_notices.py) for subscriptions."""

import asyncio
from collections.abc import Sequence

from db import changes as sql
from db.pagination import Page, Window
from db.pool import Database, Executor


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

    async def newest(self) -> str | None:
        """The cursor of the newest settled change, or None while the feed is empty."""
        return await sql.newest(self.db)

    async def held_back(self) -> bool:
        """Whether committed changes wait behind a transaction still in progress."""
        return await sql.held_back(self.db)

    def ticket(self) -> asyncio.Event:
        """Take before reading the feed; pass to `wait` after finding nothing new."""
        return self._database().notices.ticket()

    async def wait(self, ticket: asyncio.Event, seconds: float) -> bool:
        """Wait for a notice of new changes after `ticket`, at most `seconds`; True when one
        came."""
        return await self._database().notices.wait(ticket, seconds)

    def listening(self) -> bool:
        """Whether notices arrive now (when not, readers must look again on their own)."""
        return self._database().notices.listening.is_set()

    def _database(self) -> Database:
        if not isinstance(self.db, Database):
            raise TypeError("notices of new changes need the pool, not a single connection")
        return self.db
