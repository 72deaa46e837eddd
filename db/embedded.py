"""An embedded PostgreSQL server for machines that have none (via `pgserver`).

pgserver lists the processes holding a cluster in `<data_dir>/.handle_pids.json` and stops
the cluster when the last of them lets go (at exit, or `stop_embedded`). A process killed
before it could let go stays listed, and then the cluster never stops again: `start_embedded`
first drops the processes that no longer exist.
"""

import json
import os
import warnings
from pathlib import Path
from typing import Any

HANDLES = ".handle_pids.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, and another user's
        return True
    return True


def forget_dead_handles(data_dir: Path) -> list[int]:
    """Drop the processes that no longer exist from the cluster's handle list; return them."""
    path = data_dir / HANDLES
    try:
        pids = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return []
    if not isinstance(pids, list):
        return []
    dead = [pid for pid in pids if not (isinstance(pid, int) and _alive(pid))]
    if dead:
        path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
    return dead


def start_embedded(data_dir: Path) -> tuple[str, Any]:
    """Start (or reuse) a PostgreSQL cluster kept in `data_dir`; return its URL and handle.

    The server stops when the last process using it exits or calls `stop_embedded`.
    """
    with warnings.catch_warnings():
        # pgserver asks platformdirs for a runtime folder at import; where XDG_RUNTIME_DIR is
        # unset (containers, root) platformdirs warns and uses /tmp/runtime-<uid>, which works.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import pgserver  # imported lazily: only needed when DATABASE_URL is unset

    data_dir.mkdir(parents=True, exist_ok=True)
    forget_dead_handles(data_dir.resolve())
    server = pgserver.get_server(str(data_dir), cleanup_mode="stop")
    return server.get_uri(), server


def stop_embedded(server: Any) -> None:
    """Let go of the cluster now; it stops unless another live process still holds it."""
    if server is not None:
        server.cleanup()
