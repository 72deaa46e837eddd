"""The loaders of one request: created per request, never shared between requests."""

from db.pool import Executor
from loaders.audit import AuditLoaders
from loaders.bills import BillLoaders
from loaders.committees import CommitteeLoaders
from loaders.datasets import DatasetLoaders
from loaders.incidents import IncidentLoaders
from loaders.legislators import LegislatorLoaders
from loaders.organizations import OrganizationLoaders
from loaders.people import PersonLoaders
from loaders.sources import SourceLoaders
from loaders.statements import StatementLoaders
from loaders.topics import TopicLoaders
from loaders.votes import VoteLoaders


class Loaders:
    """Every domain's loaders for one request."""

    def __init__(self, db: Executor) -> None:
        self.legislators = LegislatorLoaders(db)
        self.committees = CommitteeLoaders(db)
        self.bills = BillLoaders(db)
        self.votes = VoteLoaders(db)
        self.statements = StatementLoaders(db)
        self.incidents = IncidentLoaders(db)
        self.people = PersonLoaders(db)
        self.organizations = OrganizationLoaders(db)
        self.sources = SourceLoaders(db)
        self.topics = TopicLoaders(db)
        self.audit = AuditLoaders(db)
        self.datasets = DatasetLoaders(db)
        self.db = db
