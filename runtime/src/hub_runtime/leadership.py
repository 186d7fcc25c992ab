"""Leader election for the workers that must run once across a service's instances.

One mechanism for every such worker: a PostgreSQL **session-level** advisory lock, named after
the service and the worker, held on a connection of its own (never a pooled one: the pool's
connections skip the session reset, see `hub_runtime.db.LeanConnection`, and are shared by
every unit of work). The instance whose session holds the lock is the leader; before each pass
it checks that its session still holds it. When the leader's connection dies (its process
stopped or crashed, `pg_terminate_backend`, a network cut that TCP keepalive detects), the
server ends the session and releases the lock, and the next instance that tries takes it:
a follower tries every ``HUB_LEADER_RETRY_SECONDS`` (at most its pass interval).

What this does NOT promise: that two passes never overlap. A leader cut off from PostgreSQL may
still be in the middle of a pass while the server has already ended its session and a follower
has taken over. So every pass stays safe when run twice at once (each claims its rows with
``FOR UPDATE SKIP LOCKED`` or an advisory transaction lock); the election makes a pass run in
one instance normally, so N instances do not scan the same rows N times per interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import asyncpg
from prometheus_client import Counter, Gauge

if TYPE_CHECKING:
    from hub_runtime.service import ServiceContext, Worker

log = logging.getLogger(__name__)

WORKER_LEADER = Gauge(
    "hub_worker_leader",
    "1 while this process leads a single-instance worker (summed over instances: 1 expected)",
    ["service", "worker"],
)
WORKER_PASSES = Counter(
    "hub_worker_passes_total",
    "Passes of a single-instance worker run by this process",
    ["service", "worker"],
)

# InternalClientError: asyncpg's state machine when the server ended the session while a query
# was being sent (seen after pg_terminate_backend): the connection is as dead as with the others.
_ERRORS = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    TimeoutError,
)
QUERY_TIMEOUT_SECONDS = 10.0
"""A check that does not answer within this many seconds counts as leadership lost."""

# The server closes a leader's session this soon after its host stops answering (idle 10 s,
# then 3 probes 5 s apart): the lock is then free for a follower. Per-session settings.
_KEEPALIVE = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
    "application_name": "hub-leadership",
}

_HOLDS = """
SELECT EXISTS (
    SELECT 1 FROM pg_locks
    WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
      AND classid = (($1::bigint >> 32) & 4294967295)::oid
      AND objid = ($1::bigint & 4294967295)::oid
)
"""


class Leadership:
    """Whether this instance leads one worker of one service (see the module docstring).

    ``dsn``: the service database's DSN (its run-time role; advisory locks need no grant);
    ``service`` and ``worker`` name the lock (``"<service>:<worker>"``, hashed by the server to
    a 64-bit key with ``hashtextextended``)."""

    def __init__(self, dsn: str, service: str, worker: str) -> None:
        self._dsn = dsn
        self.service = service
        self.worker = worker
        self.lock_name = f"{service}:{worker}"
        self._conn: asyncpg.Connection | None = None
        self._key: int | None = None
        self.held = False
        self.passes = 0
        """Passes this instance ran as the leader (tests read it; the metric sums processes)."""

    @property
    def backend_pid(self) -> int | None:
        """The server process id of the session holding (or trying for) the lock, or None."""
        if self._conn is None or self._conn.is_closed():
            return None
        return self._conn.get_server_pid()

    async def check(self) -> bool:
        """True when this instance holds the lock now: verified on the server for a leader,
        tried (``pg_try_advisory_lock``, never waiting) for a follower. Connects when it has no
        live connection. Never raises for PostgreSQL or network errors: they mean "not the
        leader" (the connection is dropped, so a lock it may still hold is released)."""
        was_held = self.held
        try:
            conn = await self._connection()
            key = self._key
            if self.held:
                self.held = bool(await conn.fetchval(_HOLDS, key, timeout=QUERY_TIMEOUT_SECONDS))
            else:
                self.held = bool(
                    await conn.fetchval(
                        "SELECT pg_try_advisory_lock($1)", key, timeout=QUERY_TIMEOUT_SECONDS
                    )
                )
        except _ERRORS as exc:
            log.warning(
                "leadership check failed",
                extra={
                    "service": self.service,
                    "worker": self.worker,
                    "error_type": type(exc).__name__,
                },
            )
            await self.close()
        if self.held != was_held:
            log.info(
                "leadership taken" if self.held else "leadership lost",
                extra={"service": self.service, "worker": self.worker},
            )
        WORKER_LEADER.labels(self.service, self.worker).set(1 if self.held else 0)
        return self.held

    async def _connection(self) -> asyncpg.Connection:
        if self._conn is None or self._conn.is_closed():
            self.held = False  # a new session holds nothing
            self._conn = await asyncpg.connect(
                self._dsn, timeout=QUERY_TIMEOUT_SECONDS, server_settings=_KEEPALIVE
            )
            self._key = await self._conn.fetchval(
                "SELECT hashtextextended($1, 0)", self.lock_name, timeout=QUERY_TIMEOUT_SECONDS
            )
        return self._conn

    async def close(self) -> None:
        """Give the lock up by ending the session (a follower may take over at once); safe to
        call twice, never raises."""
        conn, self._conn = self._conn, None
        self.held = False
        WORKER_LEADER.labels(self.service, self.worker).set(0)
        if conn is None:
            return
        try:
            await asyncio.wait_for(conn.close(), timeout=QUERY_TIMEOUT_SECONDS)
        except Exception:  # a dead connection: cut it; the server releases the lock anyway
            conn.terminate()


def single_instance(
    name: str, run_pass: Callable[[ServiceContext], Awaitable[object]], every_seconds: float
) -> Worker:
    """A worker that runs ``run_pass(ctx)`` every ``every_seconds`` in ONE instance of the
    service at a time (the leader of ``name``, see `Leadership`). The other instances check
    every ``min(every_seconds, HUB_LEADER_RETRY_SECONDS)`` seconds whether the lock is free
    and take over when it is. The leader re-checks before each pass. Its `Leadership` is in
    ``ctx.leaders[name]`` while it runs; the runtime restarts the worker if a pass raises (the
    lock is given up meanwhile)."""

    async def worker(ctx: ServiceContext) -> None:
        leadership = Leadership(ctx.database_dsn, ctx.name, name)
        ctx.leaders[name] = leadership
        try:
            while True:
                if await leadership.check():
                    await run_pass(ctx)
                    leadership.passes += 1
                    WORKER_PASSES.labels(ctx.name, name).inc()
                    await asyncio.sleep(every_seconds)
                else:
                    await asyncio.sleep(min(every_seconds, ctx.hub.leader_retry_seconds))
        finally:
            await leadership.close()

    worker.__name__ = name
    return worker
