"""Sources: the articles, reports and records that statements and incidents cite."""

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.sources import SourceFilter as SourceConditions
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.dates import FuzzyDate, fuzzy_date
from schema.errors import NotFound
from schema.relay import Connection, Node, connection, loaded_count, to_global_id, window

if TYPE_CHECKING:
    from schema.incidents import Incident
    from schema.statements import Statement


@strawberry.enum(description="Sort orders for sources.")
class SourceOrder(Enum):
    NEWEST = strawberry.enum_value(
        "newest", description="Most recently published first; unknown dates last."
    )
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.type(description="A published dataset that records come from, and its licence.")
class Dataset:
    key: str = strawberry.field(description="Stable key, e.g. `redress-curated`.")
    name: str = strawberry.field(description="The dataset's name.")
    url: str | None = strawberry.field(description="Where the dataset is published.")
    license: str = strawberry.field(description="Its licence, as an SPDX id such as `CC0-1.0`.")
    attribution: str | None = strawberry.field(
        description="The credit the licence asks for, when it asks for one."
    )

    @classmethod
    def from_row(cls, row: Any) -> "Dataset":
        return cls(
            key=row["key"],
            name=row["name"],
            url=row["url"],
            license=row["license"],
            attribution=row["attribution"],
        )


@strawberry.type(description="A document that records a statement or an incident.")
class Source(Node):
    pk: strawberry.Private[int]
    dataset_pk: strawberry.Private[int | None]
    url: str | None = strawberry.field(description="Where it is published; null if not online.")
    title: str | None = strawberry.field(description="Its title.")
    publisher: str | None = strawberry.field(description="Who published it, e.g. `The Guardian`.")
    published: FuzzyDate = strawberry.field(
        description="When it was published, as precisely as known."
    )
    archived_url: str | None = strawberry.field(description="A copy in a web archive.")
    retrieved_at: datetime | None = strawberry.field(description="When it was last retrieved.")
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")

    @classmethod
    def from_row(cls, row: Any) -> "Source":
        return cls(
            pk=row["id"],
            dataset_pk=row["dataset_id"],
            id=to_global_id("Source", row["id"]),
            url=row["url"],
            title=row["title"],
            publisher=row["publisher"],
            published=fuzzy_date(row["published_on"], row["published_precision"]),
            archived_url=row["archived_url"],
            retrieved_at=row["retrieved_at"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Source | None":
        row = await info.context.loaders.sources.by_id.load(pk)
        return cls.from_row(row) if row else None

    @strawberry.field(description="The dataset this source record came from, or null.")
    async def dataset(self, info: Info) -> Dataset | None:
        if self.dataset_pk is None:
            return None
        row = await info.context.loaders.sources.dataset.load(self.dataset_pk)
        return Dataset.from_row(row) if row else None

    @strawberry.field(description="Statements this source records, newest first.")
    async def statements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Statement", strawberry.lazy("schema.statements")]]:
        from schema.statements import Statement

        loaders = info.context.loaders.sources
        page = await loaders.statements.load((self.pk, window(first, after, last, before)))
        return connection(
            page, Statement.from_row, lambda: loaded_count(loaders.statement_count, self.pk)
        )

    @strawberry.field(description="Incidents this source records, newest first.")
    async def incidents(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Incident", strawberry.lazy("schema.incidents")]]:
        from schema.incidents import Incident

        loaders = info.context.loaders.sources
        page = await loaders.incidents.load((self.pk, window(first, after, last, before)))
        return connection(
            page, Incident.from_row, lambda: loaded_count(loaders.incident_count, self.pk)
        )


@strawberry.input(description="Conditions on sources; all given conditions must hold.")
class SourceFilter:
    publisher: str | None = strawberry.field(
        default=None, description="Published by this publisher (any letter case), e.g. `Reuters`."
    )
    dataset: str | None = strawberry.field(
        default=None, description="From the dataset with this key, e.g. `redress-curated`."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> SourceConditions:
        return SourceConditions(
            publisher=self.publisher.strip() if self.publisher is not None else None,
            dataset=self.dataset.strip() if self.dataset is not None else None,
            updated_since=self.updated_since,
        )


@strawberry.type
class SourceQueries:
    @strawberry.field(description="Sources, filtered and sorted.")
    async def sources(
        self,
        info: Info,
        filter: Annotated[
            SourceFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            SourceOrder, strawberry.argument(description="The sort order.")
        ] = SourceOrder.NEWEST,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Source]:
        conditions = (filter or SourceFilter()).conditions()
        loaders = info.context.loaders.sources
        page = await loaders.page(
            conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Source.from_row, lambda: loaders.total(conditions))

    @strawberry.field(description="One source by URL; NOT_FOUND if there is none.")
    async def source(
        self,
        info: Info,
        url: Annotated[str, strawberry.argument(description="The source's URL, exactly.")],
    ) -> Source:
        row = await info.context.loaders.sources.by_url.load(url)
        if row is None:
            raise NotFound(f"no source with url {url!r}")
        return Source.from_row(row)
