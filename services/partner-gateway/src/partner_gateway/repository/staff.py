"""SQL of the portal's staff accounts and sessions (hashes only: never a password, an
invitation code or a session cookie in clear)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from hub_runtime.db import Connection

from partner_gateway.repository.staff_protocol import StaffMember
from partner_gateway.repository.staff_security import MEMBER, StaffSecurityRepository
from partner_gateway.repository.staff_security import member as _member


class StaffRepository(StaffSecurityRepository):
    """`protocols.StaffStore` on PostgreSQL (``portal_staff``, ``portal_sessions``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def invite(
        self,
        staff_id: UUID,
        partner_id: UUID,
        email: str,
        invite_hash: bytes,
        expires: datetime,
        lead: bool = False,
    ) -> bool:
        done = await self.conn.fetchval(
            "INSERT INTO portal_staff"
            " (staff_id, partner_id, email, invite_hash, invite_expires_at, role)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING RETURNING true",
            staff_id,
            partner_id,
            email,
            invite_hash,
            expires,
            "lead" if lead else "member",
        )
        return bool(done)

    async def get(self, staff_id: UUID) -> StaffMember | None:
        row = await self.conn.fetchrow(
            f"SELECT {MEMBER} FROM portal_staff st WHERE st.staff_id = $1",  # noqa: S608 (fixed column list)
            staff_id,
        )
        return _member(row)

    async def activate(
        self, invite_hash: bytes, salt: bytes, password_hash: bytes, now: datetime
    ) -> StaffMember | None:
        row = await self.conn.fetchrow(
            "UPDATE portal_staff st SET invite_hash = NULL, invite_expires_at = NULL,"  # noqa: S608 (fixed column list)
            " password_salt = $2, password_hash = $3, activated_at = $4"
            " WHERE invite_hash = $1 AND invite_expires_at > $4 AND revoked_at IS NULL"
            f" RETURNING {MEMBER}",
            invite_hash,
            salt,
            password_hash,
            now,
        )
        return _member(row)

    async def by_email(self, email: str) -> StaffMember | None:
        row = await self.conn.fetchrow(
            f"SELECT {MEMBER} FROM portal_staff st WHERE st.email = $1",  # noqa: S608 (fixed column list)
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
            "SELECT staff_id, partner_id, email, role, created_at, activated_at, revoked_at,"
            " totp_sealed IS NOT NULL AS second_factor"
            " FROM portal_staff WHERE partner_id = $1 ORDER BY created_at, staff_id",
            partner_id,
        )
        return [dict(r) for r in rows]

    async def start_session(
        self, session_hash: bytes, staff_id: UUID, now: datetime, second_factor_due: bool = False
    ) -> None:
        await self.conn.execute(
            "INSERT INTO portal_sessions"
            " (session_hash, staff_id, created_at, last_seen_at, second_factor_due)"
            " VALUES ($1, $2, $3, $3, $4)",
            session_hash,
            staff_id,
            now,
            second_factor_due,
        )

    async def pending_second_factor(
        self, session_hash: bytes, started_since: datetime
    ) -> StaffMember | None:
        row = await self.conn.fetchrow(
            f"SELECT {MEMBER} FROM portal_sessions s JOIN portal_staff st USING (staff_id)"  # noqa: S608 (fixed column list)
            " WHERE s.session_hash = $1 AND s.second_factor_due AND s.created_at > $2"
            " AND st.revoked_at IS NULL",
            session_hash,
            started_since,
        )
        if row is None:  # unknown, too old or revoked: a waiting sign-in ends
            await self.conn.execute(
                "DELETE FROM portal_sessions WHERE session_hash = $1 AND second_factor_due",
                session_hash,
            )
        return _member(row)

    async def complete_second_factor(
        self, pending_hash: bytes, session_hash: bytes, staff_id: UUID, step: int, now: datetime
    ) -> bool:
        used = await self.conn.fetchval(
            "UPDATE portal_staff SET totp_last_step = $2 WHERE staff_id = $1"
            " AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING true",
            staff_id,
            step,
        )
        if not used:
            return False
        gone = await self.conn.fetchval(
            "DELETE FROM portal_sessions WHERE session_hash = $1 AND second_factor_due"
            " RETURNING true",
            pending_hash,
        )
        if not gone:  # the caller refuses, and its transaction is rolled back
            return False
        await self.start_session(session_hash, staff_id, now)
        return True

    async def touch_session(
        self, session_hash: bytes, now: datetime, idle_since: datetime, started_since: datetime
    ) -> StaffMember | None:
        row = await self.conn.fetchrow(
            "UPDATE portal_sessions s SET last_seen_at = $2 FROM portal_staff st"  # noqa: S608 (fixed column list)
            " WHERE s.session_hash = $1 AND st.staff_id = s.staff_id AND st.revoked_at IS NULL"
            " AND NOT s.second_factor_due"
            " AND s.last_seen_at > $3 AND s.created_at > $4"
            f" RETURNING {MEMBER}",
            session_hash,
            now,
            idle_since,
            started_since,
        )
        if row is None:  # unknown, idle too long, too old, or its account revoked
            # (a sign-in waiting for its code is left to `pending_second_factor`)
            await self.conn.execute(
                "DELETE FROM portal_sessions WHERE session_hash = $1 AND NOT second_factor_due",
                session_hash,
            )
        return _member(row)

    async def end_session(self, session_hash: bytes) -> None:
        await self.conn.execute("DELETE FROM portal_sessions WHERE session_hash = $1", session_hash)
