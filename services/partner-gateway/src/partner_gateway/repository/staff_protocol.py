"""What the portal's account handlers may ask of storage (kept beside `protocols`, which holds
the other repositories' Protocols): staff accounts and their sessions, hashes only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class StaffMember:
    """A partner's staff member with a portal account; ``password_*`` are None until the
    invitation is used (scrypt hash and its salt)."""

    staff_id: UUID
    partner_id: UUID
    email: str
    password_salt: bytes | None
    password_hash: bytes | None
    revoked: bool


class StaffStore(Protocol):
    """The portal's staff accounts and their sessions (hashes only)."""

    async def invite(
        self, staff_id: UUID, partner_id: UUID, email: str, invite_hash: bytes, expires: datetime
    ) -> bool:
        """A new account waiting for its invitation to be used; False when the e-mail address
        has an account already (nothing is written then)."""
        ...

    async def activate(
        self, invite_hash: bytes, salt: bytes, password_hash: bytes, now: datetime
    ) -> StaffMember | None:
        """Set the password of the account whose unexpired, unused invitation hashes to
        ``invite_hash`` (the invitation is used up); None when there is none."""
        ...

    async def by_email(self, email: str) -> StaffMember | None:
        """The account of a (lower-cased) e-mail address, revoked ones included."""
        ...

    async def revoke(self, staff_id: UUID, now: datetime) -> bool:
        """Revoke the account and end its sessions; False when it is unknown."""
        ...

    async def listing(self, partner_id: UUID) -> list[dict[str, Any]]:
        """The partner's accounts, oldest first (no secrets)."""
        ...

    async def start_session(self, session_hash: bytes, staff_id: UUID, now: datetime) -> None:
        """A new session, seen ``now``."""
        ...

    async def touch_session(
        self, session_hash: bytes, now: datetime, idle_since: datetime, started_since: datetime
    ) -> StaffMember | None:
        """The session's account, seen again ``now``, when the session was last seen after
        ``idle_since``, started after ``started_since`` and its account is not revoked; else
        None and the session is ended."""
        ...

    async def end_session(self, session_hash: bytes) -> None:
        """End the session (nothing when it is unknown)."""
        ...
