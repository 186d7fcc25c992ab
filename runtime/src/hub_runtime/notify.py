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


class Broadcast:
    """LISTEN on one channel for any number of waiters in this process (`Wakeup` serves one
    worker: its `wait` consumes the wake-up). Run `listen` as a service worker; a waiter takes
    a `ticket` before it looks at the database and then `wait`s with it, so a notification
    sent between its look and its wait still wakes it. Polling stays the fallback: `wait`
    returns after `at_most` seconds whether or not anything came (or the listener is down)."""

    def __init__(self, channel: str) -> None:
        self._channel = channel
        self._event = asyncio.Event()

    def ticket(self) -> asyncio.Event:
        """What to `wait` on: set by the first notification from now on."""
        return self._event

    async def wait(self, ticket: asyncio.Event, at_most: float) -> None:
        """Until a notification came after `ticket` was taken, or `at_most` seconds passed."""
        if not ticket.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ticket.wait(), at_most)

    async def listen(self, pool: asyncpg.Pool) -> None:
        """Listen until cancelled, on a connection held from `pool` (released at the end);
        after a lost connection, listen again a second later (waiters poll meanwhile)."""
        while True:
            conn: PoolConnectionProxy | None = None
            try:
                conn = await pool.acquire()
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _, gone=lost: gone.set())
                await conn.add_listener(self._channel, self._notified)
                self._notified()  # anything committed while nobody listened: look again
                await lost.wait()
            except _LISTEN_ERRORS:
                log.warning("listener lost", extra={"channel": self._channel})
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.remove_listener(self._channel, self._notified)
                    with contextlib.suppress(Exception):
                        await pool.release(conn)
            await asyncio.sleep(1.0)

    def _notified(self, *_: object) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()
