"""The portal's account security: password-reset links, the optional second factor (TOTP,
`domain.totp`) and the staff audit.

A reset link (OWASP Forgot Password cheat sheet): a random code (192 bits), stored as its
SHA-256, valid a day, used once; using it sets a password under the same rule as activation
and ends every session of the account. There is no e-mail here: the admin or the partner's
lead is shown the link once and passes it on. The second factor is enrolled by its owner
(confirmed by a first code) and removed only by the admin or the partner's lead (recovery
from a lost phone); every issue, use, enrolment and removal is audited.
"""

from __future__ import annotations

import secrets as random
from datetime import timedelta
from uuid import UUID

from hub_runtime.errors import ConflictError, InvalidError, UnauthenticatedError
from hub_runtime.staff_pages import new_secret

from partner_gateway.deps import Deps
from partner_gateway.domain import totp
from partner_gateway.domain.credentials import hash_secret
from partner_gateway.domain.one_time_codes import new_code
from partner_gateway.handlers.credentials import _on_hashing_thread
from partner_gateway.handlers.staff_rules import (
    admitted,
    check_password,
    digest,
    manageable,
    not_for_origin_authority,
    record,
)
from partner_gateway.repository.staff_protocol import AuditEntry, SealedFactor, StaffMember
from partner_gateway.staff_messages import (
    ConfirmEnrolment,
    Enrolment,
    IssuePasswordReset,
    ReadStaffAudit,
    ResealFactors,
    ResetIssued,
    ResetPassword,
    ResetSecondFactor,
    StartEnrolment,
    VerifySecondFactor,
)
from partner_gateway.unit_of_work import GatewayUnitOfWork

RESET_VALID = timedelta(hours=24)


async def _audit_self(uow: GatewayUnitOfWork, deps: Deps, action: str, who: StaffMember) -> None:
    entry = AuditEntry(action, "self", who.staff_id, who.staff_id, who.partner_id)
    await uow.staff.audit(entry, deps.clock.now())


async def issue_password_reset(
    message: IssuePasswordReset, uow: GatewayUnitOfWork, deps: Deps
) -> ResetIssued:
    """A one-time reset code for an activated account, valid 24 hours (an earlier one stops
    working). Raises `NotFoundError` ``staff_not_found``, `ForbiddenError` ``lead_only`` and
    `ConflictError` ``staff_not_active`` (revoked, or its invitation not used yet: send a new
    invitation instead) and `OriginAuthorityRefusedError` (403 ``partner_origin_authority``)."""
    target = await manageable(uow, message.by, message.staff_id)
    await not_for_origin_authority(uow, target.partner_id)
    code = new_code()
    expires = deps.clock.now() + RESET_VALID
    if not await uow.staff.issue_reset(target.staff_id, digest(code), expires):
        raise ConflictError("the account is revoked or not activated yet", code="staff_not_active")
    await record(uow, deps, "password_reset_issued", message.by, target)
    return ResetIssued(target.staff_id, code, expires)


async def reset_password(message: ResetPassword, uow: GatewayUnitOfWork, deps: Deps) -> UUID:
    """Set a new password with a reset code (used up); every session of the account ends.
    Raises `InvalidError` ``weak_password`` and `UnauthenticatedError` ``reset_invalid``
    (unknown, used, expired, or the account revoked), `OriginAuthorityRefusedError` for an
    origin-country authority's account (raised after the statement: the unit of work rolls
    the new password back)."""
    check_password(message.password)
    salt = random.token_bytes(16)
    hashed = await _on_hashing_thread(hash_secret, message.password, salt)
    member = await uow.staff.use_reset(digest(message.code), salt, hashed, deps.clock.now())
    if member is None:
        raise UnauthenticatedError(
            "the reset link is not valid (used, expired or revoked)", code="reset_invalid"
        )
    await not_for_origin_authority(uow, member.partner_id)
    await _audit_self(uow, deps, "password_reset_used", member)
    return member.staff_id


async def reset_second_factor(
    message: ResetSecondFactor, uow: GatewayUnitOfWork, deps: Deps
) -> None:
    """Remove the account's second factor and end its sessions. Raises `NotFoundError`
    ``staff_not_found`` and `ForbiddenError` ``lead_only``."""
    target = await manageable(uow, message.by, message.staff_id)
    await uow.staff.clear_totp(target.staff_id)
    await record(uow, deps, "factor_reset", message.by, target)


async def _member(uow: GatewayUnitOfWork, staff_id: UUID) -> StaffMember:
    member = await uow.staff.get(staff_id)
    if member is None or member.revoked:
        raise UnauthenticatedError("the account is not active", code="session_expired")
    return member


async def start_enrolment(
    message: StartEnrolment, uow: GatewayUnitOfWork, deps: Deps
) -> Enrolment | None:
    """The pending TOTP secret (a new one, kept sealed, when none is pending or ``fresh``),
    with its URI and QR code; None when the account has a second factor already."""
    member = await _member(uow, message.staff_id)
    if member.totp is not None:
        return None
    pending, version = member.totp_pending, member.totp_key_version
    if pending is not None and version is not None and not message.fresh:
        secret = totp.unseal(deps.factor_keys, version, pending, member.staff_id)
    else:
        secret = totp.new_secret()
        version, sealed = totp.seal(deps.factor_keys, secret, member.staff_id)
        await uow.staff.set_totp_pending(member.staff_id, sealed, version)
    uri = totp.uri(secret, member.email)
    return Enrolment(secret, uri, totp.qr_svg(uri))


async def confirm_enrolment(message: ConfirmEnrolment, uow: GatewayUnitOfWork, deps: Deps) -> None:
    """Make the pending secret the second factor when ``code`` is its current code. Raises
    `InvalidError` ``bad_code`` (wrong code) and `ConflictError` ``enrolment_missing`` (no
    secret pending, or a second factor enrolled already)."""
    member = await _member(uow, message.staff_id)
    if member.totp_pending is None or member.totp is not None or member.totp_key_version is None:
        raise ConflictError("no second factor is being enrolled", code="enrolment_missing")
    secret = totp.unseal(
        deps.factor_keys, member.totp_key_version, member.totp_pending, member.staff_id
    )
    step = totp.matching_step(secret, message.code, deps.clock.now().timestamp())
    if step is None:
        raise InvalidError("the code is not right", code="bad_code")
    await uow.staff.confirm_totp(member.staff_id, step)
    await _audit_self(uow, deps, "factor_enrolled", member)


async def verify_second_factor(
    message: VerifySecondFactor, uow: GatewayUnitOfWork, deps: Deps
) -> str:
    """The new session's cookie value when ``code`` is the account's code for now (each code
    once). Raises `UnauthenticatedError` ``bad_code`` (wrong or used code) and
    ``session_expired`` (no sign-in waiting: unknown, older than ``within_seconds``, or the
    account revoked or its factor removed meanwhile), and the partner's refusals."""
    now = deps.clock.now()
    pending = digest(message.token)
    member = await uow.staff.pending_second_factor(
        pending, now - timedelta(seconds=message.within_seconds)
    )
    if member is None or member.totp is None or member.totp_key_version is None:
        raise UnauthenticatedError("the sign-in has ended", code="session_expired")
    await admitted(uow, member)
    secret = totp.unseal(deps.factor_keys, member.totp_key_version, member.totp, member.staff_id)
    step = totp.matching_step(secret, message.code, now.timestamp())
    token = new_secret()
    if step is None or not await uow.staff.complete_second_factor(
        pending, digest(token), member.staff_id, step, now
    ):
        raise UnauthenticatedError("the code is not right", code="bad_code")
    return token


async def read_staff_audit(
    message: ReadStaffAudit, uow: GatewayUnitOfWork, deps: Deps
) -> list[AuditEntry]:
    """The partner's staff audit, oldest first."""
    return await uow.staff.audit_of(message.partner_id)


async def reseal_factors(message: ResealFactors, uow: GatewayUnitOfWork, deps: Deps) -> int:
    """Master-key rotation, one batch: every locked account's confirmed and pending TOTP
    secrets opened under the version they were sealed with and sealed again under the current
    key (bound to the same staff id). Safe beside the running portal and another rotation
    (rows locked, SKIP LOCKED). Raises `hub_runtime.crypto.UnknownKekVersionError` for a
    version the settings do not hold (nothing of the batch is kept)."""
    keys = deps.factor_keys
    factors = await uow.staff.factors_to_reseal(keys.current, message.limit)
    for factor in factors:

        def again(sealed: bytes | None, factor: SealedFactor = factor) -> bytes | None:
            if sealed is None:
                return None
            secret = totp.unseal(keys, factor.key_version, sealed, factor.staff_id)
            return totp.seal(keys, secret, factor.staff_id)[1]

        resealed = SealedFactor(
            factor.staff_id, keys.current, again(factor.totp), again(factor.totp_pending)
        )
        await uow.staff.reseal_factor(resealed)
    return len(factors)
