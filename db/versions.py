"""The data version, which every write moves (migration 0009): what response caches key on."""

import asyncio

import asyncpg

from db.migrate import discover
from db.pool import Executor


async def data_version(db: Executor) -> int | None:
    """The version of the data as committed now; None before migration 0009 has run."""
    try:
        return int(await db.fetchval("SELECT version FROM data_version"))
    except asyncpg.UndefinedTableError:
        return None


async def database_identity(db: Executor) -> str:
    """Which database this is, as `name@address:port` of the server: what a cache shared by
    several deployments (api/shared_cache.py) must tell apart, since their data versions
    count independently."""
    identity = await db.fetchval(
        "SELECT current_database() || '@' || coalesce(host(inet_server_addr()), 'socket')"
        " || ':' || coalesce(inet_server_port(), 0)"
    )
    return str(identity)


class VersionReader:
    """Reads the data version for many concurrent requests with few statements, never stale.

    Each caller gets the result of a read that started after it called: it joins the read
    queued to start when the one in flight ends, or queues one. A write committed before a
    request arrived is therefore always seen, and ten concurrent requests share one or two
    reads instead of running ten.
    """

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.running: asyncio.Future[int | None] | None = None
        self.queued: asyncio.Future[int | None] | None = None

    async def read(self) -> int | None:
        """The data version as committed now (None before migration 0009)."""
        if self.queued is None:
            self.queued = asyncio.ensure_future(self._read_after(self.running))
        return await asyncio.shield(self.queued)

    async def _read_after(self, previous: asyncio.Future[int | None] | None) -> int | None:
        if previous is not None:
            await asyncio.wait([previous])
        self.running, self.queued = self.queued, None  # callers from now on need a later read
        return await data_version(self.db)


async def tables_without_version_trigger(db: Executor) -> list[str]:
    """Tables whose writes would not move the data version (should be none but the exempt)."""
    rows = await db.fetch(
        """SELECT t.tablename FROM pg_tables t
           WHERE t.schemaname = current_schema()
             AND t.tablename NOT IN ('schema_migrations', 'api_keys', 'data_version', 'changes',
                                     'changes_horizon', 'webhooks', 'webhook_deliveries')
             AND NOT EXISTS (
               SELECT 1 FROM pg_trigger g
               WHERE g.tgrelid = format('%I.%I', t.schemaname, t.tablename)::regclass
                 AND g.tgname = 'bump_data_version')
           ORDER BY 1"""
    )
    return [row["tablename"] for row in rows]


async def pending_migrations(db: Executor) -> list[str]:
    """The migration files (`NNNN_name`) not yet applied to the database, in order: all of
    them when `schema_migrations` does not exist. Raises `Unavailable` or `StatementTimeout`
    (db.pool) when the database cannot answer."""
    try:
        rows = await db.fetch("SELECT version FROM schema_migrations")
    except asyncpg.UndefinedTableError:
        rows = []
    applied = {row["version"] for row in rows}
    return [f"{m.version:04d}_{m.name}" for m in discover() if m.version not in applied]
