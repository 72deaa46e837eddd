"""Rows written by the imports this process ran, by entity and outcome, for `/metrics`.

`db/load.py` calls `count_import` with each file's `Summary` once its transaction committed
(dry runs and failed files are not counted). `api/metrics.py` exports the totals as
`redress_import_rows_total`. Counts live in the process: a `redress import` run in its own
process reports in its printed summary, not here.
"""

from collections import Counter

from db.importers.bulk import Counts, Summary

OUTCOMES = ("inserted", "updated", "unchanged", "removed", "unresolved")

ROWS: Counter[tuple[str, str]] = Counter()


def count_import(summary: Summary) -> None:
    """Add a committed file's counts to `ROWS`, keyed by (entity, outcome)."""
    for entity, counts in summary.entities.items():
        for outcome in OUTCOMES:
            ROWS[(entity, outcome)] += _count(counts, outcome)


def _count(counts: Counts, outcome: str) -> int:
    value = getattr(counts, outcome)
    return value if isinstance(value, int) else 0
