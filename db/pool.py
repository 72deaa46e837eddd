"""The connection pool, and the one door through which every SQL statement passes."""

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from db.change_notices import ChangeNotices

log = logging.getLogger("redress.db")


@dataclass
class StatementLog:
    """Counts (and keeps) the SQL statements run while it is active."""

    statements: list[str] = field(default_factory=list)
    enclosing: "StatementLog | None" = None

    @property
    def count(self) -> int:
        return len(self.statements)


_active_log: ContextVar[StatementLog | None] = ContextVar("redress_statement_log", default=None)


@asynccontextmanager
async def log_statements() -> AsyncIterator[StatementLog]:
    """Record every statement run through `Database` in this context.

    Logs nest: a statement is recorded in every log active around it (a test's, the request
    log's, the metrics'), not only the innermost.
    """
    log = StatementLog(enclosing=_active_log.get())
    token = _active_log.set(log)
    try:
        yield log
    finally:
        _active_log.reset(token)


@contextmanager
def unlogged() -> Iterator[None]:
    """Run statements in this context without recording them in any log (the compiled
    path's shadow statement in verify mode, which is not part of the answer's cost)."""
    token = _active_log.set(None)
    try:
        yield
    finally:
        _active_log.reset(token)


def _record(sql: str) -> None:
    log = _active_log.get()
    while log is not None:
        log.statements.append(sql)
        log = log.enclosing


CONNECT_TIMEOUT_S = 1.0
ACQUIRE_TIMEOUT_S = 1.0
RETRY_AFTER_S = 2

# Errors that mean the server cannot be reached or is going away: not the statement's fault.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
# What `connect` takes as "cannot be reached now" (a connect timeout is TimeoutError).
_UNREACHABLE: tuple[type[BaseException], ...] = (*_CONNECTION_ERRORS, TimeoutError)
# A statement PostgreSQL stopped: `statement_timeout` or `lock_timeout`.
_TIMEOUT_ERRORS = (asyncpg.QueryCanceledError, asyncpg.LockNotAvailableError)


class Unavailable(Exception):
    """The database cannot answer now: unreachable, restarting, or every pooled connection
    stayed busy for `ACQUIRE_TIMEOUT_S`. Retrying after `retry_after` seconds may succeed."""

    retry_after = RETRY_AFTER_S


class StatementTimeout(Exception):
    """PostgreSQL stopped a statement that ran past `statement_timeout` (or waited on a lock
    past `lock_timeout`); nothing it would have written was kept."""

    retry_after = RETRY_AFTER_S


# What the driver or the network raises: never the fault of the document a client sent.
DRIVER_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)


def translate(error: BaseException) -> BaseException:
    """`error` as `Unavailable` or `StatementTimeout` when it is one of those faults, else
    itself."""
    if isinstance(error, _TIMEOUT_ERRORS):
        return StatementTimeout(str(error))
    if isinstance(error, _CONNECTION_ERRORS):
        return Unavailable(f"the database cannot be reached: {type(error).__name__}")
    if isinstance(error, asyncpg.InternalClientError) or (
        isinstance(error, asyncpg.InterfaceError) and "closed" in str(error)
    ):  # a pooled connection whose server went away while it was idle
        return Unavailable("the connection to the database was lost")
    return error


class Executor:
    """Runs statements on a pool or on one connection, recording each one.

    On a pool, a connection is awaited for at most `ACQUIRE_TIMEOUT_S`; faults of the server
    come out as `Unavailable` or `StatementTimeout` (see `translate`).
    """

    def __init__(self, target: asyncpg.Pool | asyncpg.Connection | PoolConnectionProxy) -> None:
        self._target = target

    async def _run(self, method: str, sql: str, *args: Any) -> Any:
        _record(sql)
        try:
            if isinstance(self._target, asyncpg.Pool):
                async with acquire(self._target) as conn:
                    return await getattr(conn, method)(sql, *args)
            return await getattr(self._target, method)(sql, *args)
        except Exception as error:
            translated = translate(error)
            if translated is error:
                raise
            raise translated from error

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Run a query and return all rows."""
        rows: list[asyncpg.Record] = await self._run("fetch", sql, *args)
        return rows

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """Run a query and return its first row, or None."""
        row: asyncpg.Record | None = await self._run("fetchrow", sql, *args)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """Run a query and return the first column of its first row."""
        return await self._run("fetchval", sql, *args)

    async def execute(self, sql: str, *args: Any) -> str:
        """Run a statement and return its status tag."""
        status: str = await self._run("execute", sql, *args)
        return status

    async def executemany(self, sql: str, args: Sequence[Sequence[Any]]) -> None:
        """Run one statement for many argument tuples (one round trip)."""
        await self._run("executemany", sql, args)


# The first `Unavailable` of the work in this context (one request), once there was one.
_fault: ContextVar[list[Unavailable] | None] = ContextVar("redress_db_fault", default=None)


@contextmanager
def fail_fast() -> Iterator[None]:
    """In this context (one request), once the database was found unavailable, every later
    statement fails at once with `Unavailable` instead of waiting `ACQUIRE_TIMEOUT_S` again:
    a request of several statements answers in about one timeout, not one per statement."""
    token = _fault.set([])
    try:
        yield
    finally:
        _fault.reset(token)


def note_unavailable(error: Unavailable) -> None:
    """Record, for `fail_fast`, that the database was found unavailable in this context."""
    found = _fault.get()
    if found is not None and not found:
        found.append(error)


@asynccontextmanager
async def acquire(pool: asyncpg.Pool) -> AsyncIterator[PoolConnectionProxy]:
    """A connection of `pool`, or `Unavailable` when none comes within `ACQUIRE_TIMEOUT_S`
    (every connection busy, or the server not answering), or at once when this request
    already found the database unavailable (`fail_fast`)."""
    found = _fault.get()
    if found:
        raise Unavailable(str(found[0]))
    try:
        connection = await pool.acquire(timeout=ACQUIRE_TIMEOUT_S)
    except TimeoutError as error:
        unavailable = Unavailable(
            f"no database connection became free within {ACQUIRE_TIMEOUT_S:g} s"
        )
        note_unavailable(unavailable)
        raise unavailable from error
    except Exception as error:
        translated = translate(error)
        if isinstance(translated, Unavailable):
            note_unavailable(translated)
        raise
    try:
        yield connection
    except Exception as error:
        translated = translate(error)
        if isinstance(translated, Unavailable):
            note_unavailable(translated)
            # Never hand a broken connection to the next caller (the pool may have let go of
            # it already, when the server went away: then there is nothing to terminate).
            with contextlib.suppress(asyncpg.InterfaceError):
                connection.terminate()
        raise
    finally:
        await pool.release(connection)


class Collision(Exception):
    """A transaction PostgreSQL rolled back because it collided with a concurrent one."""


class Database(Executor):
    """A pool of connections to one PostgreSQL database."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        super().__init__(pool)
        self.pool = pool
        self.url = url
        self._notices: ChangeNotices | None = None

    @property
    def notices(self) -> ChangeNotices:
        """This process's wake-ups when the change feed grows (db/change_notices.py)."""
        if self._notices is None:
            self._notices = ChangeNotices(self.url)
        return self._notices

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """Run the statements of the block in one transaction on one connection.

        A deadlock or serialization failure (the transaction lost a race with another and
        was rolled back) is raised as `Collision`.
        """
        try:
            async with acquire(self.pool) as conn, conn.transaction():
                yield Executor(conn)
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as error:
            raise Collision(str(error)) from error
        except Exception as error:
            translated = translate(error)
            if translated is error:
                raise
            raise translated from error

    async def close(self) -> None:
        """Close every connection in the pool, and stop listening for changes."""
        if self._notices is not None:
            await self._notices.close()
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
    """Open a pool to `url`; every connection gets the given statement timeout, and a new
    connection gives up after `CONNECT_TIMEOUT_S` (so that an unreachable server fails fast).

    When the server cannot be reached now, the pool starts empty (a warning is logged) and
    connects when it is back: the API starts and answers 503 UNAVAILABLE meanwhile. Other
    errors (a wrong password, an unknown database) are raised.
    """

    def pool(size: int) -> Any:
        return asyncpg.create_pool(
            url,
            min_size=size,
            max_size=max_size,
            reset=_keep_session,
            timeout=CONNECT_TIMEOUT_S,
            server_settings={
                "statement_timeout": str(statement_timeout_ms),
                "application_name": "redress",
            },
        )

    try:
        return Database(await pool(min_size), url)
    except _UNREACHABLE as error:
        log.warning("the database cannot be reached at start-up (%s): connecting later", error)
        return Database(await pool(0), url)
