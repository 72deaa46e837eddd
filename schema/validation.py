"""Checks on argument values that GraphQL's type system cannot express."""

import re

from db.search import prefix_query
from schema.errors import BadUserInput

_STATE = re.compile(r"^[A-Z]{2}$")
MAX_SEARCH_CHARS = 200
MAX_SEARCH_TERMS = 16


def state_code(value: str | None, argument: str = "state") -> str | None:
    """A two-letter postal code such as `MA`, upper-cased, or BAD_USER_INPUT."""
    if value is None:
        return None
    code = value.strip().upper()
    if not _STATE.match(code):
        raise BadUserInput(
            f"`{argument}` must be a two-letter state code, got {value!r}", argument=argument
        )
    return code


def search_words(value: str | None, argument: str) -> str | None:
    """Search text that has at least one word, at most `MAX_SEARCH_CHARS` characters and
    `MAX_SEARCH_TERMS` words, or BAD_USER_INPUT: the cost of a full-text match grows with
    both (docs/limits.md)."""
    if value is None:
        return None
    if len(value) > MAX_SEARCH_CHARS:
        raise BadUserInput(
            f"`{argument}` is {len(value)} characters long; the limit is {MAX_SEARCH_CHARS}",
            argument=argument,
        )
    terms = len(value.split())
    if terms > MAX_SEARCH_TERMS:
        raise BadUserInput(
            f"`{argument}` has {terms} words; the limit is {MAX_SEARCH_TERMS}", argument=argument
        )
    if prefix_query(value) is None:
        raise BadUserInput(f"`{argument}` has no words to search for", argument=argument)
    return value
