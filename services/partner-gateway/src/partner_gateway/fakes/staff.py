"""`StaffStore` in memory (portal accounts and sessions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from partner_gateway.fakes.staff_security import FakeStaffSecurity
from partner_gateway.fakes.staff_security import member as _member
from partner_gateway.fakes.state import now
from partner_gateway.repository.staff_protocol import StaffMember


class FakeStaff(FakeStaffSecurity):
    """`StaffStore` in memory."""

    async def invite(
        self,
        staff_id: UUID,
        partner_id: UUID,
        email: str,
        invite_hash: bytes,
        expires: datetime,
        lead: bool = False,
    ) -> bool:
        if any(row["email"] == email for row in self.s.staff.values()):
            return False
        self.s.staff[staff_id] = {
            "staff_id": staff_id,
            "partner_id": partner_id,
            "email": email,
            "invite_hash": invite_hash,
            "invite_expires_at": expires,
            "password_salt": None,
            "password_hash": None,
            "created_at": now(),
            "activated_at": None,
            "revoked_at": None,
            "role": "lead" if lead else "member",
            "totp_sealed": None,
            "totp_pending": None,
            "totp_key_version": None,
            "totp_last_step": None,
            "reset_hash": None,
            "reset_expires_at": None,
        }
        return True

    async def get(self, staff_id: UUID) -> StaffMember | None:
        row = self.s.staff.get(staff_id)
        return None if row is None else _member(row)

    async def activate(
        self, invite_hash: bytes, salt: bytes, password_hash: bytes, now: datetime
    ) -> StaffMember | None:
        for row in self.s.staff.values():
            if (
                row["invite_hash"] == invite_hash
                and row["invite_expires_at"] > now
                and row["revoked_at"] is None
            ):
                row.update(
                    invite_hash=None,
                    invite_expires_at=None,
                    password_salt=salt,
                    password_hash=password_hash,
                    activated_at=now,
                )
                return _member(row)
        return None

    async def by_email(self, email: str) -> StaffMember | None:
        for row in self.s.staff.values():
            if row["email"] == email:
                return _member(row)
        return None

    async def revoke(self, staff_id: UUID, now: datetime) -> bool:
        row = self.s.staff.get(staff_id)
        if row is None:
            return False
        row["revoked_at"] = row["revoked_at"] or now
        row["invite_hash"] = None
        self.end_sessions(staff_id)
        return True

    async def listing(self, partner_id: UUID) -> list[dict[str, Any]]:
        keys = ("staff_id", "partner_id", "email", "role", "created_at", "activated_at")
        return [
            {
                **{k: row[k] for k in keys},
                "revoked_at": row["revoked_at"],
                "second_factor": row["totp_sealed"] is not None,
            }
            for row in self.s.staff.values()
            if row["partner_id"] == partner_id
        ]

    async def start_session(
        self, session_hash: bytes, staff_id: UUID, now: datetime, second_factor_due: bool = False
    ) -> None:
        self.s.sessions[session_hash] = {
            "staff_id": staff_id,
            "created": now,
            "seen": now,
            "due": second_factor_due,
        }

    async def pending_second_factor(
        self, session_hash: bytes, started_since: datetime
    ) -> StaffMember | None:
        session = self.s.sessions.get(session_hash)
        row = None if session is None else self.s.staff.get(session["staff_id"])
        if session is None or row is None or not session["due"]:
            return None
        if session["created"] <= started_since or row["revoked_at"] is not None:
            del self.s.sessions[session_hash]
            return None
        return _member(row)

    async def complete_second_factor(
        self, pending_hash: bytes, session_hash: bytes, staff_id: UUID, step: int, now: datetime
    ) -> bool:
        row = self.s.staff[staff_id]
        session = self.s.sessions.get(pending_hash)
        last = row["totp_last_step"]
        if session is None or not session["due"] or (last is not None and last >= step):
            return False
        row["totp_last_step"] = step
        del self.s.sessions[pending_hash]
        await self.start_session(session_hash, staff_id, now)
        return True

    async def touch_session(
        self, session_hash: bytes, now: datetime, idle_since: datetime, started_since: datetime
    ) -> StaffMember | None:
        session = self.s.sessions.get(session_hash)
        row = None if session is None else self.s.staff.get(session["staff_id"])
        if (
            session is None
            or row is None
            or row["revoked_at"] is not None
            or session["due"]
            or session["seen"] <= idle_since
            or session["created"] <= started_since
        ):
            if session is not None and not session["due"]:
                del self.s.sessions[session_hash]
            return None
        session["seen"] = now
        return _member(row)

    async def end_session(self, session_hash: bytes) -> None:
        self.s.sessions.pop(session_hash, None)
