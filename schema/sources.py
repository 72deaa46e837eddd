"""Sources: the articles, reports and records that statements and incidents cite."""

from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import sources as source_sql
from db.sources import SourceFilter as SourceConditions
from schema import editing
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.dates import FuzzyDate, fuzzy_date
from schema.editing import DeleteInput, FuzzyDateInput
from schema.errors import NotFound
from schema.provenance import (
    PROVENANCE_DESCRIPTION,
    Dataset,
    Provenance,
    load_dataset,
    provenance_of,
)
from schema.relations import nested
from schema.relay import Connection, Node, connection, to_global_id, window

if TYPE_CHECKING:
    pass


@strawberry.enum(description="Sort orders for sources.")
class SourceOrder(Enum):
    NEWEST = strawberry.enum_value(
        "newest", description="Most recently published first; unknown dates last."
    )
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
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
    version: int = strawberry.field(
        description="Moves on with every change; pass it as `expectedVersion` to change the record."
    )
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")
    provenance: Provenance | None = strawberry.field(description=PROVENANCE_DESCRIPTION)

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
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance_of(row),
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Source | None":
        row = await info.context.loaders.sources.by_id.load(pk)
        return cls.from_row(row) if row else None

    @strawberry.field(description="The dataset this source record came from, or null.")
    async def dataset(self, info: Info) -> Dataset | None:
        return await load_dataset(info, self.dataset_pk)

    statements = nested(
        "Source",
        "statements",
        "schema.statements:Statement",
        "Statements this source records, newest first.",
    )

    incidents = nested(
        "Source",
        "incidents",
        "schema.incidents:Incident",
        "Incidents this source records, newest first.",
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
    def sources(
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
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Source.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description="One source by URL; null, with a NOT_FOUND error, if there is none."
    )
    async def source(
        self,
        info: Info,
        url: Annotated[str, strawberry.argument(description="The source's URL, exactly.")],
    ) -> Source | None:
        row = await info.context.loaders.sources.by_url.load(url)
        if row is None:
            raise NotFound(f"no source with url {url!r}")
        return Source.from_row(row)


@strawberry.input(description="A new source: a `url`, a `title`, or both.")
class SourceInput:
    url: str | None = strawberry.field(
        default=None,
        description="Where it is published: an http(s) URL (at most 2,000 characters).",
    )
    title: str | None = strawberry.field(
        default=None, description="Its title (at most 1,000 characters)."
    )
    publisher: str | None = strawberry.field(
        default=None, description="Who published it (at most 300 characters)."
    )
    published: FuzzyDateInput | None = strawberry.field(
        default=None, description="When it was published; omitted means unknown."
    )
    archived_url: str | None = strawberry.field(
        default=None, description="A copy in a web archive: an http(s) URL."
    )

    def values(self, prefix: str = "") -> dict[str, Any]:
        """The columns of the new source, checked; errors name `prefix` + the field."""
        published_on, precision = editing.fuzzy(
            self.published or editing.UNKNOWN_DATE, f"{prefix}published"
        )
        values = {
            "url": editing.url(self.url, f"{prefix}url"),
            "title": editing.text(self.title, f"{prefix}title", "title"),
            "publisher": editing.text(self.publisher, f"{prefix}publisher", "publisher"),
            "published_on": published_on,
            "published_precision": precision,
            "archived_url": editing.url(self.archived_url, f"{prefix}archivedUrl"),
        }
        _needs_url_or_title(values, prefix)
        return values


def _needs_url_or_title(values: Mapping[str, Any], prefix: str = "") -> None:
    if values["url"] is None and values["title"] is None:
        raise editing.invalid(f"{prefix}url", "a source needs a `url` or a `title`")


@strawberry.input(description="Changes to a source; omitted fields stay as they are.")
class UpdateSourceInput:
    id: strawberry.ID = strawberry.field(description="The source's global id.")
    expected_version: int = strawberry.field(
        description="The `version` the source had when read; CONFLICT if it has changed since."
    )
    url: str | None = strawberry.field(
        default=strawberry.UNSET, description="An http(s) URL; null removes it."
    )
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description="The title; null removes it."
    )
    publisher: str | None = strawberry.field(
        default=strawberry.UNSET, description="The publisher; null removes it."
    )
    published: FuzzyDateInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="When it was published (precision UNKNOWN if not known).",
    )
    archived_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="A copy in a web archive; null removes it."
    )

    def values(self) -> dict[str, Any]:
        """The columns to change, checked."""
        values: dict[str, Any] = {}
        if editing.given(self.url):
            values["url"] = editing.url(self.url, "url")
        if editing.given(self.title):
            values["title"] = editing.text(self.title, "title", "title")
        if editing.given(self.publisher):
            values["publisher"] = editing.text(self.publisher, "publisher", "publisher")
        if editing.given(self.published):
            values["published_on"], values["published_precision"] = editing.fuzzy(
                self.published, "published"
            )
        if editing.given(self.archived_url):
            values["archived_url"] = editing.url(self.archived_url, "archivedUrl")
        return values


@strawberry.type(description="The source a mutation wrote.")
class SourcePayload:
    source: Source = strawberry.field(description="The source as written.")


async def _not_sole_source(tx: Any, row: Any) -> None:
    statements, incidents = await source_sql.sole_source_counts(tx, row["id"])
    if statements or incidents:
        raise editing.invalid(
            "id",
            f"this is the only source of {statements} statement(s) and {incidents} incident(s);"
            " link them to another source first",
        )


@strawberry.type
class SourceMutations:
    @strawberry.mutation(description="Add a source. Needs an editor key.")
    async def create_source(
        self,
        info: Info,
        input: Annotated[SourceInput, strawberry.argument(description="The new source.")],
    ) -> SourcePayload:
        async with editing.editing(info) as edit:
            row = await editing.create(edit, source_sql.TABLE, input.values())
        return SourcePayload(source=Source.from_row(row))

    @strawberry.mutation(description="Change a source. Needs an editor key.")
    async def update_source(
        self,
        info: Info,
        input: Annotated[UpdateSourceInput, strawberry.argument(description="The changes.")],
    ) -> SourcePayload:
        row = await editing.update_record(
            info,
            source_sql.TABLE,
            input.id,
            input.expected_version,
            input.values,
            _needs_url_or_title,
        )
        return SourcePayload(source=Source.from_row(row))

    @strawberry.mutation(
        description="Delete a source (it can be restored). Refused while it is the only source "
        "of a statement or incident. Needs an editor key."
    )
    async def delete_source(
        self,
        info: Info,
        input: Annotated[DeleteInput, strawberry.argument(description="What to delete, and why.")],
    ) -> SourcePayload:
        row = await editing.delete_record(info, source_sql.TABLE, input, _not_sole_source)
        return SourcePayload(source=Source.from_row(row))

    @strawberry.mutation(description="Bring back a deleted source. Needs an admin key.")
    async def restore_source(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The source's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why it is restored.")],
    ) -> SourcePayload:
        row = await editing.restore_record(info, source_sql.TABLE, id, reason)
        return SourcePayload(source=Source.from_row(row))
