"""Partners' status reports are checked against the referral's lifecycle before the 202.

What referral would dead-letter as impossible, the gateway refuses itself (409, nothing
emitted), so the case file's timeline never shows a status that never was.
"""

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from hub_contracts import PartnerStatusReportedV2, ReferralStatus, ReferralStatusChanged

from .conftest import Gateway

pytestmark = pytest.mark.integration


async def _report(
    gateway: Gateway, partner_id: uuid.UUID, referral_id: uuid.UUID, status: str, key: str = ""
) -> httpx.Response:
    body: dict[str, Any] = {"status": status}
    if status == "declined":
        body["reason_code"] = "no_capacity"
    headers = {**gateway.as_partner(partner_id), "Idempotency-Key": key or f"k-{uuid.uuid4()}"}
    return await gateway.http.post(
        f"/partner/referrals/{referral_id}/status", json=body, headers=headers
    )


async def _reported(gateway: Gateway, referral_id: uuid.UUID) -> list[str]:
    return [
        str(r.status)
        for r in await gateway.emitted(PartnerStatusReportedV2)
        if r.referral_id == referral_id
    ]


async def test_impossible_reports_are_409_naming_the_status_and_nothing_is_emitted(
    gateway: Gateway,
) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()

    completed = await _report(gateway, partner_id, referral_id, "completed")
    assert completed.status_code == 409, completed.text
    assert completed.json()["error"] == "impossible_transition"
    assert "completed cannot follow approved" in completed.json()["detail"]
    assert "may follow: accepted, declined" in completed.json()["detail"]

    key = f"accept-{uuid.uuid4()}"
    accepted = await _report(gateway, partner_id, referral_id, "accepted", key)
    assert accepted.status_code == 202, accepted.text

    declined = await _report(gateway, partner_id, referral_id, "declined")
    assert declined.status_code == 409, declined.text
    detail = declined.json()["detail"]
    assert "declined cannot follow accepted" in detail
    assert "The referral is accepted; status reports that may follow: in_progress" in detail
    assert await _reported(gateway, referral_id) == ["accepted"]

    # A lost answer asked again with the same key is still the stored 202, even though
    # "accepted" could not follow "accepted" as a new step.
    replay = await _report(gateway, partner_id, referral_id, "accepted", key)
    assert replay.status_code == 202
    assert replay.json() == accepted.json()
    assert replay.headers["idempotent-replayed"] == "true"

    for status in ("in_progress", "completed"):
        assert (await _report(gateway, partner_id, referral_id, status)).status_code == 202
    assert await _reported(gateway, referral_id) == ["accepted", "in_progress", "completed"]


async def test_two_concurrent_answers_do_not_both_pass(gateway: Gateway) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    assert gateway.runtime.context is not None
    # Hold the referral's row while both requests arrive: each must wait for it and then see
    # what the other left, instead of both checking against "approved".
    async with gateway.runtime.context.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM referrals WHERE referral_id = $1 FOR UPDATE", referral_id)
        both = asyncio.gather(
            _report(gateway, partner_id, referral_id, "accepted"),
            _report(gateway, partner_id, referral_id, "declined"),
        )
        await asyncio.sleep(0.5)
    answers = sorted(r.status_code for r in await both)
    assert answers == [202, 409]
    assert len(await _reported(gateway, referral_id)) == 1


async def test_after_a_withdrawal_or_an_expiry_a_late_answer_is_accepted_for_the_record(
    gateway: Gateway,
) -> None:
    partner_id, case_id, consent_id, referral_id = await gateway.approved_referral()
    await gateway.withdraw(case_id, consent_id, partner_id)
    await gateway.view_holds(
        "SELECT status = 'withdrawn' FROM referrals WHERE referral_id = $1", referral_id
    )
    # referral takes a late answer without changing anything (and never dead-letters it)
    assert (await _report(gateway, partner_id, referral_id, "completed")).status_code == 202

    partner_id, case_id, _, expiring = await gateway.approved_referral()
    await gateway.publish(
        ReferralStatusChanged(
            case_id=case_id,
            referral_id=expiring,
            partner_id=partner_id,
            from_status=ReferralStatus.APPROVED,
            to_status=ReferralStatus.EXPIRED,
            reason_code="no_answer_in_time",
        )
    )
    await gateway.view_holds(
        "SELECT status = 'expired' FROM referrals WHERE referral_id = $1", expiring
    )
    assert (await _report(gateway, partner_id, expiring, "completed")).status_code == 202
