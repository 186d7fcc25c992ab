"""The bus messages of the portal's account security: password-reset links, the second factor
(TOTP) and the staff audit (the accounts themselves: `messages`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from hub_runtime.bus import Message

from partner_gateway.messages import ADMIN, Actor
from partner_gateway.repository.staff_protocol import AuditEntry


@dataclass(frozen=True)
class ResetIssued:
    """A one-time password-reset code (shown once to the issuer, stored only hashed)."""

    staff_id: UUID
    code: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True)
class IssuePasswordReset(Message[ResetIssued]):
    """An admin or the partner's lead issues a reset link for an activated account."""

    staff_id: UUID
    by: Actor = ADMIN


@dataclass(frozen=True)
class ResetPassword(Message[UUID]):
    """The reset ``code`` and a new password; every session of the account ends. The result
    is the staff id."""

    code: str = field(repr=False)
    password: str = field(repr=False)


@dataclass(frozen=True)
class ResetSecondFactor(Message[None]):
    """An admin or the partner's lead removes an account's second factor (a lost phone); its
    sessions end and it signs in with the password alone until it enrols again."""

    staff_id: UUID
    by: Actor = ADMIN


@dataclass(frozen=True)
class Enrolment:
    """A TOTP secret to enrol (base32), its ``otpauth://`` URI and the URI as an SVG QR code."""

    secret: str = field(repr=False)
    uri: str = field(repr=False)
    qr_svg: str = field(repr=False)


@dataclass(frozen=True)
class StartEnrolment(Message[Enrolment | None]):
    """The secret for the staff member to enrol: the one shown before and not confirmed yet
    (a reloaded page shows the same QR code), or a new one when there is none or ``fresh``
    (kept sealed, pending); None when a second factor is enrolled already."""

    staff_id: UUID
    fresh: bool = False


@dataclass(frozen=True)
class ConfirmEnrolment(Message[None]):
    """The first code from the pending secret: it becomes the account's second factor."""

    staff_id: UUID
    code: str = field(repr=False)


@dataclass(frozen=True)
class VerifySecondFactor(Message[str]):
    """The code for a sign-in waiting for it (``token``: its cookie); the result is the new
    session's cookie value (a new one: the waiting cookie is worthless afterwards)."""

    token: str = field(repr=False)
    code: str = field(repr=False)
    within_seconds: int = 300


@dataclass(frozen=True)
class ReadStaffAudit(Message[list[AuditEntry]]):
    """The partner's staff audit, oldest first."""

    partner_id: UUID


@dataclass(frozen=True)
class ResealFactors(Message[int]):
    """Master-key rotation, one batch: re-seal up to ``limit`` accounts' TOTP secrets under
    the current ``PARTNER_GATEWAY_MASTER_KEY``; answers how many accounts were re-sealed."""

    limit: int = 200
