"""Topics: the subjects that tie bills, votes, statements and incidents together."""

import re
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db.topics import TopicFilter as TopicConditions
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.errors import BadUserInput, NotFound
from schema.relay import Connection, Node, connection, loaded_count, to_global_id, window
from schema.validation import search_words

if TYPE_CHECKING:
    from schema.bills import Bill
    from schema.incidents import Incident
    from schema.statements import Statement
    from schema.votes import Vote

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def parse_slug(value: str | None, argument: str) -> str | None:
    """A slug such as `qualified-immunity`, lower-cased, or BAD_USER_INPUT."""
    if value is None:
        return None
    slug = value.strip().lower()
    if not _SLUG.match(slug):
        raise BadUserInput(
            f"`{argument}` must be a slug such as `qualified-immunity`, got {value!r}",
            argument=argument,
        )
    return slug


@strawberry.enum(description="Sort orders for topics.")
class TopicOrder(Enum):
    NAME = strawberry.enum_value("name", description="By name.")
    UPDATED_AT = strawberry.enum_value(
        "updated", description="Oldest change first: for incremental sync."
    )


@strawberry.type(
    description="A subject that bills, votes, statements and incidents are filed under."
)
class Topic(Node):
    pk: strawberry.Private[int]
    slug: str = strawberry.field(
        description="Natural key, e.g. `qualified-immunity-for-ice-agents`."
    )
    name: str = strawberry.field(description="The topic's name.")
    description: str | None = strawberry.field(description="What the topic covers.")
    created_at: datetime = strawberry.field(description="When this record was first stored.")
    updated_at: datetime = strawberry.field(description="When this record last changed.")

    @classmethod
    def from_row(cls, row: Any) -> "Topic":
        return cls(
            pk=row["id"],
            id=to_global_id("Topic", row["id"]),
            slug=row["slug"],
            name=row["name"],
            description=row["description"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Topic | None":
        row = await info.context.loaders.topics.by_id.load(pk)
        return cls.from_row(row) if row else None

    @strawberry.field(description="Bills filed under this topic, newest introduced first.")
    async def bills(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Bill", strawberry.lazy("schema.bills")]]:
        from schema.bills import Bill

        loaders = info.context.loaders.topics
        page = await loaders.bills.load((self.pk, window(first, after, last, before)))
        return connection(page, Bill.from_row, lambda: loaded_count(loaders.bill_count, self.pk))

    @strawberry.field(description="Roll-call votes filed under this topic, newest first.")
    async def votes(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Vote", strawberry.lazy("schema.votes")]]:
        from schema.votes import Vote

        loaders = info.context.loaders.topics
        page = await loaders.votes.load((self.pk, window(first, after, last, before)))
        return connection(page, Vote.from_row, lambda: loaded_count(loaders.vote_count, self.pk))

    @strawberry.field(
        description="Statements filed under this topic, newest first (unknown dates last)."
    )
    async def statements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Statement", strawberry.lazy("schema.statements")]]:
        from schema.statements import Statement

        loaders = info.context.loaders.topics
        page = await loaders.statements.load((self.pk, window(first, after, last, before)))
        return connection(
            page, Statement.from_row, lambda: loaded_count(loaders.statement_count, self.pk)
        )

    @strawberry.field(
        description="Incidents filed under this topic, newest first (unknown dates last)."
    )
    async def incidents(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Incident", strawberry.lazy("schema.incidents")]]:
        from schema.incidents import Incident

        loaders = info.context.loaders.topics
        page = await loaders.incidents.load((self.pk, window(first, after, last, before)))
        return connection(
            page, Incident.from_row, lambda: loaded_count(loaders.incident_count, self.pk)
        )


@strawberry.input(description="Conditions on topics; all given conditions must hold.")
class TopicFilter:
    name: str | None = strawberry.field(default=None, description="Words that begin the name.")
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only records changed after this time (for incremental sync)."
    )

    def conditions(self) -> TopicConditions:
        return TopicConditions(
            name=search_words(self.name, "name"), updated_since=self.updated_since
        )


@strawberry.type
class TopicQueries:
    @strawberry.field(description="Topics, filtered and sorted.")
    async def topics(
        self,
        info: Info,
        filter: Annotated[
            TopicFilter | None,
            strawberry.argument(description="Only items matching all of these."),
        ] = None,
        order_by: Annotated[
            TopicOrder, strawberry.argument(description="The sort order.")
        ] = TopicOrder.NAME,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Topic]:
        conditions = (filter or TopicFilter()).conditions()
        loaders = info.context.loaders.topics
        page = await loaders.page(
            conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Topic.from_row, lambda: loaders.total(conditions))

    @strawberry.field(description="One topic by slug; NOT_FOUND if there is none.")
    async def topic(
        self,
        info: Info,
        slug: Annotated[
            str,
            strawberry.argument(description="A slug such as `qualified-immunity-for-ice-agents`."),
        ],
    ) -> Topic:
        row = await info.context.loaders.topics.by_slug.load(slug)
        if row is None:
            raise NotFound(f"no topic with slug {slug!r}")
        return Topic.from_row(row)
