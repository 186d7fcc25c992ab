"""All SQL of the partner change audit (append-only; migration 0020)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from hub_runtime.db import Connection


async def insert_change(
    conn: Connection,
    *,
    partner_id: UUID,
    changed_by: str,
    changed_at: datetime,
    reason: str,
    changed_fields: list[str],
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    await conn.execute(
        "INSERT INTO partner_changes (partner_id, changed_by, changed_at, reason,"
        " changed_fields, before, after) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)",
        partner_id,
        changed_by,
        changed_at,
        reason,
        changed_fields,
        None if before is None else json.dumps(before),
        json.dumps(after),
    )


async def changes_of(conn: Connection, partner_id: UUID) -> list[dict[str, Any]]:
    """One partner's changes, oldest first."""
    rows = await conn.fetch(
        "SELECT * FROM partner_changes WHERE partner_id = $1 ORDER BY id", partner_id
    )
    return [_change(row) for row in rows]


async def changes_after(conn: Connection, after_id: int, limit: int) -> list[dict[str, Any]]:
    """Every partner's changes with an id above ``after_id``, oldest first, at most ``limit``."""
    rows = await conn.fetch(
        "SELECT * FROM partner_changes WHERE id > $1 ORDER BY id LIMIT $2", after_id, limit
    )
    return [_change(row) for row in rows]


def _change(row: asyncpg.Record) -> dict[str, Any]:
    record = dict(row)
    record["before"] = None if row["before"] is None else json.loads(row["before"])
    record["after"] = json.loads(row["after"])
    return record
