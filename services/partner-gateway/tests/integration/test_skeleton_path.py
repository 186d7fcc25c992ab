"""The walking skeleton through the gateway: approval -> signed webhook -> fetch -> accepted."""

import json
import time
import uuid

import httpx
import pytest
from hub_contracts import (
    DisclosureMade,
    PartnerReportedStatus,
    PartnerStatusReportedV2,
    ReferralDelivered,
)
from hub_runtime.testing import wait_until
from partner_gateway.domain.signing import sign

from .conftest import Gateway

pytestmark = pytest.mark.integration


async def test_an_approved_referral_reaches_the_partner_who_fetches_and_accepts(
    gateway: Gateway,
) -> None:
    partner_id, sim = await gateway.simulated_partner()
    case_id = uuid.uuid4()
    consent_id = await gateway.consent(case_id, partner_id)
    referral_id = await gateway.approve(case_id, partner_id, consent_id)

    async def accepted() -> bool:
        return sim.record.reported.get(str(referral_id)) == "accepted"

    await wait_until(accepted, within=30)
    await gateway.wait_for_event(
        PartnerStatusReportedV2,
        lambda p: p.referral_id == referral_id and p.status is PartnerReportedStatus.ACCEPTED,
    )
    # the partner may report before the gateway has recorded the delivery: wait for both
    await gateway.wait_for_event(ReferralDelivered, lambda d: d.referral_id == referral_id)
    delivered = await gateway.emitted(ReferralDelivered)
    assert [(d.referral_id, d.partner_id, d.case_id) for d in delivered] == [
        (referral_id, partner_id, case_id)
    ]
    # only the consented categories reached the partner, although casefile sent one more
    assert sim.record.fetched[str(referral_id)] == ["contact", "identity"]
    disclosed = await gateway.emitted(DisclosureMade)
    assert len(disclosed) == 1
    assert disclosed[0].referral_id == referral_id
    assert disclosed[0].consent_id == consent_id
    assert sorted(disclosed[0].data_categories) == ["contact", "identity"]
    assert disclosed[0].legal_basis == "explicit_consent_gdpr_49_1_a"  # AF is outside the EEA
    # casefile was asked for exactly the consented categories of that case
    assert gateway.casefile.requests == [
        {
            "case_id": str(case_id),
            "referral_id": str(referral_id),
            "partner_id": str(partner_id),
            "consent_id": str(consent_id),
            "purpose": "reintegration_support",
            "data_categories": ["identity", "contact"],
        }
    ]
    log = await gateway.disclosures(referral_id)
    assert [(e["partner_id"], e["consent_id"], e["legal_basis"]) for e in log] == [
        (str(partner_id), str(consent_id), "explicit_consent_gdpr_49_1_a")
    ]
    assert sorted(log[0]["data_categories"]) == ["contact", "identity"]


async def test_the_webhook_is_thin_and_signed_per_standard_webhooks(gateway: Gateway) -> None:
    partner_id, sim = await gateway.simulated_partner()
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )

    async def notified() -> bool:
        return str(referral_id) in sim.record.referrals_notified

    await wait_until(notified)
    inbox = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
    [item] = inbox.json()["items"]
    # ids and what happened, nothing else
    assert item["type"] == "referral.ready"
    assert set(item["data"]) == {"referral_id", "purpose"}
    assert item["id"] == sim.record.applied[0]


async def test_a_webhook_id_seen_twice_is_applied_once(gateway: Gateway) -> None:
    partner_id, sim = await gateway.simulated_partner()
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )

    async def reported() -> bool:
        return str(referral_id) in sim.record.reported

    await wait_until(reported)
    # the gateway (e.g. after a crash before it recorded the success) sends the same id again
    inbox = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
    [item] = inbox.json()["items"]
    body = json.dumps(item, separators=(",", ":"), sort_keys=True).encode()
    assert sim.webhook_secret is not None
    headers = sign([sim.webhook_secret], item["id"], int(time.time()), body).as_dict()
    async with httpx.AsyncClient() as client:
        again = await client.post(sim.webhook_url, content=body, headers=headers)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    await sim.idle()
    assert sim.record.applied == [item["id"]]
    assert sim.record.duplicates == 1
    statuses = await gateway.emitted(PartnerStatusReportedV2)
    assert [s.referral_id for s in statuses] == [referral_id]


async def test_the_disclosure_call_carries_the_callers_trace(gateway: Gateway) -> None:
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )
    await gateway.referral_known(referral_id)
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    response = await gateway.http.get(
        f"/partner/referrals/{referral_id}",
        headers={**gateway.as_partner(partner_id), "traceparent": traceparent},
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    [sent] = gateway.casefile.trace_headers
    assert sent is not None
    assert sent.split("-")[1] == trace_id
