"""Wake a worker at once when PostgreSQL sends a NOTIFY, instead of at its next poll.

Polling stays the fallback (a lost connection, a notification sent while the listener was away):
a worker calls `wait(poll_seconds)` between passes and never relies on the notification alone.
"""

import asyncio
import contextlib
import logging

import asyncpg
from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

_LISTEN_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class Wakeup:
    """LISTEN on one channel over a connection borrowed from the pool."""

    def __init__(self, pool: asyncpg.Pool, channel: str) -> None:
        self._pool = pool
        self._channel = channel
        self._event = asyncio.Event()
        self._conn: PoolConnectionProxy | None = None

    async def wait(self, at_most: float) -> None:
        """Until a notification came since the last `wait` returned, or `at_most` seconds passed.

        A notification that arrives while the worker is busy is kept, so the next `wait`
        returns at once: no wake-up is lost between a pass and the wait after it."""
        if self._conn is None or self._conn.is_closed():
            await self.listen()
        if not self._event.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), at_most)
        self._event.clear()

    async def listen(self) -> None:
        """(Re)start listening; on failure, polling goes on and the next `wait` tries again."""
        await self.close()
        try:
            self._conn = await self._pool.acquire()  # held from here on: `close` releases it
            await self._conn.add_listener(self._channel, self._notified)
        except _LISTEN_ERRORS:
            await self.close()
            return
        self._event.set()  # anything sent while we were not listening: look once

    async def close(self) -> None:
        """Stop listening and release the held connection; safe to call twice, never raises."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await conn.remove_listener(self._channel, self._notified)
        with contextlib.suppress(Exception):
            await self._pool.release(conn)

    def _notified(self, *_: object) -> None:
        self._event.set()
