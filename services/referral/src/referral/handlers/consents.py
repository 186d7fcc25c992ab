"""Consents: record one (specific, informed, with its evidence) and withdraw one."""

from __future__ import annotations

from uuid import UUID, uuid4

from hub_contracts import ConsentGranted, ConsentWithdrawn
from hub_runtime.errors import ConflictError, NotFoundError

from referral import vault as sealed_texts
from referral.deps import Deps
from referral.domain.consent_rules import NewConsent, consent_problems
from referral.domain.model import CaseView, Consent
from referral.handlers.shared import case_open_for_changes, partner_for
from referral.messages import RecordConsent, WithdrawConsent
from referral.reevaluation import reevaluate_open_referrals
from referral.refusals import (
    PolicyConflictError,
    PolicyForbiddenError,
    PolicyInvalidError,
    PolicyRefusalError,
)
from referral.unit_of_work import ReferralUnitOfWork

EVIDENCE_REFERENCES: tuple[str, ...] = ("form_reference", "interpreter_reference")
"""The consent evidence fields that may name the person (a V-number fits a form reference):
stored only sealed under the case's key. The rest of the evidence is codes and flags."""


def view_lets_consent_through(case: CaseView | None) -> bool:
    """Whether the case view can judge a consent without catching up first (it knows the case;
    `referral.view_catch_up`)."""
    return case is not None


async def grant_consent(message: RecordConsent, uow: ReferralUnitOfWork, deps: Deps) -> UUID:
    """Record a consent and announce it (`ConsentGranted`); returns its id.

    The form and interpreter references are stored sealed under the case's key. Raises
    `ForbiddenError` (403 ``partner_origin_authority``: an origin-country authority, now or
    ever), `InvalidError` (422: unknown partner, purpose not allowed, backdated, inverted or too
    long validity, art. 49(1)(a) GDPR information missing for a partner outside the EU/EEA, an
    interpreter without a reference or a reference without an interpreter) or
    `ConflictError` (409: an overlapping consent, a closed case; the codes are
    `domain.consent_rules`'), `CaseNotKnownYetError`, `PersonErasedError`."""
    command, case_id = message.consent, message.case_id
    now = deps.clock.now()
    await uow.cases.lock(case_id)
    await case_open_for_changes(uow, case_id)
    partner = await partner_for(uow, command.partner_id)
    new = NewConsent(
        case_id=case_id,
        partner_id=command.partner_id,
        purposes=frozenset(command.purposes),
        data_categories=frozenset(command.data_categories),
        valid_from=command.valid_from,
        valid_until=command.valid_until,
        taken_at=command.evidence.taken_at,
        informed_transfer_outside_eu=command.evidence.informed_transfer_outside_eu,
        interpreter_used=command.evidence.interpreter_used,
        interpreter_reference=command.evidence.interpreter_reference,
    )
    existing = await uow.consents.of_case(case_id)
    problems = consent_problems(new, partner, existing, deps.clock.today(), now)
    if problems:
        # An origin-country authority: 403, as everywhere (its code comes first, the policy's
        # order); all conflicts with what is recorded (an overlapping consent): 409; else 422.
        error: type[PolicyRefusalError] = PolicyInvalidError
        if any(p.forbidden for p in problems):
            error = PolicyForbiddenError
        elif all(p.conflict for p in problems):
            error = PolicyConflictError
        raise error([(p.code, p.text) for p in problems])
    consent = Consent(
        consent_id=uuid4(),
        case_id=case_id,
        partner_id=new.partner_id,
        purposes=new.purposes,
        data_categories=new.data_categories,
        valid_from=new.valid_from,
        valid_until=new.valid_until,
        withdrawn_at=None,
    )
    evidence = command.evidence.model_dump()
    sealed = await deps.vault.seal(
        uow.case_keys,
        case_id,
        sealed_texts.consent_evidence(consent.consent_id),
        {key: evidence[key] for key in EVIDENCE_REFERENCES},
    )
    await uow.consents.add(consent, evidence, command.evidence.taken_by, sealed=sealed)
    uow.emit(
        ConsentGranted(
            case_id=case_id,
            consent_id=consent.consent_id,
            partner_id=consent.partner_id,
            purposes=sorted(consent.purposes),
            data_categories=sorted(consent.data_categories),
            valid_from=consent.valid_from,
            valid_until=consent.valid_until,
        ),
        subject=case_id,
        caused_by=message.caused_by,
    )
    return consent.consent_id


async def withdraw_consent(message: WithdrawConsent, uow: ReferralUnitOfWork, deps: Deps) -> None:
    """Withdraw a consent, announce it (`ConsentWithdrawn`) and re-evaluate the case's open
    referrals (those under it are withdrawn, ``consent_withdrawn``; GDPR art. 7(3)).

    Raises `NotFoundError` (unknown, or of another case than ``of_case``) and `ConflictError`
    ``already_withdrawn``."""
    now = deps.clock.now()
    consent = await uow.consents.get(message.consent_id)
    if consent is None or message.of_case not in (None, consent.case_id):
        raise NotFoundError("the consent")
    await uow.cases.lock(consent.case_id)
    if not await uow.consents.mark_withdrawn(consent.consent_id, now, message.withdrawn_by):
        raise ConflictError("the consent was already withdrawn", code="already_withdrawn")
    uow.emit(
        ConsentWithdrawn(
            case_id=consent.case_id,
            consent_id=consent.consent_id,
            partner_id=consent.partner_id,
            withdrawn_at=now,
        ),
        subject=consent.case_id,
        caused_by=message.caused_by,
    )
    # Every open referral of the case is re-checked: those under this consent are withdrawn
    # (consent_withdrawn), awaiting review ones included.
    await reevaluate_open_referrals(
        uow, consent.case_id, deps.clock, at=now, caused_by=message.caused_by
    )
