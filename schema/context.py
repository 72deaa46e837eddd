"""What every resolver receives as `info.context`."""

from dataclasses import dataclass
from typing import TypeAlias

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


Info: TypeAlias = strawberry.Info[Context, None]
