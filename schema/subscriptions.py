"""Live changes (docs/subscriptions.md): the change feed (docs/changes.md) pushed as it grows,
each event the feed's edge, so that a subscription and the `changes` query share cursors.

The stream reads settled feed rows after its cursor, a page at a time, and yields them one by
one: the next row is read only once the previous event was sent, so nothing queues for a
slow client. When the feed has nothing new it waits for a notice (PostgreSQL LISTEN, sent at
the commit of every transaction that records a change, from any process: db/change_notices.py),
and looks again after `HELD_BACK_POLL_S` while changes are held back behind a transaction still
in progress or while notices are not arriving, else after `IDLE_POLL_S` in any case.
"""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

import strawberry

from db.pagination import Page, Window
from loaders.changes import ChangeLoaders
from loaders.request import Loaders
from schema.arguments import After
from schema.changes import Change, NodeType
from schema.context import Context, Info
from schema.relay import MAX_PAGE_SIZE, Edge, window

HELD_BACK_POLL_S = 1.0
IDLE_POLL_S = 15.0


def _fresh(context: Context) -> ChangeLoaders:
    """New loaders for the next event: one event is one request, and a connection's context
    lives as long as the connection (no answer is cached across events)."""
    context.loaders = Loaders(context.loaders.db)
    context.built = {}
    return context.loaders.changes


async def _follow(
    context: Context,
    node_types: list[str] | None,
    page: Page,
    cursor: str | None,
    ticket: asyncio.Event,
) -> AsyncGenerator[Edge[Change], None]:
    """The events of `page`, then of every page after it, waiting for notices between."""
    while True:
        for index, row in enumerate(page.rows):
            cursor = page.cursor(index)
            _fresh(context)
            yield Edge(node=Change.from_row(row), cursor=cursor)
        feed = _fresh(context)
        if not page.has_next:
            behind = not feed.listening() or await feed.held_back()
            await feed.wait(ticket, HELD_BACK_POLL_S if behind else IDLE_POLL_S)
        ticket = feed.ticket()
        page = await feed.page(node_types, Window(first=MAX_PAGE_SIZE, after=cursor))


@strawberry.type(description="Live updates, over the graphql-transport-ws protocol.")
class Subscription:
    @strawberry.subscription(
        description="Every change to every record as it happens, oldest first: each event is"
        " an edge of the `changes` feed, with the same cursor. Pass the last cursor you saw as"
        " `after` when you connect again and nothing is missed; without it, only changes from"
        " now on come (docs/subscriptions.md)."
    )
    async def changes(
        self,
        info: Info,
        after: After = None,
        types: Annotated[
            list[NodeType] | None,
            strawberry.argument(description="Only changes to records of these types."),
        ] = None,
    ) -> AsyncIterator[Edge[Change]]:
        window(MAX_PAGE_SIZE, after, None, None)  # a malformed cursor: BAD_USER_INPUT
        node_types = [str(t.value) for t in types] if types is not None else None
        feed = info.context.loaders.changes
        ticket = feed.ticket()
        cursor = after if after is not None else await feed.newest()
        # Read now, not in the stream: a cursor of another list, or a database that cannot
        # answer, is refused before the first event (an `error` message).
        page = await feed.page(node_types, Window(first=MAX_PAGE_SIZE, after=cursor))
        return _follow(info.context, node_types, page, cursor, ticket)
