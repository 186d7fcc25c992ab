"""SQL of the portal's staff accounts and sessions (hashes only: never a password, an
invitation code or a session cookie in clear)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from hub_runtime.db import Connection

from partner_gateway.repository.staff_protocol import StaffMember

_MEMBER = "st.staff_id, st.partner_id, st.email, st.password_salt, st.password_hash, st.revoked_at"


def _member(row: asyncpg.Record | None) -> StaffMember | None:
    if row is None:
        return None
    return StaffMember(
        staff_id=row["staff_id"],
        partner_id=row["partner_id"],
        email=row["email"],
        password_salt=row["password_salt"],
        password_hash=row["password_hash"],
        revoked=row["revoked_at"] is not None,
    )


class StaffRepository:
    """`protocols.StaffStore` on PostgreSQL (``portal_staff``, ``portal_sessions``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def invite(
        self, staff_id: UUID, partner_id: UUID, email: str, invite_hash: bytes, expires: datetime
    ) -> bool:
        done = await self.conn.fetchval(
            "INSERT INTO portal_staff (staff_id, partner_id, email, invite_hash, invite_expires_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING RETURNING true",
            staff_id,
            partner_id,
            email,
            invite_hash,
            expires,
        )
        return bool(done)

    async def activate(
        self, invite_hash: bytes, salt: bytes, password_hash: bytes, now: datetime
    ) -> StaffMember | None:
        row = await self.conn.fetchrow(
            "UPDATE portal_staff st SET invite_hash = NULL, invite_expires_at = NULL,"
            " password_salt = $2, password_hash = $3, activated_at = $4"
            " WHERE invite_hash = $1 AND invite_expires_at > $4 AND revoked_at IS NULL"
            " RETURNING st.staff_id, st.partner_id, st.email, st.password_salt,"
            " st.password_hash, st.revoked_at",
            invite_hash,
            salt,
            password_hash,
            now,
        )
        return _member(row)

    async def by_email(self, email: str) -> StaffMember | None:
        row = await self.conn.fetchrow(
            "SELECT staff_id, partner_id, email, password_salt, password_hash, revoked_at"
            " FROM portal_staff WHERE email = $1",
            email,
        )
        return _member(row)

    async def revoke(self, staff_id: UUID, now: datetime) -> bool:
        done = await self.conn.fetchval(
            "UPDATE portal_staff SET revoked_at = coalesce(revoked_at, $2), invite_hash = NULL"
            " WHERE staff_id = $1 RETURNING true",
            staff_id,
            now,
        )
        await self.conn.execute("DELETE FROM portal_sessions WHERE staff_id = $1", staff_id)
        return bool(done)

    async def listing(self, partner_id: UUID) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT staff_id, partner_id, email, created_at, activated_at, revoked_at"
            " FROM portal_staff WHERE partner_id = $1 ORDER BY created_at, staff_id",
            partner_id,
        )
        return [dict(r) for r in rows]

    async def start_session(self, session_hash: bytes, staff_id: UUID, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO portal_sessions (session_hash, staff_id, created_at, last_seen_at)"
            " VALUES ($1, $2, $3, $3)",
            session_hash,
            staff_id,
            now,
        )

    async def touch_session(
        self, session_hash: bytes, now: datetime, idle_since: datetime, started_since: datetime
    ) -> StaffMember | None:
        row = await self.conn.fetchrow(
            "UPDATE portal_sessions s SET last_seen_at = $2 FROM portal_staff st"
            " WHERE s.session_hash = $1 AND st.staff_id = s.staff_id AND st.revoked_at IS NULL"
            " AND s.last_seen_at > $3 AND s.created_at > $4"
            " RETURNING st.staff_id, st.partner_id, st.email, st.password_salt,"
            " st.password_hash, st.revoked_at",
            session_hash,
            now,
            idle_since,
            started_since,
        )
        if row is None:  # unknown, idle too long, too old, or its account revoked
            await self.conn.execute(
                "DELETE FROM portal_sessions WHERE session_hash = $1", session_hash
            )
        return _member(row)

    async def end_session(self, session_hash: bytes) -> None:
        await self.conn.execute("DELETE FROM portal_sessions WHERE session_hash = $1", session_hash)
