"""The order files import in, whatever order they were given: by what each one refers to.

Members first (legislators, then social media), committees, committee memberships, the
Voteview members crosswalk; bills (BILLSTATUS before the derived bill data.json, which it
wins over); votes (vote data.json, data.xml, Voteview roll calls, then Voteview votes); the
curated format (before the incident CSVs: its Renee Good incident is also in the ICE files);
incidents; statements. Within a rank, files keep their order by name.
"""

from pathlib import Path
from typing import Any

from db.importers import incidents_csv, voteview, wapo
from db.importers.tabular import header_of

# (format name, kind within the format or None) in import order. The kinds are those the
# formats' own `kind_of_header` give a CSV file.
ORDER: tuple[tuple[str, str | None], ...] = (
    ("legislators", None),
    ("social-media", None),
    ("committees", None),
    ("committee-membership", None),
    ("voteview", "members"),
    ("billstatus", None),
    ("bill-json", None),
    ("vote-json", None),
    ("vote-xml", None),
    ("voteview", "rollcalls"),
    ("voteview", "votes"),
    ("curated", None),
    ("incidents-csv", "ice"),
    ("incidents-csv", "ice-detailed"),
    ("incidents-csv", "cbp"),
    ("wapo", "agencies"),
    ("wapo", "shootings"),
    ("crec", None),
    ("congresstweets", None),
)
RANKS = {entry: rank for rank, entry in enumerate(ORDER)}
_KINDS = {
    "voteview": voteview.kind_of_header,
    "incidents-csv": incidents_csv.kind_of_header,
    "wapo": wapo.kind_of_header,
}


def rank(format_name: str, data: Any) -> int:
    """Where a file of `format_name` comes in the import order (lower first).

    `data` is what `load.read_file` returned (the first bytes, for a CSV file); it tells the
    kinds of one format apart. A format missing from ORDER comes last.
    """
    kind_of = _KINDS.get(format_name)
    kind = kind_of(header_of(data)) if kind_of else None
    return RANKS.get((format_name, kind), len(ORDER))


def sort_key(format_rank: int, path: Path | str) -> tuple[int, str]:
    """The sort key of a file: its rank, then its path (so the order is stable)."""
    return format_rank, str(path)
