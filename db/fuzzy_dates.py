"""SQL conditions on fuzzy dates: a date stored with its precision (`day`, `month`, `year` or
`unknown`), as statements and incidents keep them (schema/dates.py gives their GraphQL form)."""

from datetime import date

from db.pagination import Params


def fuzzy_overlap(
    column: str, precision: str, start: date | None, end: date | None, p: Params
) -> list[str]:
    """Conditions: the day, month or year that `column` stands for overlaps [start, end].

    `precision` is the SQL expression of its precision; values are bound through `p`. A date
    of unknown precision matches no range.
    """
    where = []
    if start is not None or end is not None:
        where.append(f"{precision} <> 'unknown'")
    if start is not None:
        where.append(
            f"(date_trunc({precision}::text, {column}::timestamp)"
            f" + ('1 ' || {precision}::text)::interval - interval '1 day')::date"
            f" >= {p.add(start)}::date"
        )
    if end is not None:
        where.append(
            f"date_trunc({precision}::text, {column}::timestamp)::date <= {p.add(end)}::date"
        )
    return where
