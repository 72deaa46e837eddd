"""Dates whose precision is known: a day, a month, a year, or nothing at all."""

from datetime import UTC, date, datetime
from enum import Enum

import strawberry

from schema.errors import BadUserInput


@strawberry.enum(description="How much of a date the source gives.")
class DatePrecision(Enum):
    DAY = strawberry.enum_value("day", description="The exact day is known.")
    MONTH = strawberry.enum_value("month", description="Only the year and month are known.")
    YEAR = strawberry.enum_value("year", description="Only the year is known.")
    UNKNOWN = strawberry.enum_value("unknown", description="The source gives no date.")


@strawberry.type(
    description="A date as precise as its source: January 2026 is `2026-01`, never 2026-01-01."
)
class FuzzyDate:
    precision: DatePrecision = strawberry.field(description="How much of the date is known.")
    year: int | None = strawberry.field(description="The year, when known.")
    month: int | None = strawberry.field(description="The month (1-12), when known.")
    day: int | None = strawberry.field(description="The day of the month, when known.")

    @strawberry.field(
        description="The known part in ISO 8601: `2026-01-07`, `2026-01`, `2026`, or null."
    )
    def text(self) -> str | None:
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def fuzzy_date(value: date | None, precision: str) -> FuzzyDate:
    """The FuzzyDate for a stored date and its stored precision."""
    level = DatePrecision(precision)
    if value is None or level is DatePrecision.UNKNOWN:
        return FuzzyDate(precision=DatePrecision.UNKNOWN, year=None, month=None, day=None)
    return FuzzyDate(
        precision=level,
        year=value.year,
        month=value.month if level in (DatePrecision.MONTH, DatePrecision.DAY) else None,
        day=value.day if level is DatePrecision.DAY else None,
    )


@strawberry.input(description="An inclusive range of calendar dates; either end may be open.")
class DateRange:
    start: date | None = strawberry.field(default=None, description="The first day included.")
    end: date | None = strawberry.field(default=None, description="The last day included.")

    def checked(self) -> "DateRange":
        """This range, or BAD_USER_INPUT when it ends before it starts."""
        if self.start and self.end and self.end < self.start:
            raise BadUserInput(f"date range ends ({self.end}) before it starts ({self.start})")
        return self


def parse_datetime(value: object) -> datetime:
    """An ISO 8601 date and time (`datetime.fromisoformat`) that PostgreSQL's timestamptz can
    take: its instant must fall within years 1-9999 in UTC too, so `0001-01-01T00:00:00+14:00`
    (year 0 in UTC) is refused. ValueError, which GraphQL reports as BAD_USER_INPUT, otherwise.
    """
    if not isinstance(value, str):
        raise ValueError(f"a DateTime is an ISO 8601 string, not {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not None:
        try:
            parsed.astimezone(UTC)
        except OverflowError as error:
            raise ValueError(f"{value!r} is outside years 1-9999 in UTC") from error
    return parsed


DateTime = strawberry.scalar(
    name="DateTime",
    description="Date with time (isoformat)",
    serialize=datetime.isoformat,
    parse_value=parse_datetime,
)
