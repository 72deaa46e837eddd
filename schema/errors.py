"""Client-facing errors, each with a stable `extensions.code`, and the masking of the rest."""

import logging
from typing import Any

from graphql import GraphQLError

from db.pagination import CursorError

logger = logging.getLogger("redress.errors")

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
INTERNAL = "INTERNAL"


class ApiError(Exception):
    """An error whose message is safe and useful to show to the client."""

    code = INTERNAL

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
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
        extensions["code"] = BAD_USER_INPUT
    elif original is None or error.path is None or isinstance(original, GraphQLError):
        # Parse, validation and variable errors: the document itself is at fault.
        extensions.setdefault("code", BAD_USER_INPUT)
    else:
        logger.error("unexpected error at %s", error.path, exc_info=original)
        error.message = "Internal server error."
        extensions = {"code": INTERNAL}
    error.extensions = extensions
