"""What every resolver receives as `info.context`."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import strawberry
from starlette.requests import Request

from loaders.request import Loaders
from schema.permissions import ANONYMOUS, Principal


@dataclass
class Context:
    """The per-request state: its loaders (never shared), the caller and the HTTP request."""

    loaders: Loaders
    request: Request | None = None
    principal: Principal = ANONYMOUS
    # Objects built from loaded rows, by (type, primary key): each built once per request
    # however many parents point at it (the member of every position of a roll call).
    built: dict[tuple[str, int], Any] = field(default_factory=dict)

    async def build_once(
        self,
        kind: str,
        pk: int,
        load: Callable[[int], Awaitable[Any]],
        convert: Callable[[Any], Any],
    ) -> Any:
        """The `kind` object of row `pk`: its row read by `load` (a by-key loader's `load`) and
        made an object by `convert` the first time it is asked for in this request, the same
        object after; None when there is no such row."""
        key = (kind, pk)
        if key not in self.built:
            row = await load(pk)
            self.built[key] = convert(row) if row is not None else None
        return self.built[key]


Info: TypeAlias = strawberry.Info[Context, None]
