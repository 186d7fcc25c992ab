"""What the portal's account handlers share: hashing random secrets, the password rule, who
may manage an account, and the audit."""

from __future__ import annotations

import hashlib
from uuid import UUID

from hub_runtime.errors import ForbiddenError, InvalidError, NotFoundError, UnauthenticatedError

from partner_gateway.deps import Deps
from partner_gateway.domain.policy import is_origin_authority
from partner_gateway.gates import OriginAuthorityRefusedError
from partner_gateway.messages import Actor
from partner_gateway.repository.staff_protocol import AuditEntry, StaffMember
from partner_gateway.unit_of_work import GatewayUnitOfWork

MIN_PASSWORD = 12  # NIST SP 800-63B 5.1.1.1 asks at least 8; 12 for an account that sees referrals
MAX_PASSWORD = 128


def digest(secret: str) -> bytes:
    """SHA-256 of a random secret (invitation or reset code, session cookie): what is stored."""
    return hashlib.sha256(secret.encode()).digest()


def check_password(password: str) -> None:
    """Raise `InvalidError` ``weak_password`` unless 12 to 128 characters (the one rule for
    activation and reset)."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidError(
            f"the password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters",
            code="weak_password",
        )


async def admitted(uow: GatewayUnitOfWork, member: StaffMember) -> None:
    """Refuse a partner the directory no longer holds or an origin-country authority."""
    partner = await uow.partners.get(member.partner_id)
    if partner is None:
        raise UnauthenticatedError("the partner is not in the directory", code="partner_unknown")
    if is_origin_authority(partner):
        raise OriginAuthorityRefusedError()


async def not_for_origin_authority(uow: GatewayUnitOfWork, partner_id: UUID) -> None:
    """Raise `OriginAuthorityRefusedError` (403 ``partner_origin_authority``) when the partner
    is, or once was, an origin-country authority: no code, password or secret is issued or
    stored for its accounts (an account invited before the directory reclassified it)."""
    if is_origin_authority(await uow.partners.get(partner_id)):
        raise OriginAuthorityRefusedError()


async def acting_lead(uow: GatewayUnitOfWork, by: Actor) -> StaffMember | None:
    """The lead ``by`` names, checked now (an unrevoked lead account); None for the admin.
    Raises `ForbiddenError` ``lead_only``."""
    if by.kind == "admin":
        return None
    lead = None if by.staff_id is None else await uow.staff.get(by.staff_id)
    if lead is None or lead.revoked or not lead.lead:
        raise ForbiddenError("only the partner's lead manages its staff", code="lead_only")
    return lead


async def manageable(uow: GatewayUnitOfWork, by: Actor, staff_id: UUID) -> StaffMember:
    """The account ``by`` may manage: any for the admin, the lead's own partner's for a lead.
    Raises `NotFoundError` ``staff_not_found`` (unknown, or another partner's: the same
    answer, so a lead cannot probe other partners' ids) and `ForbiddenError` ``lead_only``."""
    lead = await acting_lead(uow, by)
    target = await uow.staff.get(staff_id)
    if target is None or (lead is not None and target.partner_id != lead.partner_id):
        raise NotFoundError("the staff account", code="staff_not_found")
    return target


async def record(
    uow: GatewayUnitOfWork, deps: Deps, action: str, by: Actor, target: StaffMember
) -> None:
    """One audit line: ``action`` (a closed code) by ``by`` on ``target``."""
    entry = AuditEntry(action, by.kind, by.staff_id, target.staff_id, target.partner_id)
    await uow.staff.audit(entry, deps.clock.now())
