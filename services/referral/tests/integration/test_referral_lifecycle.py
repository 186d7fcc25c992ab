"""Withdrawal, reviews, partner reports, expiry and disclosures on the real stack."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hub_contracts import (
    ConsentWithdrawn,
    DisclosureMade,
    PartnerStatusReported,
    PersonErased,
    ReferralApproved,
    ReferralDelivered,
    ReferralRefused,
    ReferralRefusedV2,
    ReferralRefusedV3,
    ReferralStatusChangedV2,
    Topic,
)
from hub_runtime.auth import Role
from hub_runtime.bus import MessageBus
from hub_runtime.testing import wait_until
from referral.clock import Clock
from referral.deps import Deps
from referral.messages import ExpireUnanswered
from referral.routes import ROUTES
from referral.unit_of_work import unit_of_work_factory
from referral.vault import CaseVault

pytestmark = pytest.mark.integration

GATEWAY = "urn:council-hub:partner-gateway"
CASEFILE = "urn:council-hub:casefile"


def bus_of(stack: Any) -> Any:
    """A bus on the running service's database, as its expiry worker has one."""
    deps = Deps(Clock(), CaseVault("test-only"))
    return MessageBus(ROUTES, unit_of_work_factory(stack.runtime.context.pool), deps)


async def approved_referral(stack: Any, **case: Any) -> tuple[uuid.UUID, dict[str, Any], str, str]:
    """A case, a partner, a consent and an approved referral: (case, partner, consent, referral)."""
    case_id = await stack.open_case(**case)
    partner = await stack.register_partner()
    consent = await stack.grant(case_id, partner["partner_id"])
    assert consent.status_code == 201, consent.text
    response = await stack.refer(case_id, partner["partner_id"])
    assert response.json()["status"] == "approved", response.text
    return case_id, partner, consent.json()["consent_id"], response.json()["referral_id"]


async def report(
    stack: Any,
    case_id: uuid.UUID,
    partner: dict[str, Any],
    referral_id: str,
    status: str,
    reason_code: str | None = None,
) -> Any:
    return await stack.publish(
        PartnerStatusReported(
            case_id=case_id,
            referral_id=uuid.UUID(referral_id),
            partner_id=uuid.UUID(partner["partner_id"]),
            status=status,
            reason_code=reason_code,
            reported_at=datetime.now(UTC),
        ),
        Topic.PARTNER_EVENTS,
        GATEWAY,
    )


async def applied(stack: Any, event_id: uuid.UUID) -> None:
    """Wait until the consumer has applied (or skipped as a duplicate) this envelope."""
    pool = stack.runtime.context.pool

    async def in_inbox() -> bool:
        return bool(await pool.fetchval("SELECT 1 FROM hub_inbox WHERE event_id = $1", event_id))

    await wait_until(in_inbox)


async def status_of(stack: Any, referral_id: str) -> dict[str, Any]:
    response = await stack.http.get(
        f"/referrals/{referral_id}", headers=stack.token(Role.COUNSELLOR)
    )
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def changes_of(events: list[tuple[Any, Any]], referral_id: str) -> list[str]:
    return [
        p.to_status.value
        for _, p in events
        if isinstance(p, ReferralStatusChangedV2) and str(p.referral_id) == referral_id
    ]


async def test_withdrawal_closes_the_referral_and_a_late_acceptance_changes_nothing(
    stack: Any,
) -> None:
    case_id, partner, consent_id, referral_id = await approved_referral(stack)
    withdrawn = await stack.http.post(
        f"/consents/{consent_id}/withdraw", headers=stack.token(Role.COUNSELLOR, "c-2")
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawn_by"] == "c-2"
    await stack.wait_for_event(
        lambda p: isinstance(p, ConsentWithdrawn) and str(p.consent_id) == consent_id
    )
    change = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralStatusChangedV2) and str(p.referral_id) == referral_id
    )
    assert (change.from_status, change.to_status, change.reason_code) == (
        "approved",
        "withdrawn",
        "consent_withdrawn",
    )

    late = await report(stack, case_id, partner, referral_id, "accepted")
    await applied(stack, late.id)
    assert (await status_of(stack, referral_id))["status"] == "withdrawn"
    assert changes_of(await stack.events(), referral_id) == ["withdrawn"]
    assert await stack.dead_letters(Topic.PARTNER_EVENTS) == []

    again = await stack.http.post(
        f"/consents/{consent_id}/withdraw", headers=stack.token(Role.COUNSELLOR)
    )
    assert again.status_code == 409
    # And a new referral under the withdrawn consent is refused, saying so.
    refused = await stack.refer(case_id, partner["partner_id"])
    assert refused.json()["status"] == "refused"
    assert [r["code"] for r in refused.json()["refusal_reasons"]] == ["consent_withdrawn"]


async def test_a_refusal_names_every_reason_in_sentences(stack: Any) -> None:
    case_id = await stack.open_case(decision=None, stage="appeal_pending")
    partner = await stack.register_partner(agreement_reference=None)
    response = await stack.refer(
        case_id, partner["partner_id"], purpose="travel_documents", data_categories=["identity"]
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "refused"
    codes = [r["code"] for r in body["refusal_reasons"]]
    assert codes == [
        "agreement_invalid",
        "consent_missing",
        "appeal_pending_travel_documents",
        "decision_missing",
    ]
    assert all(r["text"].endswith(".") for r in body["refusal_reasons"])
    refused = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralRefusedV3) and str(p.referral_id) == body["referral_id"]
    )
    assert [r.value for r in refused.reasons] == codes
    listed = await stack.http.get(
        f"/cases/{case_id}/referrals", headers=stack.token(Role.COUNSELLOR)
    )
    assert [r["referral_id"] for r in listed.json()] == [body["referral_id"]]


async def test_a_coordinators_refusal_is_published_as_refused_at_review(stack: Any) -> None:
    case_id = await stack.open_case(has_minors=True)  # decided, consented: no rule fails
    partner = await stack.register_partner()
    assert (await stack.grant(case_id, partner["partner_id"])).status_code == 201
    body = (await stack.refer(case_id, partner["partner_id"])).json()
    assert body["status"] == "awaiting_review"
    assert [r["code"] for r in body["review_points"]] == ["needs_coordinator_review"]

    refusal = {"decision": "refuse", "reason": "Not now: the family asked for time."}
    done = await stack.http.post(
        f"/referrals/{body['referral_id']}/review",
        json=refusal,
        headers=stack.token(Role.COORDINATOR, "co-2"),
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "refused"
    reasons = done.json()["refusal_reasons"]
    assert [r["code"] for r in reasons] == ["refused_at_review"]
    assert "coordinator" in reasons[0]["text"]

    event = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralRefusedV3) and str(p.referral_id) == body["referral_id"]
    )
    # Codes only on Kafka: the sentence is rendered at the edge.
    assert [r.value for r in event.reasons] == ["refused_at_review"]
    envelopes = [
        envelope
        for envelope, payload in await stack.events()
        if getattr(payload, "referral_id", None) == event.referral_id
    ]
    refusals = [e for e in envelopes if ".ReferralRefused." in e.type]
    assert [e.type for e in refusals] == ["council.referral.ReferralRefused.v3"]
    older = [
        p for _, p in await stack.events() if isinstance(p, ReferralRefused | ReferralRefusedV2)
    ]
    assert not older
    # The coordinator's written reason stays in the review audit, never on Kafka.
    assert all(refusal["reason"] not in e.model_dump_json() for e in envelopes)


async def test_minors_go_to_review_and_an_override_is_audited(stack: Any) -> None:
    case_id = await stack.open_case(decision=None, has_minors=True)
    partner = await stack.register_partner()
    assert (await stack.grant(case_id, partner["partner_id"])).status_code == 201
    response = await stack.refer(case_id, partner["partner_id"])
    body = response.json()
    assert body["status"] == "awaiting_review"
    assert [r["code"] for r in body["review_points"]] == [
        "needs_coordinator_review",
        "decision_missing",
    ]
    url = f"/referrals/{body['referral_id']}/review"
    decision = {"decision": "override", "reason": "The family asked to hear about IOM first."}
    forbidden = await stack.http.post(url, json=decision, headers=stack.token(Role.COUNSELLOR))
    assert forbidden.status_code == 403
    plain = await stack.http.post(
        url, json={**decision, "decision": "approve"}, headers=stack.token(Role.COORDINATOR)
    )
    assert plain.status_code == 409
    assert "override" in plain.json()["detail"]

    done = await stack.http.post(url, json=decision, headers=stack.token(Role.COORDINATOR, "co-1"))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "approved"
    review = done.json()["review"]
    assert review["overridden_codes"] == ["decision_missing"]
    assert review["reviewed_by"] == "co-1"
    assert review["reason"] == decision["reason"]
    await stack.wait_for_event(
        lambda p: isinstance(p, ReferralApproved) and str(p.referral_id) == body["referral_id"]
    )
    twice = await stack.http.post(url, json=decision, headers=stack.token(Role.COORDINATOR))
    assert twice.status_code == 409


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_the_partner_closes_the_lifecycle_and_out_of_order_reports_are_dead_lettered(
    stack: Any,
) -> None:
    case_id, partner, _, referral_id = await approved_referral(stack)
    early = await report(stack, case_id, partner, referral_id, "completed")
    delivered = await stack.publish(
        ReferralDelivered(
            case_id=case_id,
            referral_id=uuid.UUID(referral_id),
            partner_id=uuid.UUID(partner["partner_id"]),
            attempt=1,
        ),
        Topic.PARTNER_EVENTS,
        GATEWAY,
    )
    await applied(stack, delivered.id)
    letters = await stack.dead_letters(Topic.PARTNER_EVENTS)
    assert len(letters) == 1
    assert "completed cannot follow approved" in letters[0]["dlq-error"]
    assert letters[0]["dlq-consumer"] == "referral"
    assert early.id  # the early report changed nothing: the delivery applied from approved

    for status in ("accepted", "in_progress", "completed"):
        await report(stack, case_id, partner, referral_id, status)

    await stack.wait_for_event(
        lambda p: (
            isinstance(p, ReferralStatusChangedV2)
            and str(p.referral_id) == referral_id
            and p.to_status == "completed"
        )
    )
    assert (await status_of(stack, referral_id))["status"] == "completed"
    assert changes_of(await stack.events(), referral_id) == [
        "delivered",
        "accepted",
        "in_progress",
        "completed",
    ]


async def test_a_decline_keeps_the_partners_reason(stack: Any) -> None:
    case_id, partner, _, referral_id = await approved_referral(stack)
    await report(stack, case_id, partner, referral_id, "declined", "no_capacity")
    change = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralStatusChangedV2) and p.to_status == "declined"
    )
    assert change.reason_code == "no_capacity"


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_report_for_an_unknown_referral_is_dead_lettered(stack: Any) -> None:
    case_id, partner, _, _ = await approved_referral(stack)
    await report(stack, case_id, partner, str(uuid.uuid4()), "accepted")

    async def lettered() -> bool:
        return bool(await stack.dead_letters(Topic.PARTNER_EVENTS))

    await wait_until(lettered)
    assert "unknown" in (await stack.dead_letters(Topic.PARTNER_EVENTS))[0]["dlq-error"]


async def test_unanswered_referrals_expire_exactly_once(stack_factory: Any) -> None:
    stack = await stack_factory(answer_timeout_seconds=1.0, expiry_check_seconds=0.2)
    _, _, _, referral_id = await approved_referral(stack)
    change = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralStatusChangedV2) and str(p.referral_id) == referral_id
    )
    assert (change.to_status, change.reason_code) == ("expired", "no_partner_answer")
    # More expiry rounds, in parallel with the worker, find nothing more to do.
    rounds = [bus_of(stack).dispatch(ExpireUnanswered(timedelta(seconds=1))) for _ in range(4)]
    assert sum(await asyncio.gather(*rounds)) == 0
    assert changes_of(await stack.events(), referral_id) == ["expired"]


async def test_parallel_expiry_rounds_expire_each_referral_once(stack_factory: Any) -> None:
    # The worker waits an hour between rounds: only the rounds of this test run.
    stack = await stack_factory(answer_timeout_seconds=0.5, expiry_check_seconds=3600)
    ids = [(await approved_referral(stack))[3] for _ in range(3)]
    await asyncio.sleep(0.6)  # let the answer time pass (a precondition, not an assertion)
    rounds = [
        bus_of(stack).dispatch(ExpireUnanswered(timedelta(seconds=0.5), batch=2)) for _ in range(6)
    ]
    total = sum(await asyncio.gather(*rounds))
    total += await bus_of(stack).dispatch(ExpireUnanswered(timedelta(seconds=0.5)))
    assert total == 3
    for referral_id in ids:
        await stack.wait_for_event(
            lambda p, r=referral_id: (
                isinstance(p, ReferralStatusChangedV2) and str(p.referral_id) == r
            )
        )
    events = await stack.events()
    assert [changes_of(events, i) for i in ids] == [["expired"]] * 3


async def test_erasure_withdraws_open_referrals_and_blocks_new_ones(stack: Any) -> None:
    case_id, partner, _, referral_id = await approved_referral(stack)
    await stack.publish(
        PersonErased(case_id=case_id, erased_at=datetime.now(UTC)), Topic.CASEFILE_EVENTS, CASEFILE
    )
    change = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralStatusChangedV2) and str(p.referral_id) == referral_id
    )
    assert (change.to_status, change.reason_code) == ("withdrawn", "person_erased")
    again = await stack.refer(case_id, partner["partner_id"])
    assert again.status_code == 410
    assert again.json()["error"] == "person_erased"
    consent = await stack.grant(case_id, partner["partner_id"], purposes=["reintegration_support"])
    assert consent.status_code == 410
    listed = await stack.http.get(
        f"/cases/{case_id}/referrals", headers=stack.token(Role.COUNSELLOR)
    )
    assert len(listed.json()) == 1


async def test_the_person_can_learn_every_recipient(stack: Any) -> None:
    case_id, partner, consent_id, referral_id = await approved_referral(stack)
    disclosure = await stack.publish(
        DisclosureMade(
            case_id=case_id,
            referral_id=uuid.UUID(referral_id),
            partner_id=uuid.UUID(partner["partner_id"]),
            consent_id=uuid.UUID(consent_id),
            data_categories=["identity"],
            legal_basis="explicit_consent_gdpr_49_1_a",
        ),
        Topic.PARTNER_EVENTS,
        GATEWAY,
    )
    await applied(stack, disclosure.id)
    response = await stack.http.get(
        f"/cases/{case_id}/disclosures", headers=stack.token(Role.COUNSELLOR)
    )
    assert response.status_code == 200
    [entry] = response.json()
    assert entry["partner_name"] == "IOM Netherlands"
    assert entry["referral_id"] == referral_id
    assert entry["data_categories"] == ["identity"]
    assert entry["legal_basis"] == "explicit_consent_gdpr_49_1_a"


async def test_a_withdrawal_closes_every_open_referral_under_the_consent(stack: Any) -> None:
    case_id = await stack.open_case(has_minors=True)
    partner = await stack.register_partner()
    consent = await stack.grant(
        case_id, partner["partner_id"], purposes=["return_counselling", "reintegration_support"]
    )
    consent_id = consent.json()["consent_id"]
    accepted = (await stack.refer(case_id, partner["partner_id"])).json()
    waiting = (
        await stack.refer(case_id, partner["partner_id"], purpose="reintegration_support")
    ).json()
    assert (accepted["status"], waiting["status"]) == ("awaiting_review", "awaiting_review")
    review = await stack.http.post(
        f"/referrals/{accepted['referral_id']}/review",
        json={"decision": "approve", "reason": "Checked with the family and their guardian."},
        headers=stack.token(Role.COORDINATOR),
    )
    assert review.json()["status"] == "approved"
    answer = await report(stack, case_id, partner, accepted["referral_id"], "accepted")
    await applied(stack, answer.id)

    withdrawn = await stack.http.post(
        f"/consents/{consent_id}/withdraw", headers=stack.token(Role.COUNSELLOR)
    )
    assert withdrawn.status_code == 200
    for referral in (accepted, waiting):
        change = await stack.wait_for_event(
            lambda p, r=referral["referral_id"]: (
                isinstance(p, ReferralStatusChangedV2)
                and str(p.referral_id) == r
                and p.to_status == "withdrawn"
            )
        )
        assert change.reason_code == "consent_withdrawn"
    listed = await stack.http.get(
        f"/cases/{case_id}/referrals", headers=stack.token(Role.COUNSELLOR)
    )
    assert {r["status"] for r in listed.json()} == {"withdrawn"}
    # Public statuses on Kafka: the one awaiting review was still "requested".
    events = await stack.events()
    froms = {
        str(p.referral_id): p.from_status.value
        for _, p in events
        if isinstance(p, ReferralStatusChangedV2) and p.to_status == "withdrawn"
    }
    assert froms == {accepted["referral_id"]: "accepted", waiting["referral_id"]: "requested"}
