"""Every partner told of a referral (a delivered referral.ready or an inbox entry), not only the
ones that fetched, is told when it stops, pauses or resumes; acknowledgements are tracked.

Referral's ReferralStatusChanged.v2 is published here by the test (referral switches its
producer to v2 in parallel), on the real Kafka, to the real gateway.
"""

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from hub_contracts import (
    DataCategory,
    DisclosureMade,
    NoticeAcknowledged,
    NoticeSentV2,
    ProcedureStage,
    ProcedureStageChanged,
    Purpose,
    ReferralDelivered,
    ReferralStatus,
    StatusReason,
)
from hub_runtime.testing import wait_until

from .conftest import Gateway, Receiver

pytestmark = pytest.mark.integration

S = ReferralStatus


async def _notices(gateway: Gateway) -> list[dict[str, Any]]:
    response = await gateway.http.get("/admin/notices", headers=gateway.admin())
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _fetch(gateway: Gateway, partner_id: uuid.UUID, referral_id: uuid.UUID) -> httpx.Response:
    return await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(partner_id)
    )


async def _inbox(gateway: Gateway, partner_id: uuid.UUID) -> list[tuple[str, str]]:
    """(type, referral id) of what the partner's inbox shows now."""
    response = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
    assert response.status_code == 200
    return [(i["type"], i["data"]["referral_id"]) for i in response.json()["items"]]


async def _told(receiver: Receiver, kind: str, referral_id: uuid.UUID) -> dict[str, Any]:
    async def arrived() -> bool:
        return any(b["data"]["referral_id"] == str(referral_id) for b in receiver.of_type(kind))

    arrived.__qualname__ = f"{kind} for the referral"
    await wait_until(arrived)
    return next(b for b in receiver.of_type(kind) if b["data"]["referral_id"] == str(referral_id))


async def _ack(gateway: Gateway, partner_id: uuid.UUID, notice_id: str) -> None:
    response = await gateway.http.post(
        f"/partner/notices/{notice_id}/ack",
        headers={**gateway.as_partner(partner_id), "Idempotency-Key": f"ack-{notice_id}"},
    )
    assert response.status_code == 202, response.text


async def test_a_partner_sent_referral_ready_that_never_fetched_is_told_of_the_withdrawal(
    gateway: Gateway,
) -> None:
    """Scenario 3 of issue 12: only partners that fetched used to be told."""
    partner_id, receiver = await gateway.listening_partner()
    case_id = uuid.uuid4()
    consent_id = await gateway.consent(case_id, partner_id)
    referral_id = await gateway.approve(case_id, partner_id, consent_id)
    await _told(receiver, "referral.ready", referral_id)
    await gateway.wait_for_event(ReferralDelivered, lambda d: d.referral_id == referral_id)

    await gateway.withdraw(case_id, consent_id, partner_id)
    notice = await _told(receiver, "notice.withdrawal", referral_id)
    await gateway.wait_for_event(NoticeSentV2, lambda n: n.referral_id == referral_id)
    [sent] = await gateway.emitted(NoticeSentV2)
    assert (sent.partner_id, sent.case_id, sent.kind) == (partner_id, case_id, "withdrawal")
    assert str(sent.notice_id) == notice["data"]["notice_id"]
    [listed] = await _notices(gateway)
    assert listed["referral_id"] == str(referral_id)
    assert listed["acknowledged_at"] is None
    # it never fetched: nothing was disclosed, and now nothing can be
    assert await gateway.emitted(DisclosureMade) == []
    assert (await _fetch(gateway, partner_id, referral_id)).status_code == 410

    await _ack(gateway, partner_id, notice["data"]["notice_id"])
    await gateway.wait_for_event(NoticeAcknowledged, lambda n: n.partner_id == partner_id)
    [listed] = await _notices(gateway)
    assert listed["acknowledged_at"] is not None
    # referral's own ReferralStatusChanged to withdrawn follows: no second notice
    await gateway.status_changed(
        case_id, referral_id, partner_id, S.APPROVED, S.WITHDRAWN, StatusReason.CONSENT_WITHDRAWN
    )
    marker = await gateway.consent(case_id, partner_id)
    await gateway.view_holds("SELECT true FROM consents WHERE consent_id = $1", marker)
    assert len(receiver.of_type("notice.withdrawal")) == 1
    assert len(await gateway.emitted(NoticeSentV2)) == 1


async def test_a_pull_partner_that_never_fetched_finds_the_notice_instead_of_the_referral(
    gateway: Gateway,
) -> None:
    partner_id, case_id, consent_id, referral_id = await gateway.approved_referral()
    assert await _inbox(gateway, partner_id) == [("referral.ready", str(referral_id))]

    await gateway.withdraw(case_id, consent_id, partner_id)
    await gateway.wait_for_event(NoticeSentV2, lambda n: n.referral_id == referral_id)
    # the referral that no longer holds is not listed; its notice is
    assert await _inbox(gateway, partner_id) == [("notice.withdrawal", str(referral_id))]
    assert [n["kind"] for n in await _notices(gateway)] == ["withdrawal"]


async def test_a_suspended_referral_discloses_nothing_and_both_notices_flow(
    gateway: Gateway,
) -> None:
    partner_id, receiver = await gateway.listening_partner()
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )
    await _told(receiver, "referral.ready", referral_id)
    assert (await _fetch(gateway, partner_id, referral_id)).status_code == 200

    await gateway.status_changed(
        case_id, referral_id, partner_id, S.APPROVED, S.SUSPENDED, StatusReason.PROTECTION_FIRST
    )
    suspension = await _told(receiver, "notice.suspension", referral_id)
    refused = await _fetch(gateway, partner_id, referral_id)
    assert refused.status_code == 409
    assert refused.json()["error"] == "referral_suspended"
    assert await _inbox(gateway, partner_id) == [("notice.suspension", str(referral_id))]
    # a report must not move it out of suspension
    report = await gateway.http.post(
        f"/partner/referrals/{referral_id}/status",
        json={"status": "accepted"},
        headers={**gateway.as_partner(partner_id), "Idempotency-Key": "report-while-suspended"},
    )
    assert (report.status_code, report.json()["error"]) == (409, "referral_suspended")
    await _ack(gateway, partner_id, suspension["data"]["notice_id"])

    await gateway.status_changed(
        case_id, referral_id, partner_id, S.SUSPENDED, S.APPROVED, StatusReason.STAGE_ALLOWS_AGAIN
    )
    await _told(receiver, "notice.resumption", referral_id)
    assert (await _fetch(gateway, partner_id, referral_id)).status_code == 200
    assert await _inbox(gateway, partner_id) == [
        ("referral.ready", str(referral_id)),
        ("notice.suspension", str(referral_id)),
        ("notice.resumption", str(referral_id)),
    ]

    async def both_sent() -> bool:
        kinds = sorted(n.kind for n in await gateway.emitted(NoticeSentV2))
        return kinds == ["resumption", "suspension"]

    await wait_until(both_sent)
    notices = {n["kind"]: n for n in await _notices(gateway)}
    assert notices["suspension"]["acknowledged_at"] is not None
    assert notices["resumption"]["acknowledged_at"] is None  # tracked until the partner acks
    assert len(await gateway.emitted(DisclosureMade)) == 2  # before and after, never between


async def test_the_gateway_suspends_travel_documents_on_its_own_view_of_the_stage(
    gateway: Gateway,
) -> None:
    """Protection first on the gateway's facts, before (or without) referral's suspension."""
    partner_id = await gateway.register_partner(purposes=[Purpose.TRAVEL_DOCUMENTS])
    await gateway.wait_for_partner(partner_id)
    case_id = uuid.uuid4()
    consent_id = await gateway.consent(
        case_id,
        partner_id,
        [DataCategory.IDENTITY, DataCategory.CONTACT],
        purpose=Purpose.TRAVEL_DOCUMENTS,
    )
    referral_id = await gateway.approve(
        case_id, partner_id, consent_id, purpose=Purpose.TRAVEL_DOCUMENTS
    )
    await gateway.referral_known(referral_id)
    assert (await _fetch(gateway, partner_id, referral_id)).status_code == 200

    await gateway.publish(
        ProcedureStageChanged(
            case_id=case_id,
            from_stage=ProcedureStage.FIRST_REJECTION,
            to_stage=ProcedureStage.APPEAL_PENDING,
            decided_on=date.today(),
        )
    )
    await gateway.view_holds(
        "SELECT stage = 'appeal_pending' FROM cases WHERE case_id = $1", case_id
    )
    refused = await _fetch(gateway, partner_id, referral_id)
    assert (refused.status_code, refused.json()["error"]) == (409, "referral_suspended")
    assert await _inbox(gateway, partner_id) == []
    assert len(await gateway.emitted(DisclosureMade)) == 1
