"""All SQL of referral's vault: the per-case data keys, wrapped, and their shredding."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from hub_runtime.db import Connection


async def get_case_key(conn: Connection, case_id: UUID) -> tuple[bool, bytes | None]:
    """(whether a row exists, the wrapped key): (True, None) is a shredded key (erasure)."""
    row = await conn.fetchrow("SELECT wrapped_key FROM case_keys WHERE case_id = $1", case_id)
    if row is None:
        return False, None
    wrapped: bytes | None = row["wrapped_key"]
    return True, wrapped


async def insert_case_key(
    conn: Connection, case_id: UUID, wrapped_key: bytes, kek_version: int
) -> None:
    """Store a new wrapped key unless the case has one (or a tombstone) already."""
    await conn.execute(
        "INSERT INTO case_keys (case_id, kek_version, wrapped_key) VALUES ($1, $2, $3)"
        " ON CONFLICT (case_id) DO NOTHING",
        case_id,
        kek_version,
        wrapped_key,
    )


async def shred_case_key(conn: Connection, case_id: UUID, at: datetime) -> None:
    """Destroy the case's key for good, leaving a tombstone (no key is ever made again)."""
    await conn.execute(
        "INSERT INTO case_keys (case_id, shredded_at) VALUES ($1, $2)"
        " ON CONFLICT (case_id) DO UPDATE SET wrapped_key = NULL, kek_version = NULL,"
        " shredded_at = coalesce(case_keys.shredded_at, EXCLUDED.shredded_at)",
        case_id,
        at,
    )
