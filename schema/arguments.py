"""Argument types shared by every connection field."""

from typing import Annotated, TypeAlias

import strawberry

First: TypeAlias = Annotated[
    int | None, strawberry.argument(description="Return the first n items (default 20, max 100).")
]
After: TypeAlias = Annotated[
    str | None, strawberry.argument(description="Return items after this cursor.")
]
Last: TypeAlias = Annotated[
    int | None, strawberry.argument(description="Return the last n items (max 100).")
]
Before: TypeAlias = Annotated[
    str | None, strawberry.argument(description="Return items before this cursor.")
]
