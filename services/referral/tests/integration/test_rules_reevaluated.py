"""The privacy rules re-checked when their inputs change, on the real PostgreSQL and Kafka.

Issue 12's second scenario: a travel-documents referral approved at first_rejection must stop
while an appeal is pending or a new application is in procedure (suspended: open, discloses
nothing, the gateway told through ReferralStatusChanged.v2), and return to the status it had
when the stage allows it again. A closed case withdraws its referrals and takes nothing new; an
expired consent withdraws what travelled under it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hub_contracts import (
    CaseClosed,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    ProcedureStageChanged,
    ReferralDelivered,
    ReferralStatusChangedV2,
    Topic,
)
from hub_runtime.auth import Role
from hub_runtime.testing import wait_until

pytestmark = pytest.mark.integration

CASEFILE = "urn:council-hub:casefile"
GATEWAY = "urn:council-hub:partner-gateway"
TRAVEL = {"purposes": ["travel_documents"], "data_categories": ["identity", "travel_documents"]}


async def travel_referral(stack: Any, stage: str = "first_rejection") -> tuple[uuid.UUID, str, str]:
    """An approved travel-documents referral: (case id, partner id, referral id)."""
    case_id = await stack.open_case(stage=stage)
    partner = (await stack.register_partner())["partner_id"]
    consent = await stack.grant(case_id, partner, **TRAVEL)
    assert consent.status_code == 201, consent.text
    response = await stack.refer(
        case_id,
        partner,
        purpose="travel_documents",
        data_categories=["identity", "travel_documents"],
    )
    assert response.json()["status"] == "approved", response.text
    return case_id, partner, response.json()["referral_id"]


async def change_stage(stack: Any, case_id: uuid.UUID, from_stage: str, to_stage: str) -> None:
    await stack.publish(
        ProcedureStageChanged(
            case_id=case_id,
            from_stage=from_stage,
            to_stage=to_stage,
            decided_on=stack.today(),
        ),
        Topic.CASEFILE_EVENTS,
        CASEFILE,
    )


async def status_becomes(stack: Any, referral_id: str, status: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def reached() -> bool:
        response = await stack.http.get(
            f"/referrals/{referral_id}", headers=stack.token(Role.COUNSELLOR)
        )
        found.update(response.json())
        return bool(found["status"] == status)

    await wait_until(reached)
    return found


async def changes(stack: Any, referral_id: str) -> list[tuple[str, str, str | None]]:
    return [
        (p.from_status.value, p.to_status.value, p.reason_code and p.reason_code.value)
        for _, p in await stack.events()
        if isinstance(p, ReferralStatusChangedV2) and str(p.referral_id) == referral_id
    ]


async def test_an_appeal_suspends_a_travel_documents_referral_and_the_ruling_resumes_it(
    stack: Any,
) -> None:
    case_id, partner, referral_id = await travel_referral(stack)
    await stack.publish(
        ReferralDelivered(
            case_id=case_id,
            referral_id=uuid.UUID(referral_id),
            partner_id=uuid.UUID(partner),
            attempt=1,
        ),
        Topic.PARTNER_EVENTS,
        GATEWAY,
    )
    await status_becomes(stack, referral_id, "delivered")

    await change_stage(stack, case_id, "first_rejection", "appeal_pending")
    suspended = await status_becomes(stack, referral_id, "suspended")
    assert suspended["status_reason"] == "protection_first"
    # The gateway learns it from the event (it stops every disclosure of a suspended referral).
    event = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralStatusChangedV2) and p.to_status == "suspended"
    )
    assert (str(event.referral_id), event.from_status, event.reason_code) == (
        referral_id,
        "delivered",
        "protection_first",
    )
    # Suspended is open: no second referral for the same partner and purpose meanwhile.
    again = await stack.refer(
        case_id, partner, purpose="travel_documents", data_categories=["identity"]
    )
    assert (again.status_code, again.json()["existing_referral_id"]) == (409, referral_id)
    # A partner's answer while suspended changes nothing (it waits for the resumption).
    late = await stack.publish(
        PartnerStatusReportedV2(
            case_id=case_id,
            referral_id=uuid.UUID(referral_id),
            partner_id=uuid.UUID(partner),
            status="accepted",
            reported_at=datetime.now(UTC),
        ),
        Topic.PARTNER_EVENTS,
        GATEWAY,
    )
    await _applied(stack, late.id)
    assert (await status_becomes(stack, referral_id, "suspended"))["status"] == "suspended"

    await change_stage(stack, case_id, "appeal_pending", "final_rejection")
    resumed = await status_becomes(stack, referral_id, "delivered")
    assert resumed["status_reason"] == "stage_allows_again"

    # A new application: in procedure, suspended again.
    await change_stage(stack, case_id, "final_rejection", "in_procedure")
    await status_becomes(stack, referral_id, "suspended")

    async def all_published() -> bool:
        return len(await changes(stack, referral_id)) == 4

    await wait_until(all_published)
    assert await changes(stack, referral_id) == [
        ("approved", "delivered", None),
        ("delivered", "suspended", "protection_first"),
        ("suspended", "delivered", "stage_allows_again"),
        ("delivered", "suspended", "protection_first"),
    ]
    assert await stack.dead_letters(Topic.PARTNER_EVENTS) == []
    assert await stack.dead_letters(Topic.CASEFILE_EVENTS) == []


async def test_an_approved_referral_returns_to_approved_and_other_purposes_are_not_suspended(
    stack: Any,
) -> None:
    case_id, partner, referral_id = await travel_referral(stack)
    counselling_consent = await stack.grant(case_id, partner)  # return_counselling, identity
    assert counselling_consent.status_code == 201, counselling_consent.text
    counselling = await stack.refer(case_id, partner)
    assert counselling.json()["status"] == "approved"

    await change_stage(stack, case_id, "first_rejection", "appeal_pending")
    await status_becomes(stack, referral_id, "suspended")
    await change_stage(stack, case_id, "appeal_pending", "final_rejection")
    await status_becomes(stack, referral_id, "approved")
    # Counselling needs no contact with the origin country: never suspended.
    assert await changes(stack, counselling.json()["referral_id"]) == []


async def test_a_closed_case_withdraws_its_referrals_and_takes_nothing_new(stack: Any) -> None:
    case_id, partner, travel = await travel_referral(stack)
    await change_stage(stack, case_id, "first_rejection", "appeal_pending")
    await status_becomes(stack, travel, "suspended")
    # A person who needs review: a referral waiting for the coordinator.
    reviewed_case = await stack.open_case(has_minors=True)
    assert (await stack.grant(reviewed_case, partner)).status_code == 201
    waiting = (await stack.refer(reviewed_case, partner)).json()
    assert waiting["status"] == "awaiting_review"

    for closed in (case_id, reviewed_case):
        await stack.publish(
            CaseClosed(case_id=closed, closed_on=stack.today()), Topic.CASEFILE_EVENTS, CASEFILE
        )
    withdrawn = await status_becomes(stack, travel, "withdrawn")
    assert withdrawn["status_reason"] == "case_closed"
    assert (await status_becomes(stack, waiting["referral_id"], "withdrawn"))[
        "status_reason"
    ] == "case_closed"
    assert (await changes(stack, travel))[-1] == ("suspended", "withdrawn", "case_closed")

    consent = await stack.grant(case_id, partner, purposes=["reintegration_support"])
    assert (consent.status_code, consent.json()["error"]) == (409, "case_closed")
    assert consent.json()["detail"] == "The case is closed: nothing more is referred."
    referral = await stack.refer(case_id, partner, purpose="reintegration_support")
    assert (referral.status_code, referral.json()["error"]) == (409, "case_closed")
    review = await stack.http.post(
        f"/referrals/{waiting['referral_id']}/review",
        json={"decision": "approve", "reason": "The family agreed in the last meeting."},
        headers=stack.token(Role.COORDINATOR),
    )
    assert (review.status_code, review.json()["error"]) == (409, "case_closed")
    assert (await status_becomes(stack, waiting["referral_id"], "withdrawn"))["review"] is None


async def test_a_consent_that_expires_withdraws_the_referrals_under_it(stack_factory: Any) -> None:
    stack = await stack_factory(expiry_check_seconds=0.2)
    case_id = await stack.open_case()
    partner = (await stack.register_partner())["partner_id"]
    consent = (await stack.grant(case_id, partner)).json()
    referral = (await stack.refer(case_id, partner)).json()
    assert referral["status"] == "approved"
    # Time passes: the consent's last day was yesterday (the worker's next round sees it).
    await stack.runtime.context.pool.execute(
        "UPDATE consents SET valid_from = $2, valid_until = $3 WHERE consent_id = $1",
        uuid.UUID(consent["consent_id"]),
        stack.today() - timedelta(days=10),
        stack.today() - timedelta(days=1),
    )
    withdrawn = await status_becomes(stack, referral["referral_id"], "withdrawn")
    assert withdrawn["status_reason"] == "consent_expired"
    assert await changes(stack, referral["referral_id"]) == [
        ("approved", "withdrawn", "consent_expired")
    ]


async def test_a_v1_decline_reason_outside_the_closed_list_is_not_carried_on(stack: Any) -> None:
    case_id = await stack.open_case()
    partner = (await stack.register_partner())["partner_id"]
    assert (await stack.grant(case_id, partner)).status_code == 201
    referral_id = (await stack.refer(case_id, partner)).json()["referral_id"]
    await stack.publish(
        PartnerStatusReported(
            case_id=case_id,
            referral_id=uuid.UUID(referral_id),
            partner_id=uuid.UUID(partner),
            status="declined",
            reason_code="jan_jansen_diabetes",
            reported_at=datetime.now(UTC),
        ),
        Topic.PARTNER_EVENTS,
        GATEWAY,
    )
    declined = await status_becomes(stack, referral_id, "declined")
    assert declined["status_reason"] == "other"

    async def published() -> bool:
        return any(to == "declined" for _, to, _ in await changes(stack, referral_id))

    await wait_until(published)
    assert (await changes(stack, referral_id))[-1] == ("delivered", "declined", "other")
    assert "jan_jansen" not in str(await stack.events())


async def _applied(stack: Any, event_id: uuid.UUID) -> None:
    pool = stack.runtime.context.pool

    async def in_inbox() -> bool:
        return bool(await pool.fetchval("SELECT 1 FROM hub_inbox WHERE event_id = $1", event_id))

    await wait_until(in_inbox)
