"""Relations loaded together with a page, so that they are at hand for its items.

A to-one relation read item by item (a roll-call position's member, a committee seat's
committee) costs an async resolver, a task and a loader future per item. Loaded once for the
whole page, right after it, it costs one batched load (the SQL statement the per-item loads
would have been batched into) and nothing per item: the items are built with it in hand.

Two ways: `with_related` always loads the relation with the page and the items get it as a
plain field (a vote position's member); a node type's `prepare_page`, which
`Connection.items` calls, loads it only when `item_selects` sees it asked for, and the field
falls back to its own loader otherwise (a bill's sponsor).
"""

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types.nodes import SelectedField

from db.pagination import Page
from schema.context import Info

T = TypeVar("T")
NOT_LOADED: Any = object()
"""A related object not loaded with its page: the field loads it itself."""


async def built(
    info: Info,
    kind: str,
    loader: DataLoader[tuple[int, ...], dict[int, Any]],
    pks: Iterable[int],
    convert: Callable[[Any], T],
) -> dict[int, T | None]:
    """Objects of `kind` by primary key: loaded in one batch (`loader` is a `sets` loader),
    each built once per request."""
    memo = info.context.built
    wanted = list(dict.fromkeys(pks))
    missing = tuple(pk for pk in wanted if (kind, pk) not in memo)
    rows = await loader.load(missing) if missing else {}
    for pk in missing:
        if (kind, pk) not in memo:  # another page may have built it meanwhile
            row = rows.get(pk)
            memo[kind, pk] = convert(row) if row is not None else None
    return {pk: memo[kind, pk] for pk in wanted}


def with_related(
    load_page: Callable[[], Awaitable[Page]],
    related: dict[int, Any],
    fetch: Callable[[Page], Awaitable[dict[int, Any]]],
) -> Callable[[], Awaitable[Page]]:
    """`load_page`, then `fetch` of what the page's rows point at, kept in `related`."""

    async def load() -> Page:
        page = await load_page()
        related.update(await fetch(page))
        return page

    return load


def column(page: Page, name: str) -> list[int]:
    """The distinct non-null values of a column of the page's rows."""
    return list(dict.fromkeys(row[name] for row in page.rows if row[name] is not None))


def item_selects(info: Any, name: str) -> bool:
    """Whether the items under `nodes` (or `edges { node }`), the field `info` resolves,
    select the field `name`, fragments included. A look-ahead for `prepare_page`: a wrong
    answer costs speed, never correctness, as the field falls back to its own loader."""
    for field in info.selected_fields:
        selections = field.selections
        if field.name == "edges":
            selections = [s for node in _named(selections, "node") for s in node.selections]
        if _named(selections, name):
            return True
    return False


def _named(selections: Any, name: str) -> list[Any]:
    """The fields called `name` among `selections`, looking inside fragments."""
    found = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                found.append(selection)
        else:
            found.extend(_named(selection.selections, name))
    return found
