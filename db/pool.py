"""The connection pool, and the one door through which every SQL statement passes."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy


@dataclass
class StatementLog:
    """Counts (and keeps) the SQL statements run while it is active."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


_active_log: ContextVar[StatementLog | None] = ContextVar("redress_statement_log", default=None)


@asynccontextmanager
async def log_statements() -> AsyncIterator[StatementLog]:
    """Record every statement run through `Database` in this context."""
    log = StatementLog()
    token = _active_log.set(log)
    try:
        yield log
    finally:
        _active_log.reset(token)


def _record(sql: str) -> None:
    log = _active_log.get()
    if log is not None:
        log.statements.append(sql)


class Executor:
    """Runs statements on a pool or on one connection, recording each one."""

    def __init__(self, target: asyncpg.Pool | asyncpg.Connection | PoolConnectionProxy) -> None:
        self._target = target

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Run a query and return all rows."""
        _record(sql)
        return await self._target.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """Run a query and return its first row, or None."""
        _record(sql)
        return await self._target.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """Run a query and return the first column of its first row."""
        _record(sql)
        return await self._target.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        """Run a statement and return its status tag."""
        _record(sql)
        return await self._target.execute(sql, *args)

    async def executemany(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many argument tuples (one round trip)."""
        _record(sql)
        await self._target.executemany(sql, args)


class Collision(Exception):
    """A transaction PostgreSQL rolled back because it collided with a concurrent one."""


class Database(Executor):
    """A pool of connections to one PostgreSQL database."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool)
        self.pool = pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """Run the statements of the block in one transaction on one connection.

        A deadlock or serialization failure (the transaction lost a race with another and
        was rolled back) is raised as `Collision`.
        """
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                yield Executor(conn)
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as error:
            raise Collision(str(error)) from error

    async def close(self) -> None:
        """Close every connection in the pool."""
        await self.pool.close()


async def _keep_session(_connection: asyncpg.Connection) -> None:
    """A pool's reset that sends nothing.

    asyncpg's default reset sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release: a second round trip for every statement run on the pool. Connections of
    this pool never take session-level state (no SET, LISTEN, session advisory locks or open
    cursors: migrations use a connection of their own), and asyncpg still rolls back a
    transaction left open before calling this.
    """


async def connect(
    url: str, *, min_size: int = 1, max_size: int = 10, statement_timeout_ms: int = 5000
) -> Database:
    """Open a pool to `url`; every connection gets the given statement timeout."""
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        reset=_keep_session,
        server_settings={
            "statement_timeout": str(statement_timeout_ms),
            "application_name": "redress",
        },
    )
    return Database(pool)
