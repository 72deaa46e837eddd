"""CSV test files made from real ones: a copy with one column added."""

import csv
from pathlib import Path


def with_column(tmp_path: Path, source: Path, column: str, filled: int) -> Path:
    """A copy of `source` in `tmp_path` with `column` added, `x` in its first `filled`
    records and empty in the others."""
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0].append(column)
    for number, row in enumerate(rows[1:]):
        row.append("x" if number < filled else "")
    copy = tmp_path / source.name
    with copy.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return copy
