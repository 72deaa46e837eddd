"""Client-facing errors, each with a stable `extensions.code`, and the masking of the rest.

Database faults are coded, not masked: `UNAVAILABLE` (unreachable, or no pooled connection
free in time) and `TIMEOUT` (a statement stopped by `statement_timeout`), each with
`extensions.retryAfter` in seconds; the endpoint answers them with HTTP 503 and `Retry-After`.
"""

import logging
from typing import Any

from graphql import GraphQLError

from db.pagination import CursorError
from db.pool import DRIVER_ERRORS, StatementTimeout, Unavailable

logger = logging.getLogger("redress.errors")

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
INTERNAL = "INTERNAL"
UNAVAILABLE = "UNAVAILABLE"
TIMEOUT = "TIMEOUT"


# Messages quote what the client sent; a quote this long is cut, so that an answer cannot
# grow without bound by echoing huge keys under many aliases.
MAX_MESSAGE_CHARS = 400


def bounded(message: str) -> str:
    """`message`, cut to MAX_MESSAGE_CHARS characters with a note of how much was cut."""
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return f"{message[:MAX_MESSAGE_CHARS]}… ({len(message) - MAX_MESSAGE_CHARS} characters cut)"


class ApiError(Exception):
    """An error whose message is safe and useful to show to the client (at most
    MAX_MESSAGE_CHARS characters of it, plus a note of what was cut)."""

    code = INTERNAL

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(bounded(message))
        self.extensions = extensions


class BadUserInput(ApiError):
    """The request asked for something malformed or out of range."""

    code = BAD_USER_INPUT


class NotFound(ApiError):
    """The request named a record that does not exist."""

    code = NOT_FOUND


def classify(error: GraphQLError) -> None:
    """Give `error` its `extensions.code`, masking anything unexpected as INTERNAL."""
    original = error.original_error
    extensions = dict(error.extensions or {})
    if isinstance(original, ApiError):
        extensions = {**extensions, **original.extensions, "code": original.code}
    elif isinstance(original, CursorError):
        error.message = bounded(error.message)
        extensions["code"] = BAD_USER_INPUT
    elif isinstance(original, Unavailable | StatementTimeout):
        timed_out = isinstance(original, StatementTimeout)
        logger.warning("database fault at %s: %s", error.path, original)
        error.message = (
            "the database stopped this query: it ran too long; retry later or ask for less"
            if timed_out
            else "the database is unavailable; retry later"
        ) + f" (Retry-After: {original.retry_after} s)"
        extensions = {
            "code": TIMEOUT if timed_out else UNAVAILABLE,
            "retryAfter": original.retry_after,
        }
    elif (
        original is None or error.path is None or isinstance(original, GraphQLError)
    ) and not isinstance(original, DRIVER_ERRORS):
        # Parse, validation and variable errors: the document itself is at fault (an error of
        # a subscription's stream has no path either, and a driver's is never the document's).
        extensions.setdefault("code", BAD_USER_INPUT)
    else:
        logger.error("unexpected error at %s", error.path, exc_info=original)
        error.message = "Internal server error."
        extensions = {"code": INTERNAL}
    error.extensions = extensions
