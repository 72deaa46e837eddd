"""Turning user search text into safe tsquery strings."""

import re

_WORD = re.compile(r"\w+", re.UNICODE)


def prefix_query(text: str) -> str | None:
    """A tsquery matching every word of `text` as a prefix (`ada lov` finds Ada Lovelace).

    Only word characters survive, so the result never carries tsquery operators.
    Returns None when `text` has no words.
    """
    words = _WORD.findall(text.lower())
    return " & ".join(f"{word}:*" for word in words) if words else None
