"""An approved referral reaches the gateway: stored, and announced to its partner.

`on_referral_approved` takes one event (the consumer's slow path, and the rule); `approve_many`
takes a run of them at once (the batch route, `partner_gateway.handlers.batch`) with the same
effect, through the same pieces: `check_not_origin_authority`, `referral_of`,
`stopped_before_approval` and `ready_data`.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub_contracts import PartnerType, ReferralApproved, ReferralStatus
from hub_runtime.bus import Event
from hub_runtime.errors import PermanentEventError

from partner_gateway.deps import Deps
from partner_gateway.domain import notifications as notes
from partner_gateway.domain.model import CaseView, PartnerView, Referral
from partner_gateway.domain.policy import is_origin_authority
from partner_gateway.outbound import Outgoing, notify, notify_many
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def on_referral_approved(
    event: Event[ReferralApproved], uow: GatewayUnitOfWork, deps: Deps
) -> None:
    """Store the referral and put a ``referral.ready`` in its partner's inbox (and webhook
    queue). Raises `PermanentEventError` (dead letter) for an origin-country authority, now or
    ever: never stored, never notified, and people see that the policy let it through.

    A withdrawal or erasure (another topic) may overtake the approval: the referral is then
    stored as withdrawn and announced to nobody; a replay (new envelope id) changes nothing.
    """
    payload = event.payload
    check_not_origin_authority(payload, await uow.partners.get(payload.partner_id))
    referral = referral_of(payload)
    withdrawn = await uow.consents.is_withdrawn(referral.consent_id)
    closed = stopped_before_approval(withdrawn, await uow.cases.view(referral.case_id))
    status = ReferralStatus.WITHDRAWN if closed else ReferralStatus.APPROVED
    if not await uow.referrals.add(referral, status) or closed:
        return
    await notify(
        uow,
        referral.partner_id,
        referral.case_id,
        notes.NotificationKind.REFERRAL_READY,
        ready_data(referral),
        referral_id=referral.referral_id,
    )


async def approve_many(uow: GatewayUnitOfWork, approvals: Sequence[ReferralApproved]) -> None:
    """`on_referral_approved` for each approval, in order, with a statement per table.

    Valid within one run of the batch route: nothing between these approvals changes a
    partner's entry, a consent withdrawal, an erasure or a case's closure (the events that do
    are applied alone, between runs), so the facts are read once for all of them. Raises
    `PermanentEventError` if any names an origin-country authority (the consumer then applies
    the records one by one, and that one goes to the dead letters)."""
    referrals = [referral_of(a) for a in approvals]
    facts = await uow.bulk.approval_facts(
        [(r.partner_id, r.consent_id, r.case_id) for r in referrals]
    )
    for approval, fact in zip(approvals, facts, strict=True):
        check_not_origin_authority(approval, fact.partner)
    rows = [
        (r, stopped_before_approval(f.consent_withdrawn, f.case))
        for r, f in zip(referrals, facts, strict=True)
    ]
    stored = await uow.bulk.add_referrals(
        [(r, ReferralStatus.WITHDRAWN if closed else ReferralStatus.APPROVED) for r, closed in rows]
    )
    partners = {f.partner.partner_id: f.partner for f in facts if f.partner is not None}
    ready: list[Outgoing] = []
    for referral, closed in rows:
        if referral.referral_id not in stored:
            continue  # known before, or repeated in this run: stored and announced once
        stored.discard(referral.referral_id)
        if not closed:
            ready.append(ready_notification(referral))
    await notify_many(uow, partners, ready)


def check_not_origin_authority(payload: ReferralApproved, partner: PartnerView | None) -> None:
    """Raises `PermanentEventError` when the approval or the directory (now or ever) names an
    origin-country authority (architecture invariant 2: personal data never goes there)."""
    if payload.partner_type is PartnerType.AUTHORITY_ORIGIN or is_origin_authority(partner):
        raise PermanentEventError("referral approved for an origin-country authority: refused")


def referral_of(payload: ReferralApproved) -> Referral:
    """The referral an approval describes."""
    return Referral(
        referral_id=payload.referral_id,
        case_id=payload.case_id,
        partner_id=payload.partner_id,
        partner_type=payload.partner_type,
        purpose=payload.purpose,
        data_categories=tuple(payload.data_categories),
        consent_id=payload.consent_id,
    )


def stopped_before_approval(consent_withdrawn: bool, case: CaseView) -> bool:
    """An approval overtaken by the consent's withdrawal, the person's erasure or the case's
    closure is stored as withdrawn and announced to nobody."""
    return consent_withdrawn or case.erased or case.closed


def ready_data(referral: Referral) -> dict[str, str | list[str]]:
    """The ``referral.ready`` body's data: ids and the purpose, nothing personal."""
    return {"referral_id": str(referral.referral_id), "purpose": str(referral.purpose)}


def ready_notification(referral: Referral) -> Outgoing:
    """The ``referral.ready`` of a stored referral, for `notify_many`."""
    return Outgoing(
        referral.partner_id,
        referral.case_id,
        notes.NotificationKind.REFERRAL_READY,
        ready_data(referral),
        referral_id=referral.referral_id,
    )
