"""The audit log over GraphQL: who wrote what and when, for admins only."""

import json
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from db.audit import AuditFilter as AuditConditions
from schema.arguments import After, Before, First, Last
from schema.context import Info
from schema.editing import MAX_ROW_ID
from schema.errors import BadUserInput
from schema.permissions import Role, require
from schema.relay import Connection, connection, from_global_id, to_global_id, window


@strawberry.enum(description="What a write did.")
class AuditAction(Enum):
    CREATE = strawberry.enum_value("create", description="Created the record.")
    UPDATE = strawberry.enum_value("update", description="Changed the record's fields.")
    DELETE = strawberry.enum_value("delete", description="Soft-deleted the record.")
    RESTORE = strawberry.enum_value("restore", description="Brought a deleted record back.")
    LINK = strawberry.enum_value("link", description="Linked the record to another one.")
    UNLINK = strawberry.enum_value("unlink", description="Unlinked the record from another one.")


@strawberry.enum(description="The types editors can write.")
class EditableType(Enum):
    STATEMENT = strawberry.enum_value("Statement", description="A Statement.")
    INCIDENT = strawberry.enum_value("Incident", description="An Incident.")
    PERSON = strawberry.enum_value("Person", description="A Person.")
    ORGANIZATION = strawberry.enum_value("Organization", description="An Organization.")
    SOURCE = strawberry.enum_value("Source", description="A Source.")
    TOPIC = strawberry.enum_value("Topic", description="A Topic.")


@strawberry.enum(description="Sort orders for the audit log.")
class AuditOrder(Enum):
    NEWEST = strawberry.enum_value("newest", description="Most recent write first.")
    OLDEST = strawberry.enum_value("oldest", description="Earliest write first.")


def _json(text: str | None) -> Any:
    return json.loads(text) if text is not None else None


@strawberry.type(description="One write: who made it, when, and the record before and after.")
class AuditEntry:
    sequence: int = strawberry.field(
        description="The entry's number; entries are numbered in the order they were written."
    )
    at: datetime = strawberry.field(description="When the write was committed.")
    action: AuditAction = strawberry.field(description="What the write did.")
    entity_type: EditableType = strawberry.field(description="The type of the record written.")
    entity_id: strawberry.ID = strawberry.field(
        description="The global id of the record written (it may since have been deleted)."
    )
    key_id: int | None = strawberry.field(description="The id of the API key that wrote it.")
    key_name: str | None = strawberry.field(
        description="The name of the API key that wrote it, as it was then."
    )
    request_id: str | None = strawberry.field(description="The id of the request, when known.")
    reason: str | None = strawberry.field(description="The reason given for a delete or restore.")
    linked_id: strawberry.ID | None = strawberry.field(
        description="For a link or unlink: the global id of the record at the other end."
    )
    before: JSON | None = strawberry.field(
        description="The record's row before the write, as JSON (column names as in the "
        "database); null for a create."
    )
    after: JSON | None = strawberry.field(
        description="The record's row after the write, as JSON; a create also lists "
        "`source_ids`, the sources it was created with."
    )

    @classmethod
    def from_row(cls, row: Any) -> "AuditEntry":
        linked = row["linked_type"]
        return cls(
            sequence=row["id"],
            at=row["at"],
            action=AuditAction(row["action"]),
            entity_type=EditableType(row["entity_type"]),
            entity_id=to_global_id(row["entity_type"], row["entity_id"]),
            key_id=row["key_id"],
            key_name=row["key_name"],
            request_id=row["request_id"],
            reason=row["reason"],
            linked_id=to_global_id(linked, row["linked_id"]) if linked else None,
            before=_json(row["before"]),
            after=_json(row["after"]),
        )


@strawberry.input(description="Conditions on audit entries; all given conditions must hold.")
class AuditFilter:
    entity_type: EditableType | None = strawberry.field(
        default=None, description="Writes to records of this type."
    )
    entity_id: strawberry.ID | None = strawberry.field(
        default=None, description="Writes to this record, by global id (deleted ones too)."
    )
    key_name: str | None = strawberry.field(
        default=None, description="Writes made with the API key of this name, exactly."
    )
    action: AuditAction | None = strawberry.field(default=None, description="Writes of this kind.")
    since: datetime | None = strawberry.field(
        default=None, description="Writes committed after this time."
    )

    def conditions(self) -> AuditConditions:
        entity_type = str(self.entity_type.value) if self.entity_type else None
        entity_id: int | None = None
        if self.entity_id is not None:
            try:
                type_name, pk = from_global_id(self.entity_id)
            except BadUserInput:
                type_name, pk = "", 0
            known = type_name in {t.value for t in EditableType} and 0 < pk <= MAX_ROW_ID
            if not known or entity_type not in (None, type_name):
                raise BadUserInput(
                    f"`entityId` must be the id of a {entity_type or 'record editors write'},"
                    f" got {self.entity_id!r}",
                    argument="filter",
                    field="entityId",
                )
            entity_type, entity_id = type_name, pk
        return AuditConditions(
            entity_type=entity_type,
            entity_id=entity_id,
            key_name=self.key_name,
            action=str(self.action.value) if self.action else None,
            since=self.since,
        )


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="Every write, with the record before and after. Needs an admin key; "
        "deleted records can be read only here."
    )
    def audit_log(
        self,
        info: Info,
        filter: Annotated[
            AuditFilter | None,
            strawberry.argument(description="Only entries matching all of these."),
        ] = None,
        order_by: Annotated[
            AuditOrder, strawberry.argument(description="The sort order.")
        ] = AuditOrder.NEWEST,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[AuditEntry]:
        require(info.context.principal, Role.ADMIN)
        conditions = (filter or AuditFilter()).conditions()
        loaders = info.context.loaders.audit
        page = partial(
            loaders.page, conditions, str(order_by.value), window(first, after, last, before)
        )
        return connection(page, AuditEntry.from_row, lambda: loaders.total(conditions))
