"""A plain-SQL migrations runner: files applied once each, in name order, each in a transaction."""

from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from hub_runtime.db import (
    READ_POOL_SIZE,
    Connection,
    close_pool,
    create_pool,
    dsn_for_database,
    ensure_database,
)

# One advisory lock key for migrations, so two processes of one service never race at start.
_MIGRATION_LOCK = 7_201_301

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS hub_schema_migrations (
    name       text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def runtime_migrations() -> list[tuple[str, str]]:
    """The runtime's own tables (outbox, inbox), applied before the service's."""
    folder = resources.files("hub_runtime") / "sql"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f"hub_runtime/{f.name}", f.read_text(encoding="utf-8")) for f in files]


def folder_migrations(folder: Path) -> list[tuple[str, str]]:
    """A service's `migrations/*.sql`, in name order."""
    files = sorted(folder.glob("*.sql"))
    return [(f"{folder.parent.name}/{f.name}", f.read_text(encoding="utf-8")) for f in files]


async def apply_migrations(conn: Connection, migrations: list[tuple[str, str]]) -> list[str]:
    """Apply what has not been applied yet; returns the names applied now."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
    try:
        await conn.execute(_CREATE_LEDGER)
        done = {r["name"] for r in await conn.fetch("SELECT name FROM hub_schema_migrations")}
        for name, sql in migrations:
            if name in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO hub_schema_migrations (name) VALUES ($1)", name)
            applied_now.append(name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied_now


async def grant_data_access(conn: Connection, role: str) -> None:
    """Let ``role`` read and write (never alter) every table and sequence of schema public.
    Run by the owner after migrating, so tables a migration added are covered too."""
    quoted = await conn.fetchval("SELECT quote_ident($1)", role)
    # The role name is quoted by the server (quote_ident); identifiers cannot be parameters.
    await conn.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted};"
        f" GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}"
    )


async def migrate_as_owner(
    owner_dsn: str, app_dsn: str, database: str, migrations: list[tuple[str, str]]
) -> list[str]:
    """Apply ``migrations`` to ``database`` as the owner role of ``owner_dsn`` (a server DSN,
    no database), then grant the run-time role of ``app_dsn`` data access; returns the names
    applied now. The database must exist (the deployment creates it, owned by that role)."""
    conn = await asyncpg.connect(dsn_for_database(owner_dsn, database))
    try:
        applied = await apply_migrations(conn, migrations)
        app_role = unquote(urlsplit(app_dsn).username or "")
        owner = await conn.fetchval("SELECT current_user")
        if app_role and app_role != owner:
            await grant_data_access(conn, app_role)
        return applied
    finally:
        await conn.close()


async def migrated_pools(
    app_dsn: str, owner_dsn: str | None, database: str, migrations: list[tuple[str, str]]
) -> tuple[asyncpg.Pool, asyncpg.Pool]:
    """A service's database, migrated, and its two pools under the run-time role of
    ``app_dsn``: (the pool, the read pool of `READ_POOL_SIZE`, whose sessions refuse writes).
    With ``owner_dsn`` the owner role migrates and grants the run-time role data access (the
    service itself runs without DDL rights, never as a superuser); without it the database is
    created if missing and migrated by the run-time role (development and tests). Errors of
    PostgreSQL propagate, with no pool left open."""
    if owner_dsn:
        await migrate_as_owner(owner_dsn, app_dsn, database, migrations)
    else:
        await ensure_database(app_dsn, database)
    pool = await create_pool(app_dsn, database)
    try:
        if not owner_dsn:
            async with pool.acquire() as conn:
                await apply_migrations(conn, migrations)
        return pool, await create_pool(app_dsn, database, max_size=READ_POOL_SIZE, read_only=True)
    except BaseException:
        await close_pool(pool)
        raise
