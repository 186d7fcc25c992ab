"""The partner directory's use cases: register and replace an entry, each change audited.

Every write of a partner goes through here (the HTTP API, ``/partners`` and the HSDS import
``handlers/hsds_import``, which calls these two handlers; no Kafka command writes partners).
Two rules hold on every path:

- **origin-country authorities stay classified** (issue 12, item 3): an id once listed as
  ``authority_origin`` keeps ``ever_origin_authority`` for good, a change of its type is
  refused (409 ``origin_authority_permanent``), and it never receives anything
  (``hub_contracts.privacy.may_receive_data``). Migration 0020's trigger refuses the same at
  the database, for any path this module does not see;
- **every change of type or standing is audited**: who (the admin's token subject), when, why
  (a closed :class:`ChangeReason`), and the standing fields before and after.
"""

from __future__ import annotations

import logging
from datetime import date
from uuid import UUID, uuid4

from hub_contracts import PartnerRegistered, PartnerType
from hub_runtime.errors import ConflictError, InvalidError, NotFoundError

from referral.bodies import RegisterPartner
from referral.clock import Clock
from referral.deps import Deps
from referral.domain import partner_changes, validity
from referral.domain.model import Partner
from referral.domain.partner_changes import ChangeReason
from referral.messages import AddPartner, ReplacePartner
from referral.reevaluation import reevaluate_referrals_to_partner
from referral.repository import PartnerChange
from referral.unit_of_work import ReferralUnitOfWork

log = logging.getLogger(__name__)


async def register_partner(message: AddPartner, uow: ReferralUnitOfWork, deps: Deps) -> Partner:
    """Add an organisation (origin-country authorities are listed, to be refused by name) and
    announce it (`PartnerRegistered`); audited with the reason ``registered``.

    Raises `InvalidError` ``agreement_end_missing``, ``invalid_period`` or
    ``agreement_period_too_long`` (422)."""
    clock = deps.clock
    partner = _partner_of(
        message.partner_id or uuid4(),
        message.entry,
        active=True,
        ever_origin_authority=False,
        today=clock.today(),
    )
    await uow.partners.add(partner)
    await _audit(uow, None, partner, ChangeReason.REGISTERED, message.registered_by, clock)
    uow.emit(_partner_registered(partner), subject=partner.partner_id)
    log.info("partner registered", extra={"partner_id": partner.partner_id})
    return partner


async def update_partner(message: ReplacePartner, uow: ReferralUnitOfWork, deps: Deps) -> Partner:
    """Replace a directory entry (renewed agreement, removal) and announce it again.

    Errors: `NotFoundError` unknown partner; `ConflictError` ``origin_authority_permanent`` (a
    type change of an id ever listed as an origin-country authority); `InvalidError`
    ``change_reason_missing`` (the type or standing changes without a reason),
    ``change_reason_not_allowed`` (``registered``) and those of `register_partner`.

    When the new entry may no longer receive data (removed, reclassified as an origin-country
    authority, agreement ended), every open referral to it is withdrawn: a counsellor must not
    see an approved referral to an organisation that can no longer get it. New requests are
    decided on the new entry."""
    clock, command = deps.clock, message.entry
    before = await uow.partners.get(message.partner_id, for_update=True)
    if before is None:
        raise NotFoundError("the partner")
    partner = _partner_of(
        message.partner_id,
        command,
        active=command.active,
        ever_origin_authority=before.ever_origin_authority,
        today=clock.today(),
    )
    if partner_changes.lifts_origin_classification(before, partner):
        raise ConflictError(
            "The partner was listed as an origin-country authority: that classification is"
            " permanent, its type cannot change and it never receives anything. Register"
            " a different organisation as a new entry.",
            code="origin_authority_permanent",
        )
    reason = _reason_for(before, partner, command.change_reason)
    await uow.partners.replace(partner)
    if reason is not None:
        await _audit(uow, before, partner, reason, message.changed_by, clock)
    uow.emit(_partner_registered(partner), subject=partner.partner_id)
    # Every open referral to the entry is judged again on its new standing (type, activity,
    # agreement, purposes): the one re-evaluation that stage changes, consents and erasure
    # also use (withdraw, or leave as it is).
    await reevaluate_referrals_to_partner(uow, partner.partner_id, clock)
    log.info("partner updated", extra={"partner_id": partner.partner_id})
    return partner


def _reason_for(before: Partner, after: Partner, given: ChangeReason | None) -> ChangeReason | None:
    """The audit's reason: None when the standing does not change (name, services)."""
    if given is ChangeReason.REGISTERED:
        raise InvalidError(
            "change_reason 'registered' is set by the service when an entry is added",
            code="change_reason_not_allowed",
        )
    fields = partner_changes.changed_fields(before, after)
    if not fields:
        return None
    if given is None:
        raise InvalidError(
            "a change of "
            + ", ".join(fields)
            + " is audited: give change_reason (one of "
            + ", ".join(r.value for r in ChangeReason if r is not ChangeReason.REGISTERED)
            + ")",
            code="change_reason_missing",
        )
    return given


async def _audit(
    uow: ReferralUnitOfWork,
    before: Partner | None,
    after: Partner,
    reason: ChangeReason,
    changed_by: str,
    clock: Clock,
) -> None:
    await uow.partner_changes.add(
        PartnerChange(
            partner_id=after.partner_id,
            changed_by=changed_by,
            changed_at=clock.now(),
            reason=reason.value,
            changed_fields=partner_changes.changed_fields(before, after),
            before=None if before is None else partner_changes.standing(before),
            after=partner_changes.standing(after),
        )
    )


def _partner_of(
    partner_id: UUID,
    command: RegisterPartner,
    *,
    active: bool,
    ever_origin_authority: bool,
    today: date,
) -> Partner:
    if command.agreement_reference is not None and command.agreement_valid_until is None:
        # An agreement without an end would never be in force (and agreements must be reviewed).
        raise InvalidError(
            "an agreement needs its last day in force: agreement_valid_until",
            code="agreement_end_missing",
        )
    if (
        command.agreement_valid_from is not None
        and command.agreement_valid_until is not None
        and command.agreement_valid_until < command.agreement_valid_from
    ):
        raise InvalidError(
            "agreement_valid_until must not be before agreement_valid_from",
            code="invalid_period",
        )
    latest = validity.latest_agreement_end(today)
    if command.agreement_valid_until is not None and command.agreement_valid_until > latest:
        raise InvalidError(
            f"an agreement is in force at most {validity.AGREEMENT_MAX_YEARS} years ahead"
            f" (agreement_valid_until at most {latest.isoformat()}); it is reviewed by then",
            code="agreement_period_too_long",
        )
    return Partner(
        partner_id=partner_id,
        name=command.name,
        description=command.description,
        partner_type=command.partner_type,
        countries=tuple(command.countries),
        services=tuple(command.services),
        purposes=frozenset(command.purposes),
        agreement_reference=command.agreement_reference,
        agreement_valid_from=command.agreement_valid_from,
        agreement_valid_until=command.agreement_valid_until,
        active=active,
        ever_origin_authority=(
            ever_origin_authority or command.partner_type is PartnerType.AUTHORITY_ORIGIN
        ),
    )


def _partner_registered(partner: Partner) -> PartnerRegistered:
    return PartnerRegistered(
        partner_id=partner.partner_id,
        partner_type=partner.partner_type,
        purposes=sorted(partner.purposes),
        countries=list(partner.countries),
        agreement_valid_until=partner.agreement_valid_until,
        active=partner.active,
    )
