"""Topics: the subjects that tie bills, votes, statements and incidents together."""

import re
from datetime import datetime
from enum import Enum
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from db import topics as topic_sql
from db.topics import TopicFilter as TopicConditions
from schema import editing
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.editing import DeleteInput, LinkInput
from schema.errors import BadUserInput, NotFound
from schema.relations import nested
from schema.relay import Connection, Node, connection, to_global_id, window
from schema.validation import search_words

if TYPE_CHECKING:
    from schema.scorecards import Scorecard
    from schema.timeline import TimelineItem, TimelineKind

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
    version: int = strawberry.field(
        description="Moves on with every change; pass it as `expectedVersion` to change the record."
    )
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
            version=row["version"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @classmethod
    async def load(cls, info: Info, pk: int) -> "Topic | None":
        row = await info.context.loaders.topics.by_id.load(pk)
        return cls.from_row(row) if row else None

    bills = nested(
        "Topic",
        "bills",
        "schema.bills:Bill",
        "Bills filed under this topic, newest introduced first.",
    )

    votes = nested(
        "Topic",
        "votes",
        "schema.votes:Vote",
        "Roll-call votes filed under this topic, newest first.",
    )

    statements = nested(
        "Topic",
        "statements",
        "schema.statements:Statement",
        "Statements filed under this topic, newest first (unknown dates last).",
    )

    incidents = nested(
        "Topic",
        "incidents",
        "schema.incidents:Incident",
        "Incidents filed under this topic, newest first (unknown dates last).",
    )

    @strawberry.field(
        description="Its bills' actions, its roll-call votes (and votes on its bills), its "
        "statements and incidents in one order, oldest first: by the end of the day, month or "
        "year each date stands for, so `2026-01` sorts after every day of January 2026; "
        "unknown dates last (docs/record-and-timeline.md)."
    )
    def timeline(
        self,
        info: Info,
        kinds: Annotated[
            list[Annotated["TimelineKind", strawberry.lazy("schema.timeline")]] | None,
            strawberry.argument(description="Only items of these kinds (default: every kind)."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["TimelineItem", strawberry.lazy("schema.timeline")]]:
        from schema.timeline import timeline_of  # imports this module

        return timeline_of(info, self.pk, kinds, window(first, after, last, before))

    @strawberry.field(
        description="Its scorecard, or null when it has none: the votes and bills that count, "
        "the method in plain words, the formula, and members ranked by score "
        "(docs/scorecards.md)."
    )
    async def scorecard(
        self, info: Info
    ) -> Annotated["Scorecard", strawberry.lazy("schema.scorecards")] | None:
        from schema.scorecards import scorecard_of  # imports schema.votes, which imports this

        return await scorecard_of(info, self.pk)


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
    def topics(
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
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, Topic.from_row, lambda: loaders.total(conditions))

    @strawberry.field(
        description="One topic by slug; null, with a NOT_FOUND error, if there is none."
    )
    async def topic(
        self,
        info: Info,
        slug: Annotated[
            str,
            strawberry.argument(description="A slug such as `qualified-immunity-for-ice-agents`."),
        ],
    ) -> Topic | None:
        row = await info.context.loaders.topics.by_slug.load(slug)
        if row is None:
            raise NotFound(f"no topic with slug {slug!r}")
        return Topic.from_row(row)


@strawberry.input(description="A new topic.")
class TopicInput:
    slug: str = strawberry.field(
        description="Natural key: lower-case words joined by dashes (at most 100 characters)."
    )
    name: str = strawberry.field(description="The topic's name (at most 300 characters).")
    description: str | None = strawberry.field(
        default=None, description="What the topic covers (at most 20,000 characters)."
    )

    def values(self) -> dict[str, Any]:
        """The columns of the new topic, checked."""
        return {
            "slug": editing.slug(self.slug),
            "name": editing.required_text(self.name, "name", "name"),
            "description": editing.text(self.description, "description", "description"),
        }


@strawberry.input(description="Changes to a topic; omitted fields stay as they are.")
class UpdateTopicInput:
    id: strawberry.ID = strawberry.field(description="The topic's global id.")
    expected_version: int = strawberry.field(
        description="The `version` the topic had when read; CONFLICT if it has changed since."
    )
    slug: str | None = strawberry.field(default=strawberry.UNSET, description="A new slug.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description="A new name.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new description; null removes it."
    )

    def values(self) -> dict[str, Any]:
        """The columns to change, checked."""
        values: dict[str, Any] = {}
        if editing.given(self.slug):
            values["slug"] = editing.slug(self.slug)
        if editing.given(self.name):
            values["name"] = editing.required_text(self.name, "name", "name")
        if editing.given(self.description):
            values["description"] = editing.text(self.description, "description", "description")
        return values


@strawberry.type(description="The topic a mutation wrote.")
class TopicPayload:
    topic: Topic = strawberry.field(description="The topic as written.")


@strawberry.type
class TopicMutations:
    @strawberry.mutation(description="Add a topic. Needs an editor key.")
    async def create_topic(
        self,
        info: Info,
        input: Annotated[TopicInput, strawberry.argument(description="The new topic.")],
    ) -> TopicPayload:
        async with editing.editing(info) as edit:
            row = await editing.create(edit, topic_sql.TABLE, input.values())
        return TopicPayload(topic=Topic.from_row(row))

    @strawberry.mutation(description="Change a topic. Needs an editor key.")
    async def update_topic(
        self,
        info: Info,
        input: Annotated[UpdateTopicInput, strawberry.argument(description="The changes.")],
    ) -> TopicPayload:
        row = await editing.update_record(
            info, topic_sql.TABLE, input.id, input.expected_version, input.values
        )
        return TopicPayload(topic=Topic.from_row(row))

    @strawberry.mutation(
        description="Delete a topic (it can be restored; its links are kept for then). "
        "Needs an editor key."
    )
    async def delete_topic(
        self,
        info: Info,
        input: Annotated[DeleteInput, strawberry.argument(description="What to delete, and why.")],
    ) -> TopicPayload:
        row = await editing.delete_record(info, topic_sql.TABLE, input)
        return TopicPayload(topic=Topic.from_row(row))

    @strawberry.mutation(description="Bring back a deleted topic. Needs an admin key.")
    async def restore_topic(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The topic's global id.")],
        reason: Annotated[str, strawberry.argument(description="Why it is restored.")],
    ) -> TopicPayload:
        row = await editing.restore_record(info, topic_sql.TABLE, id, reason)
        return TopicPayload(topic=Topic.from_row(row))

    @strawberry.mutation(
        description="File a bill or a roll-call vote (`target`) under a topic (`id`). "
        "Needs an editor key."
    )
    async def link_topic(
        self,
        info: Info,
        input: Annotated[LinkInput, strawberry.argument(description="The topic and the target.")],
    ) -> TopicPayload:
        row = await editing.link_record(info, topic_sql.TABLE, topic_sql.LINKS, input, add=True)
        return TopicPayload(topic=Topic.from_row(row))

    @strawberry.mutation(
        description="Take a bill or a roll-call vote (`target`) out of a topic (`id`). "
        "Needs an editor key."
    )
    async def unlink_topic(
        self,
        info: Info,
        input: Annotated[LinkInput, strawberry.argument(description="The topic and the target.")],
    ) -> TopicPayload:
        row = await editing.link_record(info, topic_sql.TABLE, topic_sql.LINKS, input, add=False)
        return TopicPayload(topic=Topic.from_row(row))
