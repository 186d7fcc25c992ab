"""The portal's staff accounts: invitation, activation, revocation, sign-in and sessions.

Personal accounts of a partner's staff, never its machine clients. Secrets are stored hashed:
the invitation code and the session cookie (random, 192 and 256 bits) as SHA-256, which is
enough for random values; the password, chosen by a person, as scrypt (n=2**14, r=8, the
interactive-login cost of `domain.credentials`) on the gateway's one hashing thread.
OWASP Session Management and Authentication cheat sheets: the same answer for an unknown
address and a wrong password, idle and absolute timeouts on the server, sessions ended at
revocation. A partner's lead manages the partner's own accounts (`staff_rules.manageable`);
every invitation and revocation is audited (closed codes and ids).
"""

from __future__ import annotations

import secrets as random
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from hub_runtime.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthenticatedError,
)
from hub_runtime.staff_pages import new_secret

from partner_gateway.deps import Deps
from partner_gateway.domain.credentials import hash_secret, matches
from partner_gateway.domain.one_time_codes import new_code
from partner_gateway.domain.policy import is_origin_authority
from partner_gateway.gates import OriginAuthorityRefusedError
from partner_gateway.handlers.credentials import _on_hashing_thread
from partner_gateway.handlers.staff_rules import (
    acting_lead,
    admitted,
    check_password,
    digest,
    manageable,
    not_for_origin_authority,
    record,
)
from partner_gateway.messages import (
    ActivateStaff,
    InviteStaff,
    ListStaff,
    ResolveSession,
    RevokeStaff,
    SignedIn,
    SignIn,
    SignOut,
    StaffInvited,
    StaffSession,
)
from partner_gateway.unit_of_work import GatewayUnitOfWork

INVITATION_VALID = timedelta(days=3)
_BAD_SIGN_IN = "the e-mail address or the password is not right"
# A dummy hash compared when the address is unknown, so that both answers take as long.
_DUMMY_SALT = b"portal-dummy-salt"
_DUMMY_HASH = hash_secret("not a password", _DUMMY_SALT)


async def invite_staff(message: InviteStaff, uow: GatewayUnitOfWork, deps: Deps) -> StaffInvited:
    """A new account for ``email`` at the partner, with a one-time code valid three days;
    audited (``invited``, by whom).

    Raises `NotFoundError` (partner unknown), `ForbiddenError` (origin-country authority;
    ``lead_only``: not a lead, a lead inviting a lead, or another partner's lead) and
    `ConflictError` ``staff_exists`` (the address has an account, perhaps revoked)."""
    lead = await acting_lead(uow, message.by)
    if lead is not None and (lead.partner_id != message.partner_id or message.lead):
        raise ForbiddenError("a lead invites staff of the lead's own partner", code="lead_only")
    partner = await uow.partners.get(message.partner_id)
    if partner is None:
        raise NotFoundError("the partner")
    if is_origin_authority(partner):
        raise OriginAuthorityRefusedError()
    staff_id, code = uuid4(), new_code()
    expires = deps.clock.now() + INVITATION_VALID
    email = message.email.lower()
    if not await uow.staff.invite(
        staff_id, message.partner_id, email, digest(code), expires, lead=message.lead
    ):
        raise ConflictError("this e-mail address has an account already", code="staff_exists")
    invited = await uow.staff.get(staff_id)
    assert invited is not None  # written just above, in this transaction
    await record(uow, deps, "invited", message.by, invited)
    return StaffInvited(staff_id, code, expires)


async def revoke_staff(message: RevokeStaff, uow: GatewayUnitOfWork, deps: Deps) -> None:
    """Revoke the account; its sessions end now; audited (``revoked``). Raises
    `NotFoundError` ``staff_not_found`` (unknown or another partner's) and `ForbiddenError`
    ``lead_only``; `ConflictError` ``own_account`` when a lead revokes the lead's own."""
    target = await manageable(uow, message.by, message.staff_id)
    if message.by.staff_id == target.staff_id:
        raise ConflictError("a lead does not revoke the lead's own account", code="own_account")
    await uow.staff.revoke(target.staff_id, deps.clock.now())
    await record(uow, deps, "revoked", message.by, target)


async def list_staff(
    message: ListStaff, uow: GatewayUnitOfWork, deps: Deps
) -> list[dict[str, Any]]:
    """The partner's accounts, oldest first (id, e-mail, role, created, activated, revoked,
    second factor enrolled)."""
    return await uow.staff.listing(message.partner_id)


async def activate_staff(message: ActivateStaff, uow: GatewayUnitOfWork, deps: Deps) -> UUID:
    """Set the password with the invitation code (used up). Raises `InvalidError`
    ``weak_password`` (shorter than 12 or longer than 128 characters) and
    `UnauthenticatedError` ``invitation_invalid`` (unknown, used, expired or revoked), and
    `OriginAuthorityRefusedError` when the directory listed the partner as an origin-country
    authority after the invitation (raised after the statement: the unit of work rolls the
    password back, the invitation stays unused)."""
    check_password(message.password)
    salt = random.token_bytes(16)
    hashed = await _on_hashing_thread(hash_secret, message.password, salt)
    member = await uow.staff.activate(digest(message.code), salt, hashed, deps.clock.now())
    if member is None:
        raise UnauthenticatedError(
            "the invitation is not valid (used, expired or revoked)", code="invitation_invalid"
        )
    await not_for_origin_authority(uow, member.partner_id)
    return member.staff_id


async def sign_in(message: SignIn, uow: GatewayUnitOfWork, deps: Deps) -> SignedIn:
    """A new session's cookie value for a right address and password, or, for an account with
    a second factor, the cookie of a step waiting for its code. Raises `UnauthenticatedError`
    ``bad_sign_in`` (one answer for every failure, after the same scrypt work) and the
    partner's refusals."""
    member = await uow.staff.by_email(message.email.lower())
    salt, expected = _DUMMY_SALT, _DUMMY_HASH
    if member and member.password_salt and member.password_hash and not member.revoked:
        salt, expected = member.password_salt, member.password_hash
    right = await _on_hashing_thread(matches, message.password, salt, expected)
    if not right or member is None or expected is _DUMMY_HASH:
        raise UnauthenticatedError(_BAD_SIGN_IN, code="bad_sign_in")
    await admitted(uow, member)
    token = new_secret()
    due = member.totp is not None
    await uow.staff.start_session(
        digest(token), member.staff_id, deps.clock.now(), second_factor_due=due
    )
    return SignedIn(token, second_factor_due=due)


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
    await admitted(uow, member)
    return StaffSession(
        member.staff_id,
        member.partner_id,
        member.email,
        lead=member.lead,
        second_factor=member.totp is not None,
    )


async def sign_out(message: SignOut, uow: GatewayUnitOfWork, deps: Deps) -> None:
    """End the session (nothing when it has ended already)."""
    await uow.staff.end_session(digest(message.token))
