"""The time-driven passes: unanswered referrals expire, lapsed consents and agreements
withdraw what rests on them. The expiry worker dispatches them round after round."""

from __future__ import annotations

import logging

from hub_contracts import StatusReason

from referral.deps import Deps
from referral.domain import lifecycle
from referral.domain.model import Status
from referral.messages import ExpireUnanswered, LapsePage, ReevaluateLapsed, RewrapKeys
from referral.reevaluation import reevaluate_open_referrals
from referral.steps import move
from referral.unit_of_work import ReferralUnitOfWork

log = logging.getLogger(__name__)


async def expire_unanswered(message: ExpireUnanswered, uow: ReferralUnitOfWork, deps: Deps) -> int:
    """Expire approved/delivered referrals the partner left unanswered (``no_partner_answer``);
    returns how many (a full batch may mean more are waiting).

    Exactly once: rows are locked (SKIP LOCKED, so parallel rounds take different ones) and the
    status update is conditional on the status still being what was read. Suspended referrals
    never expire."""
    now = deps.clock.now()
    candidates = await uow.referrals.unanswered_since(now - message.answer_within, message.batch)
    expired = 0
    for referral in candidates:
        if await move(uow, referral, Status.EXPIRED, now, StatusReason.NO_PARTNER_ANSWER):
            expired += 1
    if expired:
        log.info("referrals expired", extra={"count": expired})
    return expired


async def reevaluate_lapsed(
    message: ReevaluateLapsed, uow: ReferralUnitOfWork, deps: Deps
) -> LapsePage:
    """One page of the lapse pass: withdraw the open referrals whose consent expired, or whose
    partner's agreement ended, before today (council date; ``consent_expired`` or
    ``partner_may_not_receive``).

    Pages go by case id, one unit of work each, so a case whose referrals stay as they are
    (awaiting review) never holds the pass up. Exactly once under parallel workers: per-case
    locks and status-conditional moves."""
    cases = await uow.referrals.cases_with_lapsed_inputs(
        deps.clock.today(), lifecycle.OPEN, message.after, message.batch
    )
    changed = 0
    for case_id in cases:
        changed += len(await reevaluate_open_referrals(uow, case_id, deps.clock))
    if changed:
        log.info("referrals re-evaluated after a lapse", extra={"count": changed})
    return LapsePage(
        changed=changed,
        last_case=cases[-1] if cases else message.after,
        full=len(cases) >= message.batch,
    )


async def rewrap_keys(message: RewrapKeys, uow: ReferralUnitOfWork, deps: Deps) -> int:
    """Master-key rotation, one batch (`CaseVault.rewrap_keys`); returns how many keys were
    re-wrapped. Safe beside the running service and another rotation (rows locked, SKIP
    LOCKED); a shredded key is never brought back."""
    return await deps.vault.rewrap_keys(uow.case_keys, message.limit)
