"""Relay building blocks: the Node interface, global ids, and cursor connections."""

import asyncio
import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from db.pagination import Page, Window, read_cursor
from schema.errors import BadUserInput

_ROW_ID = re.compile(r"[1-9][0-9]{0,18}", re.ASCII)
_TYPE_NAME = re.compile(r"[A-Z][A-Za-z]{0,63}", re.ASCII)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="The opaque, globally unique id.")


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    """The opaque global id of row `pk` of `type_name`."""
    return strawberry.ID(base64.b64encode(f"{type_name}:{pk}".encode()).decode())


def from_global_id(global_id: str) -> tuple[str, int]:
    """The type name and row id inside a global id, or BAD_USER_INPUT.

    Only the one form `to_global_id` issues is accepted: padded base64 of `Type:n`, with `n`
    in ASCII digits without sign or leading zero, from 1 to 2^63 - 1 (PostgreSQL's bigint).
    So `Statement:+1`, `Statement:01` and Arabic-Indic digits name no record.
    """
    try:
        type_name, _, pk = base64.b64decode(global_id, validate=True).decode().partition(":")
        if not _ROW_ID.fullmatch(pk) or not _TYPE_NAME.fullmatch(type_name):
            raise ValueError(f"{pk!r} is not a row id in canonical form")
        row_id = int(pk)
        if not 0 < row_id < 2**63:
            raise ValueError(f"row id {row_id} out of range")
        if to_global_id(type_name, row_id) != global_id:
            raise ValueError("not the canonical encoding")
        return type_name, row_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadUserInput(f"malformed id {global_id!r}", argument="id") from exc


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page (false when it cannot be told cheaply)."
    )
    start_cursor: str | None = strawberry.field(description="The cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="The cursor of the last item.")


@strawberry.type(description="One item of a page, with the cursor that points at it.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    cursor: str = strawberry.field(description="Pass as `after` or `before` to page from here.")


@strawberry.type(description="A page of items, cursor-paginated (Relay connection).")
class Connection(Generic[T]):
    """Reads its page only when `edges`, `nodes` or `pageInfo` is asked for, and its total
    only when `totalCount` is: a selection of `totalCount` alone runs only the count."""

    load_page: strawberry.Private[Callable[[], Awaitable[Page]]]
    convert: strawberry.Private[Callable[[Any], T]]
    count_total: strawberry.Private[Callable[[], Awaitable[int]]]
    loading: strawberry.Private[asyncio.Future[Page] | None] = None
    converted: strawberry.Private[list[T] | None] = None

    async def page(self) -> Page:
        """The page, loaded once however many fields ask for it."""
        if self.loading is None:
            self.loading = asyncio.ensure_future(self.load_page())
        return await self.loading

    async def items(self) -> list[T]:
        """The page's rows turned into nodes, once."""
        page = await self.page()
        if self.converted is None:
            self.converted = [self.convert(row) for row in page.rows]
        return self.converted

    @strawberry.field(description="The items of this page with cursors.")
    async def edges(self) -> list[Edge[T]]:
        items = await self.items()
        page = await self.page()
        return [Edge(node=item, cursor=page.cursor(i)) for i, item in enumerate(items)]

    @strawberry.field(description="Where this page sits in the whole list.")
    async def page_info(self) -> PageInfo:
        page = await self.page()
        last = len(page.rows) - 1
        return PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursor(0) if page.rows else None,
            end_cursor=page.cursor(last) if page.rows else None,
        )

    @strawberry.field(description="The items of this page, without cursors.")
    async def nodes(self) -> list[T]:
        return await self.items()

    @strawberry.field(description="How many items the whole list has. Costs one more query.")
    async def total_count(self) -> int:
        return await self.count_total()


def window(first: int | None, after: str | None, last: int | None, before: str | None) -> Window:
    """A checked page window: default 20, at most 100, never both `first` and `last`, and
    cursors that are well formed (whether they fit the ordering is checked with the page)."""
    if first is not None and last is not None:
        raise BadUserInput("pass `first` or `last`, not both", argument="first")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
            raise BadUserInput(
                f"`{name}` must be between 0 and {MAX_PAGE_SIZE}, got {size}", argument=name
            )
    for cursor in (after, before):
        if cursor is not None:
            read_cursor(cursor)
    if first is None and last is None:
        first = DEFAULT_PAGE_SIZE
    return Window(first=first, after=after, last=last, before=before)


def connection(
    load_page: Callable[[], Awaitable[Page]],
    convert: Callable[..., T],
    count_total: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """A Connection over the page `load_page` reads when first needed, each row turned into a
    node with `convert`."""
    return Connection(load_page=load_page, convert=convert, count_total=count_total)


async def loaded_count(loader: Any, key: Any) -> int:
    """A count from a keyed count loader (missing keys count as zero)."""
    return int(await loader.load(key) or 0)
