"""The change feed (docs/changes.md): every created, updated, deleted or restored record, in
an order a partner can follow from a stored cursor without missing a change."""

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from schema.arguments import After, First
from schema.context import Info
from schema.nodes import LOADERS
from schema.relay import Connection, Node, connection, to_global_id, window


@strawberry.enum(description="The types of record the change feed reports.")
class NodeType(Enum):
    LEGISLATOR = strawberry.enum_value("Legislator", description="A Legislator.")
    COMMITTEE = strawberry.enum_value("Committee", description="A Committee.")
    BILL = strawberry.enum_value("Bill", description="A Bill.")
    VOTE = strawberry.enum_value("Vote", description="A Vote.")
    STATEMENT = strawberry.enum_value("Statement", description="A Statement.")
    INCIDENT = strawberry.enum_value("Incident", description="An Incident.")
    PERSON = strawberry.enum_value("Person", description="A Person.")
    ORGANIZATION = strawberry.enum_value("Organization", description="An Organization.")
    SOURCE = strawberry.enum_value("Source", description="A Source.")
    TOPIC = strawberry.enum_value("Topic", description="A Topic.")


@strawberry.enum(description="What happened to the record.")
class ChangeKind(Enum):
    CREATED = strawberry.enum_value("created", description="It was created.")
    UPDATED = strawberry.enum_value("updated", description="Its fields changed.")
    DELETED = strawberry.enum_value(
        "deleted", description="It was deleted: a tombstone, with no content."
    )
    RESTORED = strawberry.enum_value("restored", description="A deleted record came back.")


@strawberry.type(description="One change to one record.")
class Change:
    pk: strawberry.Private[int]
    node_id: strawberry.ID = strawberry.field(description="The global id of the record.")
    type: NodeType = strawberry.field(description="The record's type.")
    kind: ChangeKind = strawberry.field(description="What happened to it.")
    at: datetime = strawberry.field(description="When the writing transaction began.")
    data_version: int = strawberry.field(
        description="The data version after the write (answers cached under an older one do"
        " not include it)."
    )

    @classmethod
    def from_row(cls, row: Any) -> "Change":
        return cls(
            pk=row["row_id"],
            node_id=to_global_id(row["node_type"], row["row_id"]),
            type=NodeType(row["node_type"]),
            kind=ChangeKind(row["kind"]),
            at=row["at"],
            data_version=row["data_version"],
        )

    @strawberry.field(
        description="The record as it is now; null for a deletion (a tombstone), and for a"
        " record deleted since."
    )
    async def node(self, info: Info) -> Node | None:
        if self.kind is ChangeKind.DELETED:
            return None
        found: Node | None = await LOADERS[str(self.type.value)](info, self.pk)
        return found


@strawberry.type
class ChangeQueries:
    @strawberry.field(
        description="Every change to every record, oldest first, for partners who keep a copy"
        " (docs/changes.md). Store the last cursor and ask again with `after`: no change is"
        " ever skipped, deletions included."
    )
    def changes(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        types: Annotated[
            list[NodeType] | None,
            strawberry.argument(description="Only changes to records of these types."),
        ] = None,
    ) -> Connection[Change]:
        # What the feed shows also moves when a transaction ends without writing data, so
        # its answers are never cached under the data version (api/graphql.py).
        if info.context.request is not None:
            info.context.request.state.no_store = True
        page_window = window(first, after, None, None)
        node_types = [str(t.value) for t in types] if types is not None else None

        async def page() -> Any:
            return await info.context.loaders.changes.page(node_types, page_window)

        async def total() -> int:
            return await info.context.loaders.changes.count(node_types)

        return connection(page, Change.from_row, total)
