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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from hub_contracts import (
    REFUSAL_TEXTS,
    ConsentGranted,
    ConsentWithdrawn,
    Envelope,
    ReferralApproved,
    ReferralRefusedV3,
    ReferralRequested,
    RefusalCode,
    StatusReason,
)
from hub_runtime import idempotency
from hub_runtime.errors import (
    ConflictError,
    GoneError,
    InvalidError,
    NotFoundError,
    NotYetKnownError,
)

from referral import repository as repo
from referral import vault as sealed_texts
from referral.clock import Clock
from referral.commands import (
    GrantConsent,
    RequestReferral,
    ReviewReferral,
)
from referral.domain import lifecycle
from referral.domain.consent_rules import NewConsent, consent_problems
from referral.domain.model import (
    CaseView,
    Consent,
    Partner,
    Referral,
    ReferralRequest,
    Status,
)
from referral.domain.policy import Outcome, PolicyDecision, case_failures, evaluate, review
from referral.reevaluation import reevaluate_open_referrals
from referral.steps import move as _move
from referral.unit_of_work import UnitOfWork, UnitOfWorkFactory
from referral.vault import CaseVault
from referral.view_catch_up import NO_CATCH_UP, CaseViewCatchUp

log = logging.getLogger(__name__)

EVIDENCE_REFERENCES: tuple[str, ...] = ("form_reference", "interpreter_reference")
"""The consent evidence fields that may name the person (a V-number fits a form reference):
stored only sealed under the case's key. The rest of the evidence is codes and flags."""


# ================================================================ partner directory
# Register and update live in `directory.py`; this step stays here with the lifecycle.


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
    vault: CaseVault,
    once: Once | None = None,
    view: CaseViewCatchUp = NO_CATCH_UP,
) -> tuple[UUID, bool]:
    """Record a specific, informed consent and announce it (ConsentGranted): the consent's id,
    and whether it was granted by an earlier request with the same Idempotency-Key.

    A case not in our view yet is first caught up with the case file (`view`): a tool that has
    just opened the case there is not told `case_not_known_yet`."""
    await view.settle(uows, case_id, lambda case: case is not None)

    async def grant(uow: UnitOfWork) -> UUID:
        record = await apply_grant_consent(uow, case_id, command, clock, vault=vault)
        return UUID(str(record["consent_id"]))

    return await _create_once(uows, once, grant)


async def apply_grant_consent(
    uow: UnitOfWork,
    case_id: UUID,
    command: GrantConsent,
    clock: Clock,
    *,
    vault: CaseVault,
    caused_by: Envelope | None = None,
) -> dict[str, Any]:
    """The rules of `grant_consent`, inside `uow` (not committed here). The form and
    interpreter references are stored sealed under the case's key (`vault`)."""
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
        # All conflicts with what is recorded (an overlapping consent): 409; else 422.
        error = ConflictError if all(p.conflict for p in problems) else InvalidError
        raise error(" ".join(p.text for p in problems), code=problems[0].code)
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
    sealed = await vault.seal(
        uow.conn,
        case_id,
        sealed_texts.consent_evidence(consent.consent_id),
        {key: evidence[key] for key in EVIDENCE_REFERENCES},
    )
    await repo.insert_consent(
        uow.conn, consent, evidence, command.evidence.taken_by, evidence_sealed=sealed
    )
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
        raise ConflictError("the consent was already withdrawn", code="already_withdrawn")
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
    # Every open referral of the case is re-checked: those under this consent are withdrawn
    # (consent_withdrawn), awaiting review ones included.
    await reevaluate_open_referrals(uow, consent.case_id, clock, at=now, caused_by=caused_by)
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
        lambda case: case is not None and not case_failures(judged, case),
        prefer_wait=view_wait_seconds,
    )

    async def request(uow: UnitOfWork) -> UUID:
        return await apply_request_referral(uow, case_id, command, requested_by, clock)

    return await _create_once(uows, once, request)


class OpenReferralError(ConflictError):
    """One open referral per case, partner and purpose (issue 13): a second request is refused
    with 409 and names the open one (``existing_referral_id`` in the error body), so a tool that
    lost an answer finds it instead of referring the person twice."""

    def __init__(self, existing: UUID | None) -> None:
        super().__init__(
            "An open referral of this case to this partner for this purpose exists already:"
            " follow it, or withdraw it before asking again.",
            code="referral_already_open",
            extra={} if existing is None else {"existing_referral_id": str(existing)},
        )
        self.existing = existing


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
    existing = await repo.open_referral_for(
        uow.conn, case_id, request.partner_id, request.purpose, lifecycle.OPEN
    )
    if existing is not None:
        raise OpenReferralError(existing)
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
    try:
        await repo.insert_referral(uow.conn, referral, requested_by, now)
    except repo.OpenReferralExistsError as exists:
        # Another request got past the check above (the database's unique index is the guard).
        raise OpenReferralError(exists.existing) from None
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
    # v3 only: codes, never sentences (readers render them), and the privacy policy's codes.
    uow.emit(
        ReferralRefusedV3(
            case_id=referral.case_id,
            referral_id=referral.referral_id,
            partner_id=referral.partner_id,
            reasons=list(reasons),
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
    *,
    vault: CaseVault,
) -> None:
    """A coordinator's decision on a referral awaiting review; overrides are audited."""
    async with uows() as uow:
        await apply_review_referral(uow, referral_id, command, reviewed_by, clock, vault=vault)
        await uow.commit()


async def apply_review_referral(
    uow: UnitOfWork,
    referral_id: UUID,
    command: ReviewReferral,
    reviewed_by: str,
    clock: Clock,
    *,
    vault: CaseVault,
    of_case: UUID | None = None,
    caused_by: Envelope | None = None,
) -> None:
    """The rules of `review_referral`, inside `uow`; `of_case` (a command names the case):
    a referral of another case counts as not found. The written reason is stored sealed under
    the case's key (`vault`)."""
    now = clock.now()
    found = await repo.get_referral(uow.conn, referral_id)
    if found is None or (of_case is not None and found.case_id != of_case):
        raise NotFoundError("the referral")
    await repo.lock_case(uow.conn, found.case_id)
    referral = await repo.get_referral(uow.conn, referral_id, for_update=True)
    assert referral is not None
    case = await repo.get_case(uow.conn, referral.case_id)
    # It exists: the referral was made for it (the view never deletes a case).
    assert case is not None
    _refuse_if_closed(case)
    if referral.status is not Status.AWAITING_REVIEW:
        raise ConflictError(
            f"the referral is {referral.status.value}, not awaiting review",
            code="not_awaiting_review",
        )
    partner = await repo.get_partner(uow.conn, referral.partner_id)
    assert partner is not None  # the referral names a partner of the directory (FK)
    consents = await repo.consents_for_case(uow.conn, referral.case_id)
    request = ReferralRequest(
        referral.case_id, referral.partner_id, referral.purpose, referral.data_categories
    )
    # Decided on today's facts: a consent withdrawn or expired while waiting counts.
    evaluation = evaluate(request, case, partner, consents, clock.today())
    result = review(evaluation, command.decision)
    if result.problem is not None:
        raise ConflictError(result.problem, code="review_not_allowed")
    overridden = [c.value for c in result.reasons] if result.outcome is Outcome.APPROVE else []
    await repo.insert_review(
        uow.conn,
        referral_id,
        decision=command.decision.value,
        overridden=overridden,
        reason_sealed=await vault.seal(
            uow.conn, referral.case_id, sealed_texts.review_reason(referral_id), command.reason
        ),
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
            if await _move(uow, referral, Status.EXPIRED, now, StatusReason.NO_PARTNER_ANSWER):
                expired += 1
        await uow.commit()
    if expired:
        log.info("referrals expired", extra={"count": expired})
    return expired


# ================================================================ shared steps


async def _case_open_for_changes(uow: UnitOfWork, case_id: UUID) -> CaseView:
    case = await repo.get_case(uow.conn, case_id)
    if case is None:
        raise NotYetKnownError(
            "The case has not reached the referral service yet (its opening is still on its "
            "way from the case file); try again in a moment.",
            code="case_not_known_yet",
        )
    if case.erased:
        raise GoneError(
            "The person's data has been erased: nothing can be consented to or referred.",
            code="person_erased",
        )
    _refuse_if_closed(case)
    return case


def _refuse_if_closed(case: CaseView) -> None:
    """A closed case takes no new consent or referral, and nothing of it is approved (409)."""
    if case.closed:
        raise ConflictError(
            REFUSAL_TEXTS[RefusalCode.CASE_CLOSED], code=RefusalCode.CASE_CLOSED.value
        )


async def _partner_for(uow: UnitOfWork, partner_id: UUID) -> Partner:
    partner = await repo.get_partner(uow.conn, partner_id)
    if partner is None:
        raise InvalidError("The partner is not in the directory.", code="unknown_partner")
    return partner
