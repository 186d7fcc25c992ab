"""A referral.ready still waiting for a partner that is down is dropped when the referral is
withdrawn (or the person erased): once the partner is back, it is never told to fetch data it
may no longer have."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hub_contracts import PersonErased, ReferralDelivered, ReferralStatusChanged
from hub_runtime.testing import wait_until
from partner_gateway.simulator import Mode, PartnerSimulator

from .conftest import Gateway

pytestmark = pytest.mark.integration


async def _deliveries(gateway: Gateway, partner_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await gateway.http.get(
        "/admin/deliveries", params={"partner_id": str(partner_id)}, headers=gateway.admin()
    )
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _refused_while_down(sim: PartnerSimulator) -> None:
    async def refused() -> bool:
        return sim.record.refused_while_down >= 1

    await wait_until(refused)


async def _dropped(gateway: Gateway, partner_id: uuid.UUID, referral_id: uuid.UUID) -> Any:
    async def dropped() -> bool:
        return any(
            d["referral_id"] == str(referral_id) and d["state"] == "dropped"
            for d in await _deliveries(gateway, partner_id)
        )

    await wait_until(dropped)
    return next(
        d for d in await _deliveries(gateway, partner_id) if d["referral_id"] == str(referral_id)
    )


async def _pending_while_down(
    gateway: Gateway, sim: PartnerSimulator, partner_id: uuid.UUID
) -> tuple[uuid.UUID, uuid.UUID]:
    """A referral approved while the partner is down: its referral.ready waits. (case, referral)"""
    sim.mode = Mode.DOWN
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )
    await _refused_while_down(sim)
    return case_id, referral_id


async def _back_up_and_next_one_delivered(
    gateway: Gateway, partner_id: uuid.UUID, sim: PartnerSimulator
) -> str:
    """The partner comes back; a referral approved after the withdrawal still gets through
    (the dropped one no longer heads its queue)."""
    case_id = uuid.uuid4()
    later = await gateway.approve(case_id, partner_id, await gateway.consent(case_id, partner_id))
    sim.mode = Mode.UP

    async def delivered() -> bool:
        # The simulator answers the webhook at once and handles it after (its worker queue):
        # delivered in the gateway's table does not mean noted by the simulator yet.
        handled = str(later) in sim.record.referrals_notified
        return handled and any(
            d["referral_id"] == str(later) and d["state"] == "delivered"
            for d in await _deliveries(gateway, partner_id)
        )

    await wait_until(delivered, within=30)
    return str(later)


async def test_a_withdrawal_drops_the_pending_referral_ready(gateway: Gateway) -> None:
    partner_id, sim = await gateway.simulated_partner()
    sim.mode = Mode.DOWN
    case_id = uuid.uuid4()
    consent_id = await gateway.consent(case_id, partner_id)
    referral_id = await gateway.approve(case_id, partner_id, consent_id)
    await _refused_while_down(sim)

    await gateway.withdraw(case_id, consent_id, partner_id)
    entry = await _dropped(gateway, partner_id, referral_id)
    assert entry["last_error"] == "consent_withdrawn"
    assert entry["finished_at"] is not None

    later = await _back_up_and_next_one_delivered(gateway, partner_id, sim)
    assert sim.record.referrals_notified == [later]
    assert str(referral_id) not in sim.record.fetch_failures
    delivered = await gateway.emitted(ReferralDelivered)
    assert [str(d.referral_id) for d in delivered] == [later]


async def test_an_erasure_drops_the_pending_referral_ready(gateway: Gateway) -> None:
    partner_id, sim = await gateway.simulated_partner()
    case_id, referral_id = await _pending_while_down(gateway, sim, partner_id)

    await gateway.publish(PersonErased(case_id=case_id, erased_at=datetime.now(UTC)))
    entry = await _dropped(gateway, partner_id, referral_id)
    assert entry["last_error"] == "person_erased"

    later = await _back_up_and_next_one_delivered(gateway, partner_id, sim)
    assert sim.record.referrals_notified == [later]


async def test_an_expiry_drops_the_pending_referral_ready(gateway: Gateway) -> None:
    partner_id, sim = await gateway.simulated_partner()
    case_id, referral_id = await _pending_while_down(gateway, sim, partner_id)

    expired = ReferralStatusChanged(
        case_id=case_id,
        referral_id=referral_id,
        partner_id=partner_id,
        from_status="approved",
        to_status="expired",
        reason_code="no_answer_in_time",
    )
    await gateway.publish(expired)
    entry = await _dropped(gateway, partner_id, referral_id)
    assert entry["last_error"] == "referral_expired"

    later = await _back_up_and_next_one_delivered(gateway, partner_id, sim)
    assert sim.record.referrals_notified == [later]


async def test_an_approval_overtaken_by_an_erasure_is_never_announced(gateway: Gateway) -> None:
    partner_id, _ = await gateway.simulated_partner()  # with a webhook: it would be queued
    case_id = uuid.uuid4()
    consent_id = await gateway.consent(case_id, partner_id)
    await gateway.publish(PersonErased(case_id=case_id, erased_at=datetime.now(UTC)))
    await gateway.view_holds("SELECT true FROM erased_cases WHERE case_id = $1", case_id)
    referral_id = await gateway.approve(case_id, partner_id, consent_id)
    await gateway.referral_known(referral_id)  # stored with its notification, if any
    assert await _deliveries(gateway, partner_id) == []
    inbox = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
    assert inbox.json()["items"] == []
    await gateway.view_holds(
        "SELECT status = 'withdrawn' FROM referrals WHERE referral_id = $1", referral_id
    )
