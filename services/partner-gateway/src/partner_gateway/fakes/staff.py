"""`StaffStore` in memory (portal accounts and sessions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from partner_gateway.fakes.state import Table, now
from partner_gateway.repository.staff_protocol import StaffMember


def _member(row: dict[str, Any]) -> StaffMember:
    return StaffMember(
        staff_id=row["staff_id"],
        partner_id=row["partner_id"],
        email=row["email"],
        password_salt=row["password_salt"],
        password_hash=row["password_hash"],
        revoked=row["revoked_at"] is not None,
    )


class FakeStaff(Table):
    """`StaffStore` in memory."""

    async def invite(
        self, staff_id: UUID, partner_id: UUID, email: str, invite_hash: bytes, expires: datetime
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
        }
        return True

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
        for key in [k for k, v in self.s.sessions.items() if v["staff_id"] == staff_id]:
            del self.s.sessions[key]
        return True

    async def listing(self, partner_id: UUID) -> list[dict[str, Any]]:
        keys = ("staff_id", "partner_id", "email", "created_at", "activated_at", "revoked_at")
        return [
            {k: row[k] for k in keys}
            for row in self.s.staff.values()
            if row["partner_id"] == partner_id
        ]

    async def start_session(self, session_hash: bytes, staff_id: UUID, now: datetime) -> None:
        self.s.sessions[session_hash] = {"staff_id": staff_id, "created": now, "seen": now}

    async def touch_session(
        self, session_hash: bytes, now: datetime, idle_since: datetime, started_since: datetime
    ) -> StaffMember | None:
        session = self.s.sessions.get(session_hash)
        row = None if session is None else self.s.staff.get(session["staff_id"])
        if (
            session is None
            or row is None
            or row["revoked_at"] is not None
            or session["seen"] <= idle_since
            or session["created"] <= started_since
        ):
            self.s.sessions.pop(session_hash, None)
            return None
        session["seen"] = now
        return _member(row)

    async def end_session(self, session_hash: bytes) -> None:
        self.s.sessions.pop(session_hash, None)
