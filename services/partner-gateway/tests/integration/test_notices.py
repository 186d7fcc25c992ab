"""Withdrawal and erasure notices to every partner that received data, and their acks."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hub_contracts import NoticeAcknowledged, NoticeSentV2, PersonErased
from hub_runtime.testing import wait_until

from .conftest import Gateway, GatewayFactory

pytestmark = pytest.mark.integration


async def _notices(gateway: Gateway, overdue: bool = False) -> list[dict[str, Any]]:
    response = await gateway.http.get(
        "/admin/notices", params={"overdue": str(overdue).lower()}, headers=gateway.admin()
    )
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_withdrawal_notice_reaches_the_partner_that_received_data_and_is_acked(
    gateway: Gateway,
) -> None:
    partner_id, sim = await gateway.simulated_partner()
    bystander_id, bystander = await gateway.simulated_partner()
    case_id = uuid.uuid4()
    consent_id = await gateway.consent(case_id, partner_id)
    referral_id = await gateway.approve(case_id, partner_id, consent_id)

    async def fetched() -> bool:
        return str(referral_id) in sim.record.reported

    await wait_until(fetched)
    await gateway.withdraw(case_id, consent_id, partner_id)
    await gateway.wait_for_event(NoticeAcknowledged, lambda n: n.partner_id == partner_id)
    await gateway.wait_for_event(NoticeSentV2, lambda n: n.partner_id == partner_id)
    [sent] = await gateway.emitted(NoticeSentV2)
    assert (sent.partner_id, sent.case_id, sent.kind) == (partner_id, case_id, "withdrawal")
    assert sim.record.notices_acknowledged == [str(sent.notice_id)]
    [notice] = await _notices(gateway)
    assert notice["acknowledged_at"] is not None
    assert notice["overdue"] is False
    assert await _notices(gateway, overdue=True) == []
    assert bystander.record.applied == []  # it received nothing, so it gets no notice
    assert bystander_id != partner_id

    # the same withdrawal again (a replay with a new envelope id) sends no second notice;
    # a later event of the same case (same partition) shows the replay has been consumed
    await gateway.withdraw(case_id, consent_id, partner_id)
    marker = await gateway.consent(case_id, partner_id)
    await gateway.view_holds("SELECT true FROM consents WHERE consent_id = $1", marker)
    assert len(await _notices(gateway)) == 1
    assert len(await gateway.emitted(NoticeSentV2)) == 1


async def test_an_erasure_notice_waits_in_the_inbox_turns_overdue_and_is_acknowledged(
    start_gateway: GatewayFactory,
) -> None:
    gateway = await start_gateway(notice_ack_due_seconds=1)
    partner_id = await gateway.register_partner()  # no webhook: pulls its inbox
    other_id = await gateway.register_partner()
    await gateway.wait_for_partner(other_id)
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )
    await gateway.referral_known(referral_id)
    fetched = await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(partner_id)
    )
    assert fetched.status_code == 200
    await gateway.publish(PersonErased(case_id=case_id, erased_at=datetime.now(UTC)))
    await gateway.wait_for_event(NoticeSentV2, lambda n: n.kind == "erasure")

    inbox = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
    notice_item = inbox.json()["items"][-1]
    assert notice_item["type"] == "notice.erasure"
    assert notice_item["data"]["referral_ids"] == [str(referral_id)]
    notice_id = notice_item["data"]["notice_id"]

    async def overdue() -> bool:
        return [n["notice_id"] for n in await _notices(gateway, overdue=True)] == [notice_id]

    await wait_until(overdue)
    intruder = await gateway.http.post(
        f"/partner/notices/{notice_id}/ack",
        headers={**gateway.as_partner(other_id), "Idempotency-Key": "ack-intruder-1"},
    )
    assert intruder.status_code == 404
    ack = await gateway.http.post(
        f"/partner/notices/{notice_id}/ack",
        headers={**gateway.as_partner(partner_id), "Idempotency-Key": "ack-partner-1"},
    )
    assert ack.status_code == 202, ack.text
    await gateway.wait_for_event(NoticeAcknowledged, lambda n: str(n.notice_id) == notice_id)
    assert await _notices(gateway, overdue=True) == []
    assert len(await gateway.emitted(NoticeAcknowledged)) == 1
