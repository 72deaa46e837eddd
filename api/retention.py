"""The change feed's retention (docs/changes.md): changes older than
`REDRESS_CHANGES_RETENTION_DAYS` are pruned hourly by every API process (pruning twice is
harmless); 0 keeps them forever."""

import asyncio
import logging
from datetime import timedelta

from db import changes
from db.pool import Database, StatementTimeout, Unavailable

EVERY_S = 3600.0

log = logging.getLogger("redress.changes")


async def keep_pruning(database: Database, days: int, every_s: float = EVERY_S) -> None:
    """Prune changes older than `days` now and every `every_s` seconds, until cancelled.
    A database that cannot answer is tried again at the next round."""
    while True:
        try:
            removed = await changes.prune(database, timedelta(days=days))
            if removed:
                log.info("pruned %d changes older than %d days", removed, days)
        except (Unavailable, StatementTimeout, OSError) as error:
            log.warning("could not prune the change feed (%s): next round", error)
        except Exception:
            log.exception("pruning the change feed failed: next round")
        await asyncio.sleep(every_s)
