"""SQL for datasets: the published collections that imported records come from."""

from collections.abc import Sequence

import asyncpg

from db.pool import Executor

COLUMNS = "d.id, d.key, d.name, d.url, d.license, d.attribution"


async def by_ids(db: Executor, ids: Sequence[int]) -> dict[int, asyncpg.Record]:
    """Datasets by row id."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM datasets d WHERE d.id = ANY($1)", ids)
    return {row["id"]: row for row in rows}
