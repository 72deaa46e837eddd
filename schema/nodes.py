"""`node(id:)` and `nodes(ids:)`: fetch any object by its global id."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from schema.bills import Bill
from schema.committees import Committee
from schema.context import Info
from schema.errors import BadUserInput, NotFound
from schema.incidents import Incident
from schema.legislators import Legislator
from schema.organizations import Organization
from schema.people import Person
from schema.relay import MAX_PAGE_SIZE, Node, from_global_id
from schema.sources import Source
from schema.statements import Statement
from schema.topics import Topic
from schema.votes import Vote

LOADERS: dict[str, Callable[[Info, int], Awaitable[Any]]] = {
    "Legislator": Legislator.load,
    "Committee": Committee.load,
    "Bill": Bill.load,
    "Vote": Vote.load,
    "Statement": Statement.load,
    "Incident": Incident.load,
    "Person": Person.load,
    "Organization": Organization.load,
    "Source": Source.load,
    "Topic": Topic.load,
}


async def load_node(info: Info, global_id: str) -> Any:
    """The object behind `global_id`; BAD_USER_INPUT or NOT_FOUND when there is none."""
    type_name, pk = from_global_id(global_id)
    load = LOADERS.get(type_name)
    if load is None:
        raise BadUserInput(f"id {global_id!r} names no known type", argument="id")
    node = await load(info, pk)
    if node is None:
        raise NotFound(f"no {type_name} with id {global_id!r}")
    return node


@strawberry.type
class NodeQueries:
    @strawberry.field(description="Any object by its global id.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node:
        return await load_node(info, id)

    @strawberry.field(description="Several objects by global id, in the order given (max 100).")
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")],
    ) -> list[Node]:
        if len(ids) > MAX_PAGE_SIZE:
            raise BadUserInput(f"at most {MAX_PAGE_SIZE} ids per request", argument="ids")
        return list(await asyncio.gather(*(load_node(info, global_id) for global_id in ids)))
