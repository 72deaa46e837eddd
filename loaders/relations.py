"""Per-request loaders for every relation to many declared in db/model.py, made on first use.

A page loader is keyed by `(parent pk, (window, narrowing))` and a count loader by
`(parent pk, narrowing)`: every parent asking for the same page shape is answered by one SQL
statement (loaders.batching.grouped).
"""

from collections.abc import Hashable
from functools import partial

from strawberry.dataloader import DataLoader

from db import relations as sql
from db.model import NestedConnection
from db.pagination import Page, Window
from db.pool import Executor
from loaders.batching import grouped


class RelationLoaders:
    """The loaders of each relation used while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self._pages: dict[int, DataLoader[tuple[int, tuple[Window, Hashable]], Page]] = {}
        self._counts: dict[int, DataLoader[tuple[int, Hashable], int]] = {}

    def pages(
        self, relation: NestedConnection
    ) -> DataLoader[tuple[int, tuple[Window, Hashable]], Page]:
        """The page loader of `relation`."""
        loader = self._pages.get(id(relation))
        if loader is None:
            loader = self._pages[id(relation)] = grouped(partial(sql.pages, self.db, relation))
        return loader

    def counts(self, relation: NestedConnection) -> DataLoader[tuple[int, Hashable], int]:
        """The count loader of `relation`."""
        loader = self._counts.get(id(relation))
        if loader is None:
            loader = self._counts[id(relation)] = grouped(partial(sql.counts, self.db, relation))
        return loader
