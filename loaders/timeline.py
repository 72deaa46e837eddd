"""Per-request loaders for a topic's timeline: bill actions by row id."""

from functools import partial

from db import timeline as sql
from db.pool import Executor
from loaders.batching import keyed


class TimelineLoaders:
    """Batches the lookups of one request's timeline items."""

    def __init__(self, db: Executor) -> None:
        self.actions = keyed(partial(sql.actions_by_ids, db))
