"""Re-check the privacy rules of open referrals when one of their inputs changes.

ONE function decides and applies what becomes of a case's open referrals:
:func:`reevaluate_open_referrals`. Every input change calls it, inside the unit of work that
records the change (so the change and its consequences commit together):

| input | caller |
|---|---|
| stage changed | ``handlers.case_events.on_stage_changed`` |
| case closed | ``handlers.case_events.on_case_closed`` |
| person erased | ``handlers.case_events.on_person_erased`` |
| consent withdrawn | ``handlers.consents.withdraw_consent`` |
| consent expired, agreement ended | ``handlers.expiry.reevaluate_lapsed`` (the expiry worker) |
| partner type, standing or agreement changed | :func:`reevaluate_referrals_to_partner` |

The judgement itself is pure (``domain.reevaluation.judge``, on top of
``hub_contracts.privacy.may_disclose``); this module reads the facts and moves the referrals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from hub_contracts import Envelope

from referral.clock import Clock
from referral.domain import lifecycle
from referral.domain.reevaluation import Action, judge
from referral.steps import move
from referral.unit_of_work import ReferralUnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One referral the re-evaluation moved: from, to, and why."""

    referral_id: UUID
    action: Action


async def reevaluate_open_referrals(
    uow: ReferralUnitOfWork,
    case_id: UUID,
    clock: Clock,
    *,
    at: datetime | None = None,
    partner_id: UUID | None = None,
    caused_by: Envelope | None = None,
) -> list[Change]:
    """Re-check every open referral of ``case_id`` (only those to ``partner_id``, if given) on
    this service's view of the facts, today, and withdraw, suspend or resume them.

    Takes the case's lock first (callers that lock several cases lock them in case-id order
    before calling, as :func:`reevaluate_referrals_to_partner` does); records each move at
    ``at`` (default: now) and publishes it (``ReferralStatusChanged.v2``, caused by
    ``caused_by``). Returns what changed. Safe to call again: a referral that holds is kept.
    An unknown case changes nothing (empty list).
    """
    await uow.cases.lock(case_id)
    case = await uow.cases.get(case_id)
    if case is None:
        return []
    referrals = await uow.referrals.open_of_case(case_id, lifecycle.OPEN)
    consents = {c.consent_id: c for c in await uow.consents.of_case(case_id)}
    when = at or clock.now()
    changes: list[Change] = []
    for referral in referrals:
        if partner_id is not None and referral.partner_id != partner_id:
            continue
        partner = await uow.partners.get(referral.partner_id)
        assert partner is not None  # a referral names a partner of the directory (FK)
        consent = None if referral.consent_id is None else consents.get(referral.consent_id)
        judgement = judge(referral, partner, consent, case, clock.today())
        if judgement.action is Action.KEEP or judgement.target is None:
            continue
        if await move(uow, referral, judgement.target, when, judgement.reason, caused_by=caused_by):
            changes.append(Change(referral.referral_id, judgement.action))
            log.info(
                "referral re-evaluated",
                extra={
                    "referral_id": referral.referral_id,
                    "status": judgement.target.value,
                    "reason_code": None if judgement.reason is None else judgement.reason.value,
                },
            )
    return changes


async def reevaluate_referrals_to_partner(
    uow: ReferralUnitOfWork,
    partner_id: UUID,
    clock: Clock,
    *,
    caused_by: Envelope | None = None,
) -> list[Change]:
    """:func:`reevaluate_open_referrals` for every case with an open referral to the partner
    (after a change of its type, standing or agreement), cases locked in id order first: the
    order every use case takes, so none deadlocks with another."""
    cases = await uow.referrals.cases_with_referrals_to(partner_id, lifecycle.OPEN)
    for case_id in cases:
        await uow.cases.lock(case_id)
    changes: list[Change] = []
    for case_id in cases:
        changes += await reevaluate_open_referrals(
            uow, case_id, clock, partner_id=partner_id, caused_by=caused_by
        )
    return changes
