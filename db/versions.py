"""The data version, which every write moves (migration 0009): what response caches key on."""

import asyncpg

from db.pool import Executor


async def data_version(db: Executor) -> int | None:
    """The version of the data as committed now; None before migration 0009 has run."""
    try:
        return int(await db.fetchval("SELECT version FROM data_version"))
    except asyncpg.UndefinedTableError:
        return None


async def tables_without_version_trigger(db: Executor) -> list[str]:
    """Tables whose writes would not move the data version (should be none but the exempt)."""
    rows = await db.fetch(
        """SELECT t.tablename FROM pg_tables t
           WHERE t.schemaname = current_schema()
             AND t.tablename NOT IN ('schema_migrations', 'api_keys', 'data_version')
             AND NOT EXISTS (
               SELECT 1 FROM pg_trigger g
               WHERE g.tgrelid = format('%I.%I', t.schemaname, t.tablename)::regclass
                 AND g.tgname = 'bump_data_version')
           ORDER BY 1"""
    )
    return [row["tablename"] for row in rows]
