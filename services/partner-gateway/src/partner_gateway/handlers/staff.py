"""The portal's staff accounts: invitation, activation, revocation, sign-in and sessions.

Personal accounts of a partner's staff, never its machine clients. Secrets are stored hashed:
the invitation code and the session cookie (random, 192 and 256 bits) as SHA-256, which is
enough for random values; the password, chosen by a person, as scrypt (n=2**14, r=8, the
interactive-login cost of `domain.credentials`) on the gateway's one hashing thread.
OWASP Session Management and Authentication cheat sheets: the same answer for an unknown
address and a wrong password, idle and absolute timeouts on the server, sessions ended at
revocation.
"""

from __future__ import annotations

import hashlib
import secrets as random
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from hub_runtime.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    UnauthenticatedError,
)

from partner_gateway.deps import Deps
from partner_gateway.domain.credentials import hash_secret, matches
from partner_gateway.domain.policy import is_origin_authority
from partner_gateway.gates import ORIGIN_REFUSAL
from partner_gateway.handlers.credentials import _on_hashing_thread
from partner_gateway.messages import (
    ActivateStaff,
    InviteStaff,
    ListStaff,
    ResolveSession,
    RevokeStaff,
    SignIn,
    SignOut,
    StaffInvited,
    StaffSession,
)
from partner_gateway.repository.staff_protocol import StaffMember
from partner_gateway.unit_of_work import GatewayUnitOfWork

INVITATION_VALID = timedelta(days=3)
MIN_PASSWORD = 12  # NIST SP 800-63B 5.1.1.1 asks at least 8; 12 for an account that sees referrals
MAX_PASSWORD = 128
_BAD_SIGN_IN = "the e-mail address or the password is not right"
# A dummy hash compared when the address is unknown, so that both answers take as long.
_DUMMY_SALT = b"portal-dummy-salt"
_DUMMY_HASH = hash_secret("not a password", _DUMMY_SALT)


def digest(secret: str) -> bytes:
    """SHA-256 of a random secret (invitation code, session cookie): what is stored."""
    return hashlib.sha256(secret.encode()).digest()


async def _admitted(uow: GatewayUnitOfWork, member: StaffMember) -> None:
    """Refuse a partner the directory no longer holds or an origin-country authority."""
    partner = await uow.partners.get(member.partner_id)
    if partner is None:
        raise UnauthenticatedError("the partner is not in the directory", code="partner_unknown")
    if is_origin_authority(partner):
        raise ForbiddenError(ORIGIN_REFUSAL, code="partner_origin_authority")


async def invite_staff(message: InviteStaff, uow: GatewayUnitOfWork, deps: Deps) -> StaffInvited:
    """A new account for ``email`` at the partner, with a one-time code valid three days.

    Raises `NotFoundError` (partner unknown), `ForbiddenError` (origin-country authority) and
    `ConflictError` ``staff_exists`` (the address has an account, perhaps revoked)."""
    partner = await uow.partners.get(message.partner_id)
    if partner is None:
        raise NotFoundError("the partner")
    if is_origin_authority(partner):
        raise ForbiddenError(ORIGIN_REFUSAL, code="partner_origin_authority")
    staff_id, code = uuid4(), random.token_urlsafe(24)
    expires = deps.clock.now() + INVITATION_VALID
    if not await uow.staff.invite(
        staff_id, message.partner_id, message.email.lower(), digest(code), expires
    ):
        raise ConflictError("this e-mail address has an account already", code="staff_exists")
    return StaffInvited(staff_id, code, expires)


async def revoke_staff(message: RevokeStaff, uow: GatewayUnitOfWork, deps: Deps) -> None:
    """Revoke the account; its sessions end now. Raises `NotFoundError`."""
    if not await uow.staff.revoke(message.staff_id, deps.clock.now()):
        raise NotFoundError("the staff account")


async def list_staff(
    message: ListStaff, uow: GatewayUnitOfWork, deps: Deps
) -> list[dict[str, Any]]:
    """The partner's accounts, oldest first (id, e-mail, created, activated, revoked)."""
    return await uow.staff.listing(message.partner_id)


async def activate_staff(message: ActivateStaff, uow: GatewayUnitOfWork, deps: Deps) -> UUID:
    """Set the password with the invitation code (used up). Raises `InvalidError`
    ``weak_password`` (shorter than 12 or longer than 128 characters) and
    `UnauthenticatedError` ``invitation_invalid`` (unknown, used, expired or revoked)."""
    if not MIN_PASSWORD <= len(message.password) <= MAX_PASSWORD:
        raise InvalidError(
            f"the password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters",
            code="weak_password",
        )
    salt = random.token_bytes(16)
    hashed = await _on_hashing_thread(hash_secret, message.password, salt)
    member = await uow.staff.activate(digest(message.code), salt, hashed, deps.clock.now())
    if member is None:
        raise UnauthenticatedError(
            "the invitation is not valid (used, expired or revoked)", code="invitation_invalid"
        )
    return member.staff_id


async def sign_in(message: SignIn, uow: GatewayUnitOfWork, deps: Deps) -> str:
    """A new session's cookie value for a right address and password. Raises
    `UnauthenticatedError` ``bad_sign_in`` (one answer for every failure, after the same
    scrypt work) and the partner's refusals."""
    member = await uow.staff.by_email(message.email.lower())
    salt, expected = _DUMMY_SALT, _DUMMY_HASH
    if member and member.password_salt and member.password_hash and not member.revoked:
        salt, expected = member.password_salt, member.password_hash
    right = await _on_hashing_thread(matches, message.password, salt, expected)
    if not right or member is None or expected is _DUMMY_HASH:
        raise UnauthenticatedError(_BAD_SIGN_IN, code="bad_sign_in")
    await _admitted(uow, member)
    token = random.token_urlsafe(32)
    await uow.staff.start_session(digest(token), member.staff_id, deps.clock.now())
    return token


async def resolve_session(
    message: ResolveSession, uow: GatewayUnitOfWork, deps: Deps
) -> StaffSession | None:
    """The session's staff member, seen now; None when the session is unknown, idle too long,
    too old or its account revoked (it is ended: a result, not an error, so the bus commits
    that). Raises the partner's refusals (`UnauthenticatedError`, `ForbiddenError`)."""
    now = deps.clock.now()
    member = await uow.staff.touch_session(
        digest(message.token),
        now,
        now - timedelta(seconds=message.idle_seconds),
        now - timedelta(seconds=message.absolute_seconds),
    )
    if member is None:
        return None
    await _admitted(uow, member)
    return StaffSession(member.staff_id, member.partner_id, member.email)


async def sign_out(message: SignOut, uow: GatewayUnitOfWork, deps: Deps) -> None:
    """End the session (nothing when it has ended already)."""
    await uow.staff.end_session(digest(message.token))
