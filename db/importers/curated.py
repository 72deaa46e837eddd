"""The project's own curated YAML format for topics, statements, incidents and people."""

from pathlib import Path
from typing import Any

import asyncpg

from db.importers.bulk import Summary
from db.importers.errors import ImportFailure

FORMAT = "redress-curated/1"


def is_curated(data: Any) -> bool:
    """Whether `data` declares the curated format."""
    return isinstance(data, dict) and data.get("format") == FORMAT


async def import_curated(conn: asyncpg.Connection, path: Path, data: dict[str, Any]) -> Summary:
    """Import a curated file."""
    raise ImportFailure(path, None, "curated import is not written yet")
