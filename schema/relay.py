"""Relay building blocks: the Node interface, global ids, and cursor connections."""

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from db.pagination import Page, Window
from schema.errors import BadUserInput

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
    """The type name and row id inside a global id, or BAD_USER_INPUT."""
    try:
        type_name, _, pk = base64.b64decode(global_id, validate=True).decode().partition(":")
        row_id = int(pk)
        if not 0 < row_id < 2**63:
            raise ValueError(f"row id {row_id} out of range")
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
    edges: list[Edge[T]] = strawberry.field(description="The items of this page with cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the whole list.")
    count_total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items the whole list has. Costs one more query.")
    async def total_count(self) -> int:
        return await self.count_total()


def window(first: int | None, after: str | None, last: int | None, before: str | None) -> Window:
    """A checked page window: default 20, at most 100, never both `first` and `last`."""
    if first is not None and last is not None:
        raise BadUserInput("pass `first` or `last`, not both", argument="first")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
            raise BadUserInput(
                f"`{name}` must be between 0 and {MAX_PAGE_SIZE}, got {size}", argument=name
            )
    if first is None and last is None:
        first = DEFAULT_PAGE_SIZE
    return Window(first=first, after=after, last=last, before=before)


def connection(
    page: Page, convert: Callable[..., T], count_total: Callable[[], Awaitable[int]]
) -> Connection[T]:
    """A Connection over `page`, turning each row into a node with `convert`."""
    edges = [
        Edge(node=convert(row), cursor=cursor)
        for row, cursor in zip(page.rows, page.cursors, strict=True)
    ]
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=page.has_previous,
        start_cursor=page.cursors[0] if page.cursors else None,
        end_cursor=page.cursors[-1] if page.cursors else None,
    )
    return Connection(edges=edges, page_info=info, count_total=count_total)


async def loaded_count(loader: Any, key: Any) -> int:
    """A count from a keyed count loader (missing keys count as zero)."""
    return int(await loader.load(key) or 0)
