"""PostgreSQL connections: one database per service on a shared server."""

from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Pool = asyncpg.Pool  # re-exported so services need one import
Connection = asyncpg.Connection | PoolConnectionProxy
"""A plain connection or one borrowed from a pool: the repositories accept both."""


def dsn_for_database(server_dsn: str, database: str) -> str:
    """The server DSN with its path replaced by `database` (query options are kept)."""
    parts = urlsplit(server_dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


async def create_pool(server_dsn: str, database: str, *, max_size: int = 10) -> asyncpg.Pool:
    """A pool on the service's own database."""
    pool = await asyncpg.create_pool(
        dsn_for_database(server_dsn, database), min_size=1, max_size=max_size
    )
    assert pool is not None  # asyncpg types it Optional for the un-awaited form only
    return pool


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
