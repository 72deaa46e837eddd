"""What every resolver receives as `info.context`."""

from dataclasses import dataclass
from typing import TypeAlias

import strawberry
from starlette.requests import Request

from loaders.request import Loaders


@dataclass
class Context:
    """The per-request state: its loaders (never shared) and the HTTP request."""

    loaders: Loaders
    request: Request | None = None


Info: TypeAlias = strawberry.Info[Context, None]
