"""A partner fetches its referral: the privacy policy decides before casefile is asked, and
again in the transaction that logs the disclosure (see `partner_gateway.disclosure` for the
whole flow, casefile's call in between)."""

from __future__ import annotations

from uuid import uuid4

from hub_contracts import DisclosureMade
from hub_runtime.errors import NotFoundError

from partner_gateway import gates
from partner_gateway.deps import Deps
from partner_gateway.domain.model import Referral
from partner_gateway.domain.policy import legal_basis
from partner_gateway.messages import CheckDisclosure, RecordDisclosure
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def check_disclosure(
    message: CheckDisclosure, uow: GatewayUnitOfWork, deps: Deps
) -> Referral:
    """The partner's referral if it may be disclosed on the council's day. Raises
    `NotFoundError` (not this partner's: the same answer as a missing one) and the gates'
    errors (`gates.as_error`: 403 refused, 409 suspended, 410 gone)."""
    referral = await uow.referrals.get_for_partner(message.referral_id, message.partner_id)
    if referral is None:
        raise NotFoundError("the referral")
    refusal = await gates.judge(uow, referral, deps.clock.today())
    if refusal is not None:
        raise gates.as_error(refusal)
    return referral


async def record_disclosure(message: RecordDisclosure, uow: GatewayUnitOfWork, deps: Deps) -> str:
    """Judge again (a withdrawal racing the casefile call wins), then log the fact and emit
    ``DisclosureMade``; returns the legal basis: GDPR art. 6(1)(a) when every country of the
    partner is in the EEA, else art. 49(1)(a). Raises the gates' errors."""
    referral = message.referral
    facts = await uow.referrals.gate_facts(referral)
    refusal = gates.decide(referral, facts, deps.clock.today())
    if refusal is not None:
        raise gates.as_error(refusal)
    partner = facts.partner  # the entry just judged: no second read
    basis = legal_basis(partner.countries if partner else frozenset())
    await uow.disclosures.add(uuid4(), referral, basis, message.staff_id)
    uow.emit(
        DisclosureMade(
            case_id=referral.case_id,
            referral_id=referral.referral_id,
            partner_id=referral.partner_id,
            consent_id=referral.consent_id,
            data_categories=list(referral.data_categories),
            legal_basis=basis,
        ),
        subject=referral.case_id,
    )
    return basis
