"""Per-request access to the search box (`search(query:)`): its pages and counts."""

from collections.abc import Sequence

from db import search as sql
from db.pagination import Page, Window
from db.pool import Executor


class SearchLoaders:
    """The search box's statements for one request; its result nodes load through each
    type's own by-id loader, batched per type."""

    def __init__(self, db: Executor) -> None:
        self.db = db

    async def page(self, text: str, types: Sequence[str], window: Window) -> Page:
        """One page of search results (`db.search.search_page`)."""
        return await sql.search_page(self.db, text, types, window)

    async def total(self, text: str, types: Sequence[str]) -> int:
        """How many records the search finds (`db.search.search_total`)."""
        return await sql.search_total(self.db, text, types)
