"""The one home of the private strawberry-graphql, cross-web and graphql-core APIs Redress uses.

The fast paths reach past the public APIs: the HTTP view's request adapter and content-type
parser, the errors Strawberry raises for a missing or disallowed operation, its execution
context and validation helper, its schema converter's back-reference from a GraphQL field to
its Strawberry definition, and graphql-core 3.3's `ExecutionContext.execute_field`,
`complete_value` (with their `field_details_list`: each item's `node`, `defer_usage`,
`fragment_variable_values`) and `build_response`, overridden in `schema/execution.py`;
Strawberry's graphql-transport-ws handler and ASGI websocket adapter, subclassed in
`api/subscriptions.py`, with its `OperationType` and `WebSocketDisconnected`; and, duck-typed
with a fallback, the transport behind uvicorn's websocket `send` (`transport_of`). None of these is
covered by the libraries' compatibility promises, so importing this module first checks the
installed versions against `TESTED` (the same ranges as `pyproject.toml`) and raises
`UnsupportedDependency` naming each package out of range. Setting
`REDRESS_ALLOW_UNTESTED_DEPENDENCIES=1` turns the error into a warning, to try a new release
(see docs/versioning.md).
"""

import contextlib
import os
import warnings
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

ALLOW_UNTESTED = "REDRESS_ALLOW_UNTESTED_DEPENDENCIES"


@dataclass(frozen=True)
class SupportedRange:
    """A distribution whose private API Redress uses, and the versions it was tested with."""

    distribution: str
    supported: str


TESTED = (
    SupportedRange("strawberry-graphql", ">=0.338,<0.342"),
    SupportedRange("graphql-core", ">=3.3.2,<3.4"),
    SupportedRange("cross-web", ">=0.6,<0.10"),
)


class UnsupportedDependency(RuntimeError):
    """An installed library outside the versions whose private API Redress was tested with."""


def _installed(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def unsupported(
    tested: tuple[SupportedRange, ...] = TESTED, installed: dict[str, str | None] | None = None
) -> list[str]:
    """One sentence per distribution of `tested` that is missing or out of its range.

    `installed` maps distribution names to versions (None: not installed); by default the
    versions come from the running environment's package metadata.
    """
    problems = []
    for item in tested:
        found = (
            installed.get(item.distribution)
            if installed is not None
            else _installed(item.distribution)
        )
        if found is None:
            problems.append(f"{item.distribution} is not installed (supported: {item.supported})")
        elif Version(found) not in SpecifierSet(item.supported, prereleases=True):
            problems.append(
                f"{item.distribution} {found} is not supported (supported: {item.supported})"
            )
    return problems


def check_versions(
    tested: tuple[SupportedRange, ...] = TESTED,
    installed: dict[str, str | None] | None = None,
    allow_untested: bool | None = None,
) -> None:
    """Raise `UnsupportedDependency` listing every distribution out of its tested range.

    With `allow_untested` (by default: `REDRESS_ALLOW_UNTESTED_DEPENDENCIES` is `1`), warn
    instead of raising.
    """
    problems = unsupported(tested, installed)
    if not problems:
        return
    message = (
        "Redress uses private APIs of these libraries and was not tested with the installed"
        " versions: "
        + "; ".join(problems)
        + ". Install the versions in constraints.txt (`pip install -c constraints.txt -e .`),"
        f" or set {ALLOW_UNTESTED}=1 to run anyway."
    )
    if allow_untested is None:
        allow_untested = os.environ.get(ALLOW_UNTESTED, "") == "1"
    if allow_untested:
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        return
    raise UnsupportedDependency(message)


check_versions()

# The private imports, only after the versions are known to be ones they were tested with.
from cross_web import AsyncHTTPRequestAdapter, HTTPException  # noqa: E402
from strawberry.asgi import ASGIWebSocketAdapter  # noqa: E402
from strawberry.http.base import BaseRequestProtocol  # noqa: E402
from strawberry.http.exceptions import WebSocketDisconnected  # noqa: E402
from strawberry.http.parse_content_type import parse_content_type  # noqa: E402
from strawberry.schema.exceptions import (  # noqa: E402
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
)
from strawberry.schema.schema import (  # noqa: E402
    StrawberryGraphQLCoreExecutionContext,
    validate_document,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter  # noqa: E402
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL  # noqa: E402
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (  # noqa: E402
    BaseGraphQLTransportWSHandler,
)
from strawberry.types.graphql import OperationType  # noqa: E402


def transport_of(send: object) -> Any | None:
    """The transport of a websocket, found from the `send` its ASGI app was given, or None.

    uvicorn's own `send` is a bound method of its protocol object, whose `transport`
    (asyncio's or uvloop's) has `abort()` and `get_extra_info()`. A middleware that wraps
    `send` for websockets (asgi-correlation-id's does) keeps the one it wraps in its closure:
    closures are followed, a few callables deep. None under any other server. Used to bound a
    subscriber's send buffer and to abort a connection whose close frame cannot be sent
    (api/subscriptions.py).
    """
    pending, looked = [send], 0
    while pending and looked < 16:
        candidate = pending.pop()
        looked += 1
        transport = getattr(getattr(candidate, "__self__", None), "transport", None)
        if callable(getattr(transport, "abort", None)) and callable(
            getattr(transport, "get_extra_info", None)
        ):
            return transport
        for cell in getattr(candidate, "__closure__", None) or ():
            with contextlib.suppress(ValueError):  # an empty cell
                if callable(cell.cell_contents):
                    pending.append(cell.cell_contents)
    return None


__all__ = [
    "GRAPHQL_TRANSPORT_WS_PROTOCOL",
    "TESTED",
    "ASGIWebSocketAdapter",
    "AsyncHTTPRequestAdapter",
    "BaseGraphQLTransportWSHandler",
    "BaseRequestProtocol",
    "CannotGetOperationTypeError",
    "GraphQLCoreConverter",
    "HTTPException",
    "InvalidOperationTypeError",
    "OperationType",
    "StrawberryGraphQLCoreExecutionContext",
    "UnsupportedDependency",
    "WebSocketDisconnected",
    "check_versions",
    "parse_content_type",
    "transport_of",
    "unsupported",
    "validate_document",
]
