"""What every resolver receives as `info.context`."""

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


Info: TypeAlias = strawberry.Info[Context, None]
