"""`StaffSecurityStore` in memory (second factor, reset links, audit); mixed into `FakeStaff`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from partner_gateway.fakes.state import Table
from partner_gateway.repository.staff_protocol import AuditEntry, SealedFactor, StaffMember


def member(row: dict[str, Any]) -> StaffMember:
    """The account of a fake row."""
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


class FakeStaffSecurity(Table):
    """`StaffSecurityStore` in memory."""

    def end_sessions(self, staff_id: UUID) -> None:
        """Every session of the account ended."""
        for key in [k for k, v in self.s.sessions.items() if v["staff_id"] == staff_id]:
            del self.s.sessions[key]

    async def set_totp_pending(self, staff_id: UUID, sealed: bytes, key_version: int) -> None:
        row = self.s.staff.get(staff_id)
        if row is not None:
            row["totp_pending"] = sealed
            if row["totp_sealed"] is None:
                row["totp_key_version"] = key_version

    async def confirm_totp(self, staff_id: UUID, step: int) -> bool:
        row = self.s.staff.get(staff_id)
        if row is None or row["totp_pending"] is None or row["totp_sealed"] is not None:
            return False
        row.update(totp_sealed=row["totp_pending"], totp_pending=None, totp_last_step=step)
        return True

    async def clear_totp(self, staff_id: UUID) -> bool:
        row = self.s.staff.get(staff_id)
        if row is None:
            return False
        row.update(totp_sealed=None, totp_pending=None, totp_key_version=None, totp_last_step=None)
        self.end_sessions(staff_id)
        return True

    async def issue_reset(self, staff_id: UUID, reset_hash: bytes, expires: datetime) -> bool:
        row = self.s.staff.get(staff_id)
        if row is None or row["revoked_at"] is not None or row["password_hash"] is None:
            return False
        row.update(reset_hash=reset_hash, reset_expires_at=expires)
        return True

    async def use_reset(
        self, reset_hash: bytes, salt: bytes, password_hash: bytes, now: datetime
    ) -> StaffMember | None:
        for row in self.s.staff.values():
            if (
                row["reset_hash"] == reset_hash
                and row["reset_expires_at"] > now
                and row["revoked_at"] is None
            ):
                row.update(
                    reset_hash=None,
                    reset_expires_at=None,
                    password_salt=salt,
                    password_hash=password_hash,
                )
                self.end_sessions(row["staff_id"])
                return member(row)
        return None

    async def audit(self, entry: AuditEntry, at: datetime) -> None:
        self.s.staff_audit.append(entry)

    async def audit_of(self, partner_id: UUID) -> list[AuditEntry]:
        return [e for e in self.s.staff_audit if e.partner_id == partner_id]

    async def factors_to_reseal(self, current: int, limit: int) -> list[SealedFactor]:
        rows = sorted(
            (
                r
                for r in self.s.staff.values()
                if r["totp_key_version"] != current
                and (r["totp_sealed"] is not None or r["totp_pending"] is not None)
            ),
            key=lambda r: r["staff_id"],
        )
        return [
            SealedFactor(r["staff_id"], r["totp_key_version"], r["totp_sealed"], r["totp_pending"])
            for r in rows[:limit]
        ]

    async def reseal_factor(self, factor: SealedFactor) -> None:
        row = self.s.staff.get(factor.staff_id)
        if row is not None:
            row.update(
                totp_key_version=factor.key_version,
                totp_sealed=factor.totp,
                totp_pending=factor.totp_pending,
            )

    async def factor_versions(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for r in self.s.staff.values():
            if r["totp_sealed"] is not None or r["totp_pending"] is not None:
                counts[r["totp_key_version"]] = counts.get(r["totp_key_version"], 0) + 1
        return counts
