"""Wake-ups when the change feed grows: PostgreSQL LISTEN on channel `redress_changes`,
which migration 0015 notifies at the commit of every transaction that records a change,
whichever process or replica wrote it (docs/changes.md).

A notice says only "look again": readers then read the feed after their own cursor
(db/changes.py). One listening connection serves a whole process. When it is lost, it is
opened again in the background, and readers fall back on their timeout meanwhile.
"""

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

CHANNEL = "redress_changes"
RECONNECT_S = (0.5, 1.0, 2.0, 5.0)

log = logging.getLogger("redress.changes")


class ChangeNotices:
    """Notices of new changes for one process.

    Use `ticket()` before reading the feed and `wait(ticket, timeout)` after finding
    nothing new: a notice that arrives in between is not lost. The listening connection is
    opened on the first `ticket()`, not before.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.listening = asyncio.Event()

    def ticket(self) -> asyncio.Event:
        """The event the next notice sets (starts listening when not yet started)."""
        if self._task is None and not self._closing:
            self._task = asyncio.create_task(self._listen(), name="redress-change-notices")
        return self._event

    async def wait(self, ticket: asyncio.Event, seconds: float) -> bool:
        """Wait until a notice after `ticket` was taken, or `seconds`; True when a notice
        came."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await ticket.wait()
        return ticket.is_set()

    def _notice(self, *_args: Any) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def _listen(self) -> None:
        attempt = 0
        while not self._closing:
            try:
                conn = await asyncpg.connect(self.url, timeout=5)
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                delay = RECONNECT_S[min(attempt, len(RECONNECT_S) - 1)]
                log.warning("cannot listen for changes (%s): again in %.1f s", error, delay)
                attempt += 1
                await asyncio.sleep(delay)
                continue
            attempt = 0
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
            try:
                await conn.add_listener(CHANNEL, self._notice)
                self.listening.set()
                self._notice()  # anything committed while not listening: look again
                await lost.wait()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("listening for changes failed (%s)", error)
            finally:
                self.listening.clear()
                self._notice()  # readers look again, and poll while not listening
                with contextlib.suppress(Exception):
                    await conn.close(timeout=1)

    async def close(self) -> None:
        """Stop listening (idempotent)."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._notice()
