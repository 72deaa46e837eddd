"""Per-request loaders for a member's record on a topic: its vote positions and
cosponsorships by row id, and the stance tags on statements' links."""

from functools import partial

from db import record as sql
from db.pool import Executor
from loaders.batching import keyed


class RecordLoaders:
    """Batches the lookups of one request's record items and stance tags."""

    def __init__(self, db: Executor) -> None:
        self.positions = keyed(partial(sql.positions_by_ids, db))
        self.cosponsorships = keyed(partial(sql.cosponsorships_by_ids, db))
        # By statement row id: the stance tags on its links.
        self.statement_stances = keyed(partial(sql.stances_by_statements, db))
        # By (legislator, topic, vote) row ids: tags of the legislator's statements on the
        # topic that take a stance on the vote or its bill.
        self.vote_stances = keyed(partial(sql.stances_on_votes, db))
