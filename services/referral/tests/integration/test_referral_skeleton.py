"""The walking skeleton of referral on the real Kafka and Postgres."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hub_contracts import (
    ConsentGranted,
    PartnerRegistered,
    PartnerStatusReported,
    ReferralApproved,
    ReferralRequested,
    ReferralStatusChangedV2,
    Topic,
)
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

GATEWAY = "urn:council-hub:partner-gateway"


async def test_consented_referral_is_approved_and_the_partners_acceptance_is_recorded(
    stack,  # type: ignore[no-untyped-def]
) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    registered = await stack.wait_for_event(
        lambda p: isinstance(p, PartnerRegistered) and str(p.partner_id) == partner["partner_id"]
    )
    assert registered.partner_type == "intergovernmental"

    consent = await stack.grant(case_id, partner["partner_id"])
    assert consent.status_code == 201, consent.text
    consent_id = consent.json()["consent_id"]
    await stack.wait_for_event(
        lambda p: isinstance(p, ConsentGranted) and str(p.consent_id) == consent_id
    )

    response = await stack.refer(case_id, partner["partner_id"])
    assert response.status_code == 201, response.text
    referral = response.json()
    assert referral["status"] == "approved"
    assert referral["consent_id"] == consent_id
    approved = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralApproved) and str(p.referral_id) == referral["referral_id"]
    )
    assert str(approved.consent_id) == consent_id
    assert approved.case_id == case_id
    types = [type(p) for _, p in await stack.events() if getattr(p, "case_id", None) == case_id]
    assert types.index(ReferralRequested) < types.index(ReferralApproved)

    await stack.publish(
        PartnerStatusReported(
            case_id=case_id,
            referral_id=uuid.UUID(referral["referral_id"]),
            partner_id=uuid.UUID(partner["partner_id"]),
            status="accepted",
            reported_at=datetime.now(UTC),
        ),
        Topic.PARTNER_EVENTS,
        GATEWAY,
    )
    accepted = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralStatusChangedV2) and p.to_status == "accepted"
    )
    assert str(accepted.referral_id) == referral["referral_id"]
    read = await stack.http.get(
        f"/referrals/{referral['referral_id']}", headers=stack.token(Role.COUNSELLOR)
    )
    assert read.json()["status"] == "accepted"
    # The delivery was implied by the answer, and each step is in the history.
    steps = [h["to_status"] for h in read.json()["history"]]
    assert steps == ["requested", "approved", "delivered", "accepted"]


async def test_operations_endpoints_answer(stack) -> None:  # type: ignore[no-untyped-def]
    assert (await stack.http.get("/ready")).json()["status"] == "pass"
    document = (await stack.http.get("/asyncapi.json")).json()
    addresses = {channel["address"] for channel in document["channels"].values()}
    read = ["referral.commands.v1", "casefile.events.v1", "partner.events.v1"]
    # What it reads and writes, and the dead letters of what it reads (the broker's names).
    assert addresses == {
        stack.hub.topic(t) for t in ["referral.events.v1", *read, *(f"{t}.dlq" for t in read)]
    }
    receives = {
        op["channel"]["$ref"] for op in document["operations"].values() if op["action"] == "receive"
    }
    assert "#/channels/referral_commands_v1" in receives


async def test_a_referral_for_a_case_not_yet_seen_is_409_with_a_reason(stack) -> None:  # type: ignore[no-untyped-def]
    partner = await stack.register_partner()
    response = await stack.refer(uuid.uuid4(), partner["partner_id"])
    assert response.status_code == 409
    assert response.json()["error"] == "case_not_known_yet"
    assert "not reached the referral service yet" in response.json()["detail"]
