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
    invitation is used (scrypt hash and its salt); ``lead``: may manage the partner's staff;
    ``totp``: the confirmed TOTP secret, sealed under the master key of ``totp_key_version``
    (None: no second factor); ``totp_pending``: one shown for enrolment, not yet confirmed;
    ``totp_last_step``: the last time step accepted (a code is used once)."""

    staff_id: UUID
    partner_id: UUID
    email: str
    password_salt: bytes | None
    password_hash: bytes | None
    revoked: bool
    lead: bool = False
    totp: bytes | None = None
    totp_pending: bytes | None = None
    totp_key_version: int | None = None
    totp_last_step: int | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the staff audit: closed codes and ids (``actor_staff_id`` None: the
    council's admin)."""

    action: str
    actor_kind: str
    actor_staff_id: UUID | None
    staff_id: UUID
    partner_id: UUID


@dataclass(frozen=True)
class SealedFactor:
    """An account's sealed TOTP secrets (confirmed and/or pending) under ``key_version``."""

    staff_id: UUID
    key_version: int
    totp: bytes | None
    totp_pending: bytes | None


class StaffSecurityStore(Protocol):
    """The portal's second factor, password resets and the staff audit."""

    async def factors_to_reseal(self, current: int, limit: int) -> list[SealedFactor]:
        """Up to ``limit`` accounts whose TOTP secrets are sealed under another key version
        than ``current``, locked for the caller's transaction (others skip them)."""
        ...

    async def reseal_factor(self, factor: SealedFactor) -> None:
        """Store the account's secrets re-sealed under ``factor.key_version``."""
        ...

    async def factor_versions(self) -> dict[int, int]:
        """How many accounts have sealed TOTP secrets under each key version."""
        ...

    async def set_totp_pending(self, staff_id: UUID, sealed: bytes, key_version: int) -> None:
        """Keep a TOTP secret shown for enrolment (replacing one shown before)."""
        ...

    async def confirm_totp(self, staff_id: UUID, step: int) -> bool:
        """Make the pending secret the account's second factor (``step`` used); False when
        none is pending."""
        ...

    async def clear_totp(self, staff_id: UUID) -> bool:
        """Remove the account's second factor and end its sessions; False when unknown."""
        ...

    async def issue_reset(self, staff_id: UUID, reset_hash: bytes, expires: datetime) -> bool:
        """A reset link for an activated, unrevoked account (replacing an earlier one); False
        otherwise."""
        ...

    async def use_reset(
        self, reset_hash: bytes, salt: bytes, password_hash: bytes, now: datetime
    ) -> StaffMember | None:
        """Set the password of the account whose unexpired, unused reset link hashes to
        ``reset_hash`` (used up) and end all its sessions; None when there is none."""
        ...

    async def audit(self, entry: AuditEntry, at: datetime) -> None:
        """Record ``entry``."""
        ...

    async def audit_of(self, partner_id: UUID) -> list[AuditEntry]:
        """The partner's audit entries, oldest first."""
        ...


class StaffStore(StaffSecurityStore, Protocol):
    """The portal's staff accounts and their sessions (hashes only)."""

    async def invite(
        self,
        staff_id: UUID,
        partner_id: UUID,
        email: str,
        invite_hash: bytes,
        expires: datetime,
        lead: bool = False,
    ) -> bool:
        """A new account (a lead's when ``lead``) waiting for its invitation to be used; False
        when the e-mail address has an account already (nothing is written then)."""
        ...

    async def get(self, staff_id: UUID) -> StaffMember | None:
        """The account, revoked ones included."""
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

    async def start_session(
        self, session_hash: bytes, staff_id: UUID, now: datetime, second_factor_due: bool = False
    ) -> None:
        """A new session, seen ``now``; with ``second_factor_due`` only a step before one
        (`touch_session` refuses it until `complete_second_factor`)."""
        ...

    async def pending_second_factor(
        self, session_hash: bytes, started_since: datetime
    ) -> StaffMember | None:
        """The account of a session waiting for its code, started after ``started_since``, not
        revoked; None otherwise."""
        ...

    async def complete_second_factor(
        self, pending_hash: bytes, session_hash: bytes, staff_id: UUID, step: int, now: datetime
    ) -> bool:
        """Replace the waiting session by a full one under a new cookie and record ``step`` as
        used; False when the step is not after the last one used or the waiting session is gone
        (the caller then refuses, and its transaction, rolled back, writes nothing)."""
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
