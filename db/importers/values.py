"""Checked conversions of raw field values; a bad value raises ImportFailure naming it."""

from datetime import date, datetime
from pathlib import Path
from typing import Any

from db.importers.errors import ImportFailure

BILL_TYPES = ("hr", "s", "hres", "sres", "hjres", "sjres", "hconres", "sconres")
STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ"
    " NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP".split()
)
# Stand-ins for an unknown state: the House Clerk's roll calls (and so unitedstates/congress
# vote files) give `XX` for the delegates and the resident commissioner in Committee of the
# Whole votes (e.g. h27-119.2026).
PLACEHOLDER_STATES = frozenset({"XX"})


def text(value: Any) -> str | None:
    """A stripped string, or None for a missing or blank value."""
    if value is None:
        return None
    result = str(value).strip()
    return result or None


def day(value: Any, path: Path, record: str, field: str) -> date | None:
    """A date from `YYYY-MM-DD` (or the date part of an ISO timestamp), or None if blank."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or value is None:
        return value
    raw = str(value).strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10]) if "T" in raw else date.fromisoformat(raw)
    except ValueError as exc:
        raise ImportFailure(path, record, f"{field} {value!r} is not a date") from exc


def moment(value: Any, path: Path, record: str, field: str) -> datetime | None:
    """An aware datetime from an ISO timestamp with an offset, or None if blank."""
    raw = text(value)
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ImportFailure(path, record, f"{field} {value!r} is not a timestamp") from exc
    if parsed.tzinfo is None:
        raise ImportFailure(path, record, f"{field} {value!r} has no UTC offset")
    return parsed


def integer(value: Any, path: Path, record: str, field: str) -> int | None:
    """An integer (also from `"12"` or `12.0`), or None if blank."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ImportFailure(path, record, f"{field} {value!r} is not a number")
        return None
    raw = str(value).strip()
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError as exc:
        raise ImportFailure(path, record, f"{field} {value!r} is not a number") from exc
    if not number.is_integer():
        raise ImportFailure(path, record, f"{field} {value!r} is not a whole number")
    return int(number)


def flag(value: Any, path: Path, record: str, field: str) -> bool:
    """A boolean from true/false, True/False, Y/N or 1/0; missing means false."""
    if isinstance(value, bool):
        return value
    raw = (text(value) or "false").lower()
    if raw in ("true", "y", "yes", "1"):
        return True
    if raw in ("false", "n", "no", "0"):
        return False
    raise ImportFailure(path, record, f"{field} {value!r} is not true or false")


def bill_type(value: Any, path: Path, record: str) -> str:
    """A bill type in the database's spelling from `HR`, `H.R.`, `hjres`, `S.Con.Res.`."""
    raw = (text(value) or "").lower().replace(".", "").replace(" ", "")
    raw = "hr" if raw == "h" else raw
    if raw not in BILL_TYPES:
        raise ImportFailure(path, record, f"unknown bill type {value!r}")
    return raw


def state(value: Any, path: Path, record: str) -> str | None:
    """A two-letter state or territory code, or None if blank or a placeholder.

    A placeholder (PLACEHOLDER_STATES) is a published stand-in for an unknown state, read as
    unknown and never stored; any other code not in STATES raises ImportFailure.
    """
    raw = text(value)
    if raw is not None and raw.upper() in PLACEHOLDER_STATES:
        return None
    if raw is not None and raw.upper() not in STATES:
        raise ImportFailure(path, record, f"unknown state {value!r}")
    return None if raw is None else raw.upper()


def bill_key(bill_type: str, number: int, congress: int) -> str:
    """The natural bill id, e.g. `hr1470-117`."""
    return f"{bill_type}{number}-{congress}"
