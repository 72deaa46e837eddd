"""An embedded PostgreSQL server for machines that have none (via `pgserver`)."""

from pathlib import Path
from typing import Any


def start_embedded(data_dir: Path) -> tuple[str, Any]:
    """Start (or reuse) a PostgreSQL cluster kept in `data_dir`; return its URL and handle.

    The server stops when the last process using it exits.
    """
    import pgserver  # imported lazily: only needed when DATABASE_URL is unset

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    return server.get_uri(), server
