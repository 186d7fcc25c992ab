"""SQL of the portal's second factor (sealed TOTP secrets), password-reset links (hashes only)
and the staff audit; mixed into `staff.StaffRepository`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
from hub_runtime.db import Connection

from partner_gateway.repository.staff_protocol import AuditEntry, SealedFactor, StaffMember

MEMBER = (
    "st.staff_id, st.partner_id, st.email, st.password_salt, st.password_hash, st.revoked_at,"
    " st.role, st.totp_sealed, st.totp_pending, st.totp_key_version, st.totp_last_step"
)
"""The columns `member` reads (table alias ``st``)."""


def member(row: asyncpg.Record | None) -> StaffMember | None:
    """The account of a row selected with `MEMBER` (None for no row)."""
    if row is None:
        return None
    return StaffMember(
        staff_id=row["staff_id"],
        partner_id=row["partner_id"],
        email=row["email"],
        password_salt=row["password_salt"],
        password_hash=row["password_hash"],
        revoked=row["revoked_at"] is not None,
        lead=row["role"] == "lead",
        totp=row["totp_sealed"],
        totp_pending=row["totp_pending"],
        totp_key_version=row["totp_key_version"],
        totp_last_step=row["totp_last_step"],
    )


class StaffSecurityRepository:
    """`protocols.StaffSecurityStore` on PostgreSQL."""

    conn: Connection

    async def set_totp_pending(self, staff_id: UUID, sealed: bytes, key_version: int) -> None:
        await self.conn.execute(
            "UPDATE portal_staff SET totp_pending = $2, totp_key_version ="
            " CASE WHEN totp_sealed IS NULL THEN $3 ELSE totp_key_version END"
            " WHERE staff_id = $1",
            staff_id,
            sealed,
            key_version,
        )

    async def confirm_totp(self, staff_id: UUID, step: int) -> bool:
        done = await self.conn.fetchval(
            "UPDATE portal_staff SET totp_sealed = totp_pending, totp_pending = NULL,"
            " totp_last_step = $2 WHERE staff_id = $1 AND totp_pending IS NOT NULL"
            " AND totp_sealed IS NULL RETURNING true",
            staff_id,
            step,
        )
        return bool(done)

    async def clear_totp(self, staff_id: UUID) -> bool:
        done = await self.conn.fetchval(
            "UPDATE portal_staff SET totp_sealed = NULL, totp_pending = NULL,"
            " totp_key_version = NULL, totp_last_step = NULL WHERE staff_id = $1 RETURNING true",
            staff_id,
        )
        await self.conn.execute("DELETE FROM portal_sessions WHERE staff_id = $1", staff_id)
        return bool(done)

    async def issue_reset(self, staff_id: UUID, reset_hash: bytes, expires: datetime) -> bool:
        done = await self.conn.fetchval(
            "UPDATE portal_staff SET reset_hash = $2, reset_expires_at = $3"
            " WHERE staff_id = $1 AND revoked_at IS NULL AND password_hash IS NOT NULL"
            " RETURNING true",
            staff_id,
            reset_hash,
            expires,
        )
        return bool(done)

    async def use_reset(
        self, reset_hash: bytes, salt: bytes, password_hash: bytes, now: datetime
    ) -> StaffMember | None:
        row = await self.conn.fetchrow(
            "UPDATE portal_staff st SET reset_hash = NULL, reset_expires_at = NULL,"  # noqa: S608 (fixed column list)
            " password_salt = $2, password_hash = $3"
            " WHERE reset_hash = $1 AND reset_expires_at > $4 AND revoked_at IS NULL"
            f" RETURNING {MEMBER}",
            reset_hash,
            salt,
            password_hash,
            now,
        )
        found = member(row)
        if found is not None:
            await self.conn.execute(
                "DELETE FROM portal_sessions WHERE staff_id = $1", found.staff_id
            )
        return found

    async def audit(self, entry: AuditEntry, at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO portal_staff_audit"
            " (at, action, actor_kind, actor_staff_id, staff_id, partner_id)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            at,
            entry.action,
            entry.actor_kind,
            entry.actor_staff_id,
            entry.staff_id,
            entry.partner_id,
        )

    async def audit_of(self, partner_id: UUID) -> list[AuditEntry]:
        rows = await self.conn.fetch(
            "SELECT action, actor_kind, actor_staff_id, staff_id, partner_id"
            " FROM portal_staff_audit WHERE partner_id = $1 ORDER BY audit_id",
            partner_id,
        )
        return [AuditEntry(**dict(r)) for r in rows]

    async def factors_to_reseal(self, current: int, limit: int) -> list[SealedFactor]:
        rows = await self.conn.fetch(
            "SELECT staff_id, totp_key_version, totp_sealed, totp_pending FROM portal_staff"
            " WHERE totp_key_version <> $1"
            " AND (totp_sealed IS NOT NULL OR totp_pending IS NOT NULL)"
            " ORDER BY staff_id LIMIT $2 FOR UPDATE SKIP LOCKED",
            current,
            limit,
        )
        return [
            SealedFactor(r["staff_id"], r["totp_key_version"], r["totp_sealed"], r["totp_pending"])
            for r in rows
        ]

    async def reseal_factor(self, factor: SealedFactor) -> None:
        await self.conn.execute(
            "UPDATE portal_staff SET totp_key_version = $2, totp_sealed = $3, totp_pending = $4"
            " WHERE staff_id = $1",
            factor.staff_id,
            factor.key_version,
            factor.totp,
            factor.totp_pending,
        )

    async def factor_versions(self) -> dict[int, int]:
        rows = await self.conn.fetch(
            "SELECT totp_key_version AS version, count(*) AS n FROM portal_staff"
            " WHERE totp_sealed IS NOT NULL OR totp_pending IS NOT NULL"
            " GROUP BY totp_key_version"
        )
        return {r["version"]: r["n"] for r in rows}
