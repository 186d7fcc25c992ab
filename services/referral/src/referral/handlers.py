"""One small async function per use case: commands from the API and events from Kafka.

Each staff use case has two doors onto ONE set of rules: `grant_consent(uows, ...)` opens
and commits its own unit of work (the HTTP API; with an Idempotency-Key, once per key),
`apply_grant_consent(uow, ..., caused_by=)`
works inside a unit of work it is given (a command from `referral.commands.v1`, applied in
the consumer's transaction with the inbox row; its events name the command as their cause).
Event handlers work inside the one the consumer opened (it commits, records the inbox row
and retries). Every state change and the events it causes commit together (outbox).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from hub_contracts import (
    CaseOpened,
    ConsentGranted,
    ConsentWithdrawn,
    DecisionRecorded,
    DisclosureMade,
    Envelope,
    PartnerRegistered,
    PartnerStatusReported,
    PersonErased,
    ProcedureStageChanged,
    ReferralApproved,
    ReferralDelivered,
    ReferralRefusedV2,
    ReferralRequested,
    ReferralStatusChanged,
    RefusalCode,
    RefusalCodeV2,
    RefusalReasonV2,
)
from hub_runtime import idempotency
from hub_runtime.errors import PermanentEventError
from hub_runtime.http import DomainError, NotFoundError

from referral import repository as repo
from referral.clock import Clock
from referral.commands import (
    GrantConsent,
    RegisterPartner,
    RequestReferral,
    ReviewReferral,
    UpdatePartner,
)
from referral.domain import lifecycle, validity
from referral.domain.consent_rules import NewConsent, consent_problems
from referral.domain.lifecycle import PartnerStep, Verdict
from referral.domain.model import (
    CaseView,
    Consent,
    Partner,
    Referral,
    ReferralRequest,
    Status,
    public_status,
)
from referral.domain.policy import Outcome, PolicyDecision, case_view_failures, evaluate, review
from referral.unit_of_work import UnitOfWork, UnitOfWorkFactory
from referral.view_catch_up import NO_CATCH_UP, CaseViewCatchUp

log = logging.getLogger(__name__)


# ================================================================ partner directory


async def register_partner(
    uows: UnitOfWorkFactory, command: RegisterPartner, clock: Clock
) -> Partner:
    """Add an organisation; origin-country authorities are listed (to be refused by name)."""
    partner = _partner_of(uuid4(), command, active=True, today=clock.today())
    async with uows() as uow:
        await repo.insert_partner(uow.conn, partner)
        uow.emit(_partner_registered(partner), subject=partner.partner_id)
        await uow.commit()
    log.info("partner registered", extra={"partner_id": partner.partner_id})
    return partner


async def update_partner(
    uows: UnitOfWorkFactory, partner_id: UUID, command: UpdatePartner, clock: Clock
) -> Partner:
    """Replace a directory entry (renewed agreement, removal) and announce it again.

    When the new entry may no longer receive data (removed, reclassified as an origin-country
    authority, agreement ended), every open referral to it is withdrawn: a counsellor must not
    see an approved referral to an organisation that can no longer get it. New requests are
    decided on the new entry."""
    partner = _partner_of(partner_id, command, active=command.active, today=clock.today())
    async with uows() as uow:
        if not await repo.update_partner(uow.conn, partner):
            raise NotFoundError("the partner")
        uow.emit(_partner_registered(partner), subject=partner.partner_id)
        if not partner.may_receive_data(clock.today()):
            await _withdraw_open_referrals_to(uow, partner, clock.now())
        await uow.commit()
    log.info("partner updated", extra={"partner_id": partner.partner_id})
    return partner


async def _withdraw_open_referrals_to(uow: UnitOfWork, partner: Partner, now: datetime) -> None:
    # Cases first, in one order, then their referrals: the order every other use case takes
    # (case lock, then referral rows), so none of them can deadlock with this one.
    for case_id in await repo.cases_with_referrals_to(uow.conn, partner.partner_id, lifecycle.OPEN):
        await repo.lock_case(uow.conn, case_id)
    for referral in await repo.referrals_to(uow.conn, partner.partner_id, lifecycle.OPEN):
        await _move(uow, referral, Status.WITHDRAWN, now, reason_code="partner_may_not_receive")


def _partner_of(
    partner_id: UUID, command: RegisterPartner, *, active: bool, today: date
) -> Partner:
    if command.agreement_reference is not None and command.agreement_valid_until is None:
        # An agreement without an end would never be in force (and agreements must be reviewed).
        raise DomainError(
            "an agreement needs its last day in force: agreement_valid_until",
            code="agreement_end_missing",
            status_code=422,
        )
    if (
        command.agreement_valid_from is not None
        and command.agreement_valid_until is not None
        and command.agreement_valid_until < command.agreement_valid_from
    ):
        raise DomainError(
            "agreement_valid_until must not be before agreement_valid_from",
            code="invalid_period",
            status_code=422,
        )
    latest = validity.latest_agreement_end(today)
    if command.agreement_valid_until is not None and command.agreement_valid_until > latest:
        raise DomainError(
            f"an agreement is in force at most {validity.AGREEMENT_MAX_YEARS} years ahead"
            f" (agreement_valid_until at most {latest.isoformat()}); it is reviewed by then",
            code="agreement_period_too_long",
            status_code=422,
        )
    return Partner(
        partner_id=partner_id,
        name=command.name,
        partner_type=command.partner_type,
        countries=tuple(command.countries),
        services=tuple(command.services),
        purposes=frozenset(command.purposes),
        agreement_reference=command.agreement_reference,
        agreement_valid_from=command.agreement_valid_from,
        agreement_valid_until=command.agreement_valid_until,
        active=active,
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


# ================================================================ consent


@dataclass(frozen=True)
class Once:
    """The Idempotency-Key of a staff request: whose key it is, the key, the request's hash."""

    scope: str
    key: str
    request_hash: str


async def _create_once(
    uows: UnitOfWorkFactory, once: Once | None, create: Callable[[UnitOfWork], Awaitable[UUID]]
) -> tuple[UUID, bool]:
    """Run `create` in a unit of work of its own (once per key, when the request sent one):
    the id of what it created, and whether that id is a replay of an earlier request's."""
    if once is None:
        async with uows() as uow:
            created = await create(uow)
            await uow.commit()
        return created, False

    async def action(uow: UnitOfWork) -> idempotency.Answer:
        # Only the id is stored with the key: the answer is read afresh, so no personal data
        # or consent evidence is copied into the key table.
        return 201, {"id": str(await create(uow))}

    _, answer, replayed = await idempotency.idempotently(
        uows, once.scope, once.key, once.request_hash, action
    )
    return UUID(answer["id"]), replayed


async def grant_consent(
    uows: UnitOfWorkFactory,
    case_id: UUID,
    command: GrantConsent,
    clock: Clock,
    *,
    once: Once | None = None,
    view: CaseViewCatchUp = NO_CATCH_UP,
) -> tuple[UUID, bool]:
    """Record a specific, informed consent and announce it (ConsentGranted): the consent's id,
    and whether it was granted by an earlier request with the same Idempotency-Key.

    A case not in our view yet is first caught up with the case file (`view`): a tool that has
    just opened the case there is not told `case_not_known_yet`."""
    await view.settle(uows, case_id, lambda case: case is not None)

    async def grant(uow: UnitOfWork) -> UUID:
        record = await apply_grant_consent(uow, case_id, command, clock)
        return UUID(str(record["consent_id"]))

    return await _create_once(uows, once, grant)


async def apply_grant_consent(
    uow: UnitOfWork,
    case_id: UUID,
    command: GrantConsent,
    clock: Clock,
    *,
    caused_by: Envelope | None = None,
) -> dict[str, Any]:
    """The rules of `grant_consent`, inside `uow` (not committed here)."""
    now = clock.now()
    await repo.lock_case(uow.conn, case_id)
    await _case_open_for_changes(uow, case_id)
    partner = await _partner_for(uow, command.partner_id)
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
    existing = await repo.consents_for_case(uow.conn, case_id)
    problems = consent_problems(new, partner, existing, clock.today(), now)
    if problems:
        raise DomainError(
            " ".join(p.text for p in problems),
            code=problems[0].code,
            status_code=409 if all(p.conflict for p in problems) else 422,
        )
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
    await repo.insert_consent(uow.conn, consent, evidence, command.evidence.taken_by)
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
        caused_by=caused_by,
    )
    record = await repo.consent_record(uow.conn, consent.consent_id)
    assert record is not None
    return record


async def withdraw_consent(
    uows: UnitOfWorkFactory, consent_id: UUID, withdrawn_by: str, clock: Clock
) -> dict[str, Any]:
    """Withdraw a consent: announce it and close every open referral under it."""
    async with uows() as uow:
        record = await apply_withdraw_consent(uow, consent_id, withdrawn_by, clock)
        await uow.commit()
    return record


async def apply_withdraw_consent(
    uow: UnitOfWork,
    consent_id: UUID,
    withdrawn_by: str,
    clock: Clock,
    *,
    of_case: UUID | None = None,
    caused_by: Envelope | None = None,
) -> dict[str, Any]:
    """The rules of `withdraw_consent`, inside `uow`; `of_case` (a command names the case):
    a consent of another case counts as not found."""
    now = clock.now()
    consent = await repo.get_consent(uow.conn, consent_id)
    if consent is None or (of_case is not None and consent.case_id != of_case):
        raise NotFoundError("the consent")
    await repo.lock_case(uow.conn, consent.case_id)
    if not await repo.mark_consent_withdrawn(uow.conn, consent_id, now, withdrawn_by):
        raise DomainError("the consent was already withdrawn", code="already_withdrawn")
    uow.emit(
        ConsentWithdrawn(
            case_id=consent.case_id,
            consent_id=consent_id,
            partner_id=consent.partner_id,
            withdrawn_at=now,
        ),
        subject=consent.case_id,
        caused_by=caused_by,
    )
    under = await repo.referrals_under_consent(uow.conn, consent_id)
    for referral in lifecycle.withdrawn_by_consent(under, consent_id):
        await _move(
            uow,
            referral,
            Status.WITHDRAWN,
            now,
            reason_code="consent_withdrawn",
            caused_by=caused_by,
        )
    record = await repo.consent_record(uow.conn, consent_id)
    assert record is not None
    return record


# ================================================================ referral requests


async def request_referral(
    uows: UnitOfWorkFactory,
    case_id: UUID,
    command: RequestReferral,
    requested_by: str,
    clock: Clock,
    *,
    view_wait_seconds: float = 0.0,
    once: Once | None = None,
    view: CaseViewCatchUp = NO_CATCH_UP,
) -> tuple[UUID, bool]:
    """Record the request, let the policy decide, and announce the outcome: the referral's id,
    and whether an earlier request with the same Idempotency-Key made it.

    When our view of the case would fail the case rules, it is first caught up with the case
    file (`view`, see `referral.view_catch_up`): a tool that has just recorded a decision there
    gets a decision on the case as it now is, not a refusal that only reflects Kafka's lag (and
    that signals would count as a refusal reason). With `view_wait_seconds` (RFC 7240
    `Prefer: wait`) the view also gets up to that long to pass when the case file could not
    confirm where the case stands."""
    judged = _request_of(case_id, command)
    await view.settle(
        uows,
        case_id,
        lambda case: case is not None and not case_view_failures(judged, case),
        prefer_wait=view_wait_seconds,
    )

    async def request(uow: UnitOfWork) -> UUID:
        return await apply_request_referral(uow, case_id, command, requested_by, clock)

    return await _create_once(uows, once, request)


def _request_of(case_id: UUID, command: RequestReferral) -> ReferralRequest:
    return ReferralRequest(
        case_id=case_id,
        partner_id=command.partner_id,
        purpose=command.purpose,
        data_categories=frozenset(command.data_categories),
    )


async def apply_request_referral(
    uow: UnitOfWork,
    case_id: UUID,
    command: RequestReferral,
    requested_by: str,
    clock: Clock,
    *,
    caused_by: Envelope | None = None,
) -> UUID:
    """The rules of `request_referral`, inside `uow` (not committed here)."""
    now = clock.now()
    await repo.lock_case(uow.conn, case_id)
    case = await _case_open_for_changes(uow, case_id)
    partner = await _partner_for(uow, command.partner_id)
    request = _request_of(case_id, command)
    consents = await repo.consents_for_case(uow.conn, case_id)
    decision = evaluate(request, case, partner, consents, clock.today())
    referral = Referral(
        referral_id=uuid4(),
        case_id=case_id,
        partner_id=partner.partner_id,
        purpose=request.purpose,
        data_categories=request.data_categories,
        consent_id=decision.consent_id,
        status=Status.REQUESTED,
    )
    await repo.insert_referral(uow.conn, referral, requested_by, now)
    uow.emit(
        ReferralRequested(
            case_id=case_id,
            referral_id=referral.referral_id,
            partner_id=partner.partner_id,
            purpose=request.purpose,
            data_categories=sorted(request.data_categories),
        ),
        subject=case_id,
        caused_by=caused_by,
    )
    await _apply_decision(uow, referral, partner, decision, now, caused_by)
    log.info(
        "referral decided",
        extra={"referral_id": referral.referral_id, "status": decision.outcome.value},
    )
    return referral.referral_id


async def _apply_decision(
    uow: UnitOfWork,
    referral: Referral,
    partner: Partner,
    decision: PolicyDecision,
    at: datetime,
    caused_by: Envelope | None,
) -> None:
    codes = [code.value for code in decision.failures]
    if decision.outcome is Outcome.APPROVE:
        await _approve(uow, referral, partner, decision.consent_id, at, caused_by)
    elif decision.outcome is Outcome.REFUSE:
        await _refuse(uow, referral, decision.failures, at, caused_by)
    else:
        await _move(uow, referral, Status.AWAITING_REVIEW, at, reasons=codes, announce=False)


async def _approve(
    uow: UnitOfWork,
    referral: Referral,
    partner: Partner,
    consent_id: UUID | None,
    at: datetime,
    caused_by: Envelope | None,
) -> None:
    # The policy never approves without a covering consent; this guards the invariant anyway.
    if consent_id is None:
        raise RuntimeError("an approval without a consent")
    await _move(
        uow, referral, Status.APPROVED, at, reasons=[], consent_id=consent_id, announce=False
    )
    uow.emit(
        ReferralApproved(
            case_id=referral.case_id,
            referral_id=referral.referral_id,
            partner_id=referral.partner_id,
            partner_type=partner.partner_type,
            purpose=referral.purpose,
            data_categories=sorted(referral.data_categories),
            consent_id=consent_id,
        ),
        subject=referral.case_id,
        caused_by=caused_by,
    )


async def _refuse(
    uow: UnitOfWork,
    referral: Referral,
    reasons: tuple[RefusalCode, ...],
    at: datetime,
    caused_by: Envelope | None,
) -> None:
    await _move(
        uow, referral, Status.REFUSED, at, reasons=[c.value for c in reasons], announce=False
    )
    # v2 only: its codes include refused_at_review, which v1's frozen list cannot carry.
    uow.emit(
        ReferralRefusedV2(
            case_id=referral.case_id,
            referral_id=referral.referral_id,
            partner_id=referral.partner_id,
            reasons=[RefusalReasonV2.from_code(RefusalCodeV2(code.value)) for code in reasons],
        ),
        subject=referral.case_id,
        caused_by=caused_by,
    )


async def review_referral(
    uows: UnitOfWorkFactory,
    referral_id: UUID,
    command: ReviewReferral,
    reviewed_by: str,
    clock: Clock,
) -> None:
    """A coordinator's decision on a referral awaiting review; overrides are audited."""
    async with uows() as uow:
        await apply_review_referral(uow, referral_id, command, reviewed_by, clock)
        await uow.commit()


async def apply_review_referral(
    uow: UnitOfWork,
    referral_id: UUID,
    command: ReviewReferral,
    reviewed_by: str,
    clock: Clock,
    *,
    of_case: UUID | None = None,
    caused_by: Envelope | None = None,
) -> None:
    """The rules of `review_referral`, inside `uow`; `of_case` (a command names the case):
    a referral of another case counts as not found."""
    now = clock.now()
    found = await repo.get_referral(uow.conn, referral_id)
    if found is None or (of_case is not None and found.case_id != of_case):
        raise NotFoundError("the referral")
    await repo.lock_case(uow.conn, found.case_id)
    referral = await repo.get_referral(uow.conn, referral_id, for_update=True)
    assert referral is not None
    if referral.status is not Status.AWAITING_REVIEW:
        raise DomainError(
            f"the referral is {referral.status.value}, not awaiting review",
            code="not_awaiting_review",
        )
    case = await repo.get_case(uow.conn, referral.case_id)
    partner = await repo.get_partner(uow.conn, referral.partner_id)
    # Both exist: the referral was made for them (the view never deletes a case or partner).
    assert case is not None
    assert partner is not None
    consents = await repo.consents_for_case(uow.conn, referral.case_id)
    request = ReferralRequest(
        referral.case_id, referral.partner_id, referral.purpose, referral.data_categories
    )
    # Decided on today's facts: a consent withdrawn or expired while waiting counts.
    evaluation = evaluate(request, case, partner, consents, clock.today())
    result = review(evaluation, command.decision)
    if result.problem is not None:
        raise DomainError(result.problem, code="review_not_allowed")
    overridden = [c.value for c in result.reasons] if result.outcome is Outcome.APPROVE else []
    await repo.insert_review(
        uow.conn,
        referral_id,
        decision=command.decision.value,
        overridden=overridden,
        reason=command.reason,
        reviewed_by=reviewed_by,
        at=now,
    )
    if result.outcome is Outcome.APPROVE:
        await _approve(uow, referral, partner, evaluation.consent_id, now, caused_by)
    else:
        await _refuse(uow, referral, result.reasons, now, caused_by)
    log.info(
        "referral reviewed",
        extra={"referral_id": referral_id, "status": command.decision.value},
    )


# ================================================================ expiry


async def expire_unanswered(
    uows: UnitOfWorkFactory, clock: Clock, answer_within: timedelta, batch: int = 100
) -> int:
    """Expire approved/delivered referrals the partner left unanswered; returns how many.

    Exactly once: rows are locked (SKIP LOCKED, so parallel workers take different ones) and
    the status update is conditional on the status still being what was read.
    """
    now = clock.now()
    async with uows() as uow:
        candidates = await repo.unanswered_since(uow.conn, now - answer_within, batch)
        expired = 0
        for referral in candidates:
            if await _move(uow, referral, Status.EXPIRED, now, reason_code="no_partner_answer"):
                expired += 1
        await uow.commit()
    if expired:
        log.info("referrals expired", extra={"count": expired})
    return expired


# ================================================================ events: casefile


async def on_case_opened(uow: UnitOfWork, envelope: Envelope, event: CaseOpened) -> None:
    case = CaseView(
        case_id=event.case_id,
        stage=event.stage,
        has_minors=event.has_minors,
        vulnerabilities=frozenset(event.vulnerabilities),
        decision=None,
        erased=False,
    )
    if not await repo.insert_case(uow.conn, case):
        log.warning("case opened twice; kept the first", extra={"case_id": event.case_id})


async def on_stage_changed(
    uow: UnitOfWork, envelope: Envelope, event: ProcedureStageChanged
) -> None:
    if not await repo.set_stage(uow.conn, event.case_id, event.to_stage):
        raise PermanentEventError("a stage change for a case this view never saw opened")


async def on_decision_recorded(
    uow: UnitOfWork, envelope: Envelope, event: DecisionRecorded
) -> None:
    if not await repo.set_decision(uow.conn, event.case_id, event.decision):
        raise PermanentEventError("a decision for a case this view never saw opened")


async def on_person_erased(uow: UnitOfWork, envelope: Envelope, event: PersonErased) -> None:
    """Forget the vulnerabilities, close every open referral; no new referral or consent after."""
    await repo.lock_case(uow.conn, event.case_id)
    if not await repo.mark_erased(uow.conn, event.case_id, event.erased_at):
        log.info("erasure of a case this view never saw", extra={"case_id": event.case_id})
        return
    for referral in await repo.referrals_for_case(uow.conn, event.case_id):
        if referral.status in lifecycle.OPEN:
            await _move(
                uow,
                referral,
                Status.WITHDRAWN,
                event.erased_at,
                "person_erased",
                caused_by=envelope,
            )


# ================================================================ events: partner gateway


async def on_referral_delivered(
    uow: UnitOfWork, envelope: Envelope, event: ReferralDelivered
) -> None:
    referral = await _referral_for_event(uow, event.referral_id, event.case_id)
    step = lifecycle.on_delivered(referral, event.partner_id)
    await _apply_partner_step(uow, envelope, referral, step, None)


async def on_partner_status(
    uow: UnitOfWork, envelope: Envelope, event: PartnerStatusReported
) -> None:
    referral = await _referral_for_event(uow, event.referral_id, event.case_id)
    step = lifecycle.on_partner_status(referral, event.partner_id, event.status)
    reason = event.reason_code
    if reason is None and step.steps and step.steps[-1] is Status.DECLINED:
        reason = "declined_by_partner"
    await _apply_partner_step(uow, envelope, referral, step, reason)


async def on_disclosure_made(uow: UnitOfWork, envelope: Envelope, event: DisclosureMade) -> None:
    await repo.insert_disclosure(
        uow.conn,
        event_id=envelope.id,
        case_id=event.case_id,
        referral_id=event.referral_id,
        partner_id=event.partner_id,
        consent_id=event.consent_id,
        data_categories=[c.value for c in event.data_categories],
        legal_basis=event.legal_basis,
        disclosed_at=envelope.time,
    )


async def _referral_for_event(uow: UnitOfWork, referral_id: UUID, case_id: UUID) -> Referral:
    await repo.lock_case(uow.conn, case_id)
    referral = await repo.get_referral(uow.conn, referral_id, for_update=True)
    if referral is None or referral.case_id != case_id:
        raise PermanentEventError("a partner event for a referral of this case that is unknown")
    return referral


async def _apply_partner_step(
    uow: UnitOfWork,
    envelope: Envelope,
    referral: Referral,
    step: PartnerStep,
    final_reason: str | None,
) -> None:
    if step.verdict is Verdict.REJECT:
        raise PermanentEventError(f"impossible referral transition: {step.why}")
    if step.verdict is Verdict.IGNORE:
        log.info(
            f"partner event changes nothing: {step.why}",
            extra={"referral_id": referral.referral_id, "event_id": envelope.id},
        )
        return
    current = referral
    for index, target in enumerate(step.steps):
        last = index == len(step.steps) - 1
        reason = final_reason if last else "implied_by_partner_answer"
        await _move(uow, current, target, envelope.time, reason, caused_by=envelope)
        current = replace(current, status=target)


# ================================================================ shared steps


async def _move(
    uow: UnitOfWork,
    referral: Referral,
    target: Status,
    at: datetime,
    reason_code: str | None = None,
    *,
    reasons: list[str] | None = None,
    consent_id: UUID | None = None,
    caused_by: Envelope | None = None,
    announce: bool = True,
) -> bool:
    """One lifecycle step, checked, recorded and (unless the caller announces it) published."""
    if not lifecycle.can_move(referral.status, target):
        raise RuntimeError(f"illegal transition {referral.status} -> {target}")
    moved = await repo.set_status(
        uow.conn,
        referral,
        target,
        at,
        reason_code=reason_code,
        reasons=reasons,
        consent_id=consent_id,
    )
    if moved and announce:
        uow.emit(
            ReferralStatusChanged(
                case_id=referral.case_id,
                referral_id=referral.referral_id,
                partner_id=referral.partner_id,
                from_status=public_status(referral.status),
                to_status=public_status(target),
                reason_code=reason_code,
            ),
            subject=referral.case_id,
            caused_by=caused_by,
        )
    return moved


async def _case_open_for_changes(uow: UnitOfWork, case_id: UUID) -> CaseView:
    case = await repo.get_case(uow.conn, case_id)
    if case is None:
        raise DomainError(
            "The case has not reached the referral service yet (its opening is still on its "
            "way from the case file); try again in a moment.",
            code="case_not_known_yet",
            status_code=409,
        )
    if case.erased:
        raise DomainError(
            "The person's data has been erased: nothing can be consented to or referred.",
            code="person_erased",
            status_code=410,
        )
    return case


async def _partner_for(uow: UnitOfWork, partner_id: UUID) -> Partner:
    partner = await repo.get_partner(uow.conn, partner_id)
    if partner is None:
        raise DomainError(
            "The partner is not in the directory.", code="unknown_partner", status_code=422
        )
    return partner
