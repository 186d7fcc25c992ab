"""PostgreSQL connections: one database per service on a shared server."""

import asyncio
import logging
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

log = logging.getLogger(__name__)

Pool = asyncpg.Pool  # re-exported so services need one import
Connection = asyncpg.Connection | PoolConnectionProxy
"""A plain connection or one borrowed from a pool: the repositories accept both."""


def dsn_for_database(server_dsn: str, database: str) -> str:
    """The server DSN with its path replaced by `database` (query options are kept)."""
    parts = urlsplit(server_dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


class LeanConnection(asyncpg.Connection):
    """A pooled connection released without asyncpg's session reset query.

    The default reset (unlock all advisory locks, CLOSE ALL, UNLISTEN *, RESET ALL) costs one
    round trip on every release, i.e. on every unit of work. The hub keeps no session state on
    pooled connections: its locks are transaction-scoped (`pg_advisory_xact_lock`), it sets no
    session variables and opens no cursors outside transactions, and the outbox listener removes
    its LISTEN itself. An open transaction is still rolled back on release (asyncpg always does
    that)."""

    def get_reset_query(self) -> str:
        """No reset query (asyncpg's hook): the empty string skips the round trip on release."""
        return ""


READ_POOL_SIZE = 4
"""Connections of a service's read pool (`create_pool` with ``read_only``): reads hold one for a
few statements only, and every instance of every service keeps one (``max_connections`` is 200)."""


async def create_pool(
    server_dsn: str, database: str, *, max_size: int = 10, read_only: bool = False
) -> asyncpg.Pool:
    """A pool on the service's own database. ``read_only``: its sessions run with
    ``default_transaction_read_only`` on, so PostgreSQL itself refuses any write made through
    them (SQLSTATE 25006), in a transaction or in autocommit (`unit_of_work.UnitOfWork` with
    ``read_only``)."""
    settings = {"default_transaction_read_only": "on"} if read_only else {}
    pool = await asyncpg.create_pool(
        dsn_for_database(server_dsn, database),
        min_size=1,
        max_size=max_size,
        connection_class=LeanConnection,
        server_settings=settings,
    )
    assert pool is not None  # asyncpg types it Optional for the un-awaited form only
    return pool


async def close_pool(pool: asyncpg.Pool, grace_seconds: float = 10.0) -> None:
    """Close gracefully, but never wait for ever: a connection still held by work that was
    cancelled mid-transaction would keep `close()` waiting; after the grace period it is cut
    (its transaction rolls back in the server)."""
    try:
        await asyncio.wait_for(pool.close(), timeout=grace_seconds)
    except TimeoutError:
        log.warning("database pool did not close in time; terminating its connections")
        pool.terminate()


async def ensure_database(server_dsn: str, database: str) -> None:
    """Create the database if missing (infra creates them too; this keeps tests standalone)."""
    conn = await asyncpg.connect(dsn_for_database(server_dsn, "postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # Identifiers cannot be bound parameters; the name comes from code, never from input.
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
