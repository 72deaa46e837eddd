"""The loaders of one request: created per request, never shared between requests."""

from functools import cached_property

from db.pool import Executor
from loaders.audit import AuditLoaders
from loaders.bills import BillLoaders
from loaders.changes import ChangeLoaders
from loaders.committees import CommitteeLoaders
from loaders.datasets import DatasetLoaders
from loaders.incidents import IncidentLoaders
from loaders.legislators import LegislatorLoaders
from loaders.organizations import OrganizationLoaders
from loaders.people import PersonLoaders
from loaders.record import RecordLoaders
from loaders.relations import RelationLoaders
from loaders.scorecards import ScorecardLoaders
from loaders.search import SearchLoaders
from loaders.sources import SourceLoaders
from loaders.statements import StatementLoaders
from loaders.timeline import TimelineLoaders
from loaders.topics import TopicLoaders
from loaders.votes import VoteLoaders


class Loaders:
    """Every domain's loaders for one request, each domain's built on its first use."""

    def __init__(self, db: Executor) -> None:
        self.db = db

    @cached_property
    def legislators(self) -> LegislatorLoaders:
        return LegislatorLoaders(self.db)

    @cached_property
    def committees(self) -> CommitteeLoaders:
        return CommitteeLoaders(self.db)

    @cached_property
    def bills(self) -> BillLoaders:
        return BillLoaders(self.db)

    @cached_property
    def votes(self) -> VoteLoaders:
        return VoteLoaders(self.db)

    @cached_property
    def statements(self) -> StatementLoaders:
        return StatementLoaders(self.db)

    @cached_property
    def incidents(self) -> IncidentLoaders:
        return IncidentLoaders(self.db)

    @cached_property
    def people(self) -> PersonLoaders:
        return PersonLoaders(self.db)

    @cached_property
    def organizations(self) -> OrganizationLoaders:
        return OrganizationLoaders(self.db)

    @cached_property
    def sources(self) -> SourceLoaders:
        return SourceLoaders(self.db)

    @cached_property
    def topics(self) -> TopicLoaders:
        return TopicLoaders(self.db)

    @cached_property
    def scorecards(self) -> ScorecardLoaders:
        return ScorecardLoaders(self.db)

    @cached_property
    def relations(self) -> RelationLoaders:
        return RelationLoaders(self.db)

    @cached_property
    def audit(self) -> AuditLoaders:
        return AuditLoaders(self.db)

    @cached_property
    def changes(self) -> ChangeLoaders:
        return ChangeLoaders(self.db)

    @cached_property
    def datasets(self) -> DatasetLoaders:
        return DatasetLoaders(self.db)

    @cached_property
    def record(self) -> RecordLoaders:
        return RecordLoaders(self.db)

    @cached_property
    def timeline(self) -> TimelineLoaders:
        return TimelineLoaders(self.db)

    @cached_property
    def search(self) -> SearchLoaders:
        return SearchLoaders(self.db)
