"""The loaders of one request: created per request, never shared between requests."""

from db.pool import Executor
from loaders.committees import CommitteeLoaders
from loaders.legislators import LegislatorLoaders


class Loaders:
    """Every domain's loaders for one request."""

    def __init__(self, db: Executor) -> None:
        self.legislators = LegislatorLoaders(db)
        self.committees = CommitteeLoaders(db)
