"""`node(id:)` and `nodes(ids:)`: fetch any object by its global id.

Both follow the Relay Global Object Identification spec: an id that names no record answers
null at its own path with a NOT_FOUND error, and the rest of the response is answered. In
`nodes(ids:)` each id fails alone, as in Relay and the Shopify Admin API: an unknown id is a
null entry with NOT_FOUND at `["nodes", i]`, a malformed one a null entry with BAD_USER_INPUT
there (refused before any SQL). See docs/schema-changes.md.
"""

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


async def load_node(info: Info, global_id: str, argument: str = "id") -> Any:
    """The object behind `global_id` (base64 of `Type:rowid`, see `schema.relay`).

    Raises BAD_USER_INPUT (naming `argument`) for a malformed id or an unknown type, before
    any SQL; NOT_FOUND for a well-formed id with no live row behind it.
    """
    try:
        type_name, pk = from_global_id(global_id)
    except BadUserInput as error:
        raise BadUserInput(str(error), argument=argument) from error
    load = LOADERS.get(type_name)
    if load is None:
        raise BadUserInput(f"id {global_id!r} names no known type", argument=argument)
    node = await load(info, pk)
    if node is None:
        raise NotFound(f"no {type_name} with id {global_id!r}")
    return node


async def _node_or_error(info: Info, global_id: str) -> Any:
    """The object behind `global_id`, or the client error explaining why there is none.

    graphql-core raises an exception found in a list at that item's path (as graphql-js
    does), so the error nulls only its own entry of `nodes`.
    """
    try:
        return await load_node(info, global_id, argument="ids")
    except (BadUserInput, NotFound) as error:
        return error


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by its global id; null, with a NOT_FOUND error, if none."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        return await load_node(info, id)

    @strawberry.field(
        description=(
            "Several objects by global id, in the order given (max 100). An id that names no"
            " record is a null entry with a NOT_FOUND error at its index; a malformed id, a"
            " null entry with BAD_USER_INPUT."
        )
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_PAGE_SIZE:
            raise BadUserInput(f"at most {MAX_PAGE_SIZE} ids per request", argument="ids")
        found: list[Any] = await asyncio.gather(*(_node_or_error(info, i) for i in ids))
        return found
