"""Per-request loaders for datasets."""

from functools import partial

from db import datasets as sql
from db.pool import Executor
from loaders.batching import keyed


class DatasetLoaders:
    """Batches every dataset lookup made while answering one request."""

    def __init__(self, db: Executor) -> None:
        self.by_id = keyed(partial(sql.by_ids, db))
