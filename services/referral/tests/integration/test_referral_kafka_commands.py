"""Counsellors' tools' commands on `referral.commands.v1`, on the real stack.

The commands go through the HTTP API's rules: outcomes are the usual events with the command's
envelope id as `causationid`; what the rules refuse is dead-lettered with the reason and
changes nothing; a re-delivered command has one effect.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hub_contracts import (
    CaseOpened,
    ConsentGranted,
    ConsentWithdrawn,
    DataCategory,
    Envelope,
    EventPayload,
    GrantConsentCommand,
    Purpose,
    ReferralApproved,
    ReferralRefusedV3,
    ReferralRequested,
    ReferralStatusChangedV2,
    RequestReferralCommand,
    ReviewChoice,
    ReviewReferralCommand,
    StaffRole,
    Topic,
    WithdrawConsentCommand,
    new_envelope,
)
from hub_contracts.commands.referral import ConsentEvidence
from hub_runtime.auth import Role
from hub_runtime.kafka import ensure_topics
from hub_runtime.testing import wait_until

pytestmark = pytest.mark.integration

TOOL = "urn:council-hub:tool:counsellor-desk"
CASEFILE = "urn:council-hub:casefile"


# ---------------------------------------------------------------- helpers


def grant_command(stack: Any, case_id: uuid.UUID, partner_id: str, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "case_id": case_id,
        "requested_by": "counsellor-7",
        "role": StaffRole.COUNSELLOR,
        "partner_id": uuid.UUID(partner_id),
        "purposes": [Purpose.RETURN_COUNSELLING],
        "data_categories": [DataCategory.IDENTITY, DataCategory.CONTACT],
        "valid_from": stack.today(),
        "valid_until": stack.today() + timedelta(days=90),
        "evidence": ConsentEvidence(
            form_reference="CF-2025-0042",
            language="ar",
            interpreter_used=True,
            interpreter_reference="TVCG-4567",
            taken_by="counsellor-7",
            taken_at=datetime.now(UTC),
            informed_transfer_outside_eu=True,
        ),
        **changes,
    }
    return GrantConsentCommand(**fields)


def request_command(case_id: uuid.UUID, partner_id: str, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "case_id": case_id,
        "requested_by": "counsellor-7",
        "role": StaffRole.COUNSELLOR,
        "partner_id": uuid.UUID(partner_id),
        "purpose": Purpose.RETURN_COUNSELLING,
        "data_categories": [DataCategory.IDENTITY],
        **changes,
    }
    return RequestReferralCommand(**fields)


def envelope_of(command: EventPayload, subject: str | None = None) -> Envelope:
    case_id = command.envelope_subject()
    assert case_id is not None
    return new_envelope(command, source=TOOL, subject=subject or case_id)


async def send(stack: Any, envelope: Envelope) -> Envelope:
    """What a counsellors' tool does: one record on the command topic, keyed by the case."""
    topic = stack.hub.topic(Topic.REFERRAL_COMMANDS)
    # The service creates the topic when it starts its command consumer; a tool only writes.
    await ensure_topics(stack.hub, [topic], stack.hub.topic_partitions)
    await stack.producer.send_and_wait(topic, value=envelope.to_bytes(), key=envelope.kafka_key())
    return envelope


async def command(stack: Any, payload: EventPayload) -> Envelope:
    return await send(stack, envelope_of(payload))


async def caused_by(stack: Any, envelope: Envelope) -> list[Any]:
    """The events referral published because of this command, in order."""
    return [p for e, p in await stack.events() if e.causationid == envelope.id]


async def wait_for_effect(stack: Any, envelope: Envelope, kind: type[EventPayload]) -> Any:
    found: list[Any] = []

    async def seen() -> bool:
        found[:] = [p for p in await caused_by(stack, envelope) if isinstance(p, kind)]
        return bool(found)

    await wait_until(seen, within=30)
    return found[0]


async def wait_for_dead_letters(stack: Any, count: int) -> list[dict[str, str]]:
    letters: list[dict[str, str]] = []

    async def arrived() -> bool:
        letters[:] = await stack.dead_letters(Topic.REFERRAL_COMMANDS)
        return len(letters) >= count

    await wait_until(arrived, within=30)
    return letters


async def referrals_of(stack: Any, case_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await stack.http.get(
        f"/cases/{case_id}/referrals", headers=stack.token(Role.COUNSELLOR)
    )
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


async def receipts_of(stack: Any, case_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await stack.http.get(
        f"/cases/{case_id}/commands", headers=stack.token(Role.COORDINATOR)
    )
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


# ---------------------------------------------------------------- tests


async def test_a_consent_granted_by_command_names_the_command_as_its_cause(stack: Any) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    sent = await command(stack, grant_command(stack, case_id, partner["partner_id"]))

    granted = await wait_for_effect(stack, sent, ConsentGranted)
    assert (granted.case_id, str(granted.partner_id)) == (case_id, partner["partner_id"])
    [(envelope, _)] = [(e, p) for e, p in await stack.events() if e.causationid == sent.id]
    assert envelope.correlationid == sent.correlationid
    assert envelope.subject == str(case_id)
    [consent] = await stack.consents(case_id)
    assert consent["consent_id"] == str(granted.consent_id)
    assert consent["evidence"]["form_reference"] == "CF-2025-0042"
    assert consent["evidence"]["taken_by"] == "counsellor-7"
    assert await stack.dead_letters(Topic.REFERRAL_COMMANDS) == []
    # The audit of who asked: the staff member the tool asserts, the tool, the principal.
    [receipt] = await receipts_of(stack, case_id)
    assert receipt | {"applied_at": None} == {
        "command_id": str(sent.id),
        "command_type": "council.referral.GrantConsentCommand.v1",
        "staff_login": "counsellor-7",
        "staff_role": "counsellor",
        "tool": "counsellor-desk",
        "kafka_principal": "User:tools",
        "applied_at": None,
    }
    counsellor = stack.token(Role.COUNSELLOR)
    forbidden = await stack.http.get(f"/cases/{case_id}/commands", headers=counsellor)
    assert forbidden.status_code == 403


async def test_a_referral_requested_by_command_is_decided_by_the_policy(stack: Any) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    pid = partner["partner_id"]
    # Without a consent the policy refuses: an event with every reason, not a dead letter.
    unconsented = await command(stack, request_command(case_id, pid))
    refused = await wait_for_effect(stack, unconsented, ReferralRefusedV3)
    assert "consent_missing" in refused.reasons

    await command(stack, grant_command(stack, case_id, pid))
    sent = await command(stack, request_command(case_id, pid, requested_by="counsellor-9"))
    approved = await wait_for_effect(stack, sent, ReferralApproved)
    effects = await caused_by(stack, sent)
    assert [type(p) for p in effects] == [ReferralRequested, ReferralApproved]
    assert approved.case_id == case_id
    referral = next(
        r
        for r in await referrals_of(stack, case_id)
        if r["referral_id"] == str(approved.referral_id)
    )
    assert (referral["status"], referral["requested_by"]) == ("approved", "counsellor-9")
    assert await stack.dead_letters(Topic.REFERRAL_COMMANDS) == []


async def test_a_withdrawal_by_command_closes_the_referrals_under_it(stack: Any) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    pid = partner["partner_id"]
    granted = await wait_for_effect(
        stack, await command(stack, grant_command(stack, case_id, pid)), ConsentGranted
    )
    approved = await wait_for_effect(
        stack, await command(stack, request_command(case_id, pid)), ReferralApproved
    )
    sent = await command(
        stack,
        WithdrawConsentCommand(
            case_id=case_id,
            requested_by="coordinator-2",
            role=StaffRole.COORDINATOR,
            consent_id=granted.consent_id,
        ),
    )
    withdrawn = await wait_for_effect(stack, sent, ConsentWithdrawn)
    assert withdrawn.consent_id == granted.consent_id
    closed = await wait_for_effect(stack, sent, ReferralStatusChangedV2)
    assert (closed.referral_id, closed.to_status) == (approved.referral_id, "withdrawn")
    [consent] = await stack.consents(case_id)
    assert consent["withdrawn_by"] == "coordinator-2"


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_bad_commands_are_dead_lettered_with_the_reason_and_change_nothing(
    stack: Any,
) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    pid = partner["partner_id"]
    day = stack.today()
    good = await command(stack, grant_command(stack, case_id, pid))
    await wait_for_effect(stack, good, ConsentGranted)
    bad = [
        (grant_command(stack, case_id, str(uuid.uuid4())), "unknown_partner"),
        (grant_command(stack, case_id, pid, valid_from=day - timedelta(days=1)), "backdated"),
        (grant_command(stack, case_id, pid, valid_from=day + timedelta(days=10)), "overlapping"),
        (request_command(case_id, str(uuid.uuid4())), "unknown_partner"),
        (
            WithdrawConsentCommand(
                case_id=case_id,
                requested_by="counsellor-7",
                role=StaffRole.COUNSELLOR,
                consent_id=uuid.uuid4(),
            ),
            "the consent was not found",
        ),
    ]
    sent = [await command(stack, payload) for payload, _ in bad]
    # The subject is the Kafka key: a command keyed by another case could overtake its order.
    sent.append(
        await send(stack, envelope_of(grant_command(stack, case_id, pid), str(uuid.uuid4())))
    )
    # The tool must name itself with a closed slug: its name goes into the command's receipt.
    unnamed = new_envelope(
        grant_command(stack, case_id, pid), source="Desk of J. Doe", subject=str(case_id)
    )
    sent.append(await send(stack, unnamed))
    letters = await wait_for_dead_letters(stack, len(sent))

    errors = sorted(letter["dlq-error"] for letter in letters)
    expected = [why for _, why in bad] + ["subject_not_case_id", "tool_not_named"]
    for why in expected:
        assert sum(why in error for error in errors) == expected.count(why), (why, errors)
    # Refused by a rule, not failed: the header is "<code>: <reason>", written at once.
    assert all(re.match(r"[a-z][a-z_]*: \S", error) for error in errors), errors
    assert not any(error.startswith("handler failed") for error in errors)
    assert {letter["dlq-attempts"] for letter in letters} == {"1"}
    assert all("Jane" not in error for error in errors)
    assert [c["consent_id"] for c in await stack.consents(case_id)] == [
        str(p.consent_id) for p in await caused_by(stack, good)
    ]
    assert await referrals_of(stack, case_id) == []
    for envelope in sent:
        assert await caused_by(stack, envelope) == []
    # Only the applied command has a receipt; a refused one leaves none.
    assert [r["command_id"] for r in await receipts_of(stack, case_id)] == [str(good.id)]


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_command_for_an_unknown_case_is_dead_lettered_after_the_retries(
    stack: Any,
) -> None:
    partner = await stack.register_partner()
    sent = await command(stack, grant_command(stack, uuid.uuid4(), partner["partner_id"]))
    [letter] = await wait_for_dead_letters(stack, 1)
    # Retried (NotYetKnownError), then dead-lettered with its code and reason.
    assert letter["dlq-error"].startswith("still not known after 8 attempts: case_not_known_yet: ")
    assert int(letter["dlq-attempts"]) == 8  # REFERRAL_COMMAND_MAX_ATTEMPTS' default
    assert await caused_by(stack, sent) == []


async def test_a_command_waits_for_a_case_the_view_has_not_seen_yet(
    stack_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # With the test backoff (0.01 s doubling to 0.1 s) 400 attempts wait about 40 s.
    stack = await stack_factory(command_max_attempts=400)
    caplog.set_level(logging.WARNING, logger="hub_runtime.consumer")  # each wait is logged
    partner = await stack.register_partner()
    case_id = uuid.uuid4()
    sent = await command(stack, grant_command(stack, case_id, partner["partner_id"]))

    async def refused_once() -> bool:
        return any(getattr(r, "event_id", None) == sent.id for r in caplog.records)

    await wait_until(refused_once, within=30)
    await stack.publish(
        CaseOpened(
            case_id=case_id,
            country_of_origin="IQ",
            region="west",
            household_size=1,
            has_minors=False,
            vulnerabilities=[],
            location_type="azc",
            stage="final_rejection",
        ),
        Topic.CASEFILE_EVENTS,
        CASEFILE,
    )
    granted = await wait_for_effect(stack, sent, ConsentGranted)
    assert granted.case_id == case_id
    assert await stack.dead_letters(Topic.REFERRAL_COMMANDS) == []


async def test_a_redelivered_command_has_one_effect(stack: Any) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    pid = partner["partner_id"]
    grant = envelope_of(grant_command(stack, case_id, pid))
    request = envelope_of(request_command(case_id, pid))
    for envelope in (grant, grant, request, request):
        await send(stack, envelope)  # the same envelope (same id) twice: a re-delivery
    # Same key, same partition, in order: once this marker took effect, both copies were seen.
    # (Another purpose: a second open referral for the same one would be refused as a duplicate.)
    marker = await command(
        stack, request_command(case_id, pid, purpose=Purpose.REINTEGRATION_SUPPORT)
    )
    await wait_for_effect(stack, marker, ReferralRefusedV3)

    assert [type(p) for p in await caused_by(stack, grant)] == [ConsentGranted]
    assert [type(p) for p in await caused_by(stack, request)] == [
        ReferralRequested,
        ReferralApproved,
    ]
    assert len(await stack.consents(case_id)) == 1
    assert len(await referrals_of(stack, case_id)) == 2  # the request and the marker
    assert await stack.dead_letters(Topic.REFERRAL_COMMANDS) == []


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_a_review_by_command_is_for_coordinators_only(stack: Any) -> None:
    case_id = await stack.open_case(has_minors=True)
    partner = await stack.register_partner()
    pid = partner["partner_id"]
    await command(stack, grant_command(stack, case_id, pid))
    asked = await wait_for_effect(
        stack, await command(stack, request_command(case_id, pid)), ReferralRequested
    )
    [referral] = await referrals_of(stack, case_id)
    assert referral["status"] == "awaiting_review"

    def review(role: StaffRole, login: str) -> ReviewReferralCommand:
        return ReviewReferralCommand(
            case_id=case_id,
            requested_by=login,
            role=role,
            referral_id=asked.referral_id,
            decision=ReviewChoice.APPROVE,
            reason_reference="REVIEW-2025-0007",
        )

    by_counsellor = await command(stack, review(StaffRole.COUNSELLOR, "counsellor-7"))
    [letter] = await wait_for_dead_letters(stack, 1)
    assert letter["dlq-error"].startswith("rejected: role_not_allowed: ")
    assert "coordinator" in letter["dlq-error"]
    assert await caused_by(stack, by_counsellor) == []
    [unchanged] = await referrals_of(stack, case_id)
    assert (unchanged["status"], unchanged["review"]) == ("awaiting_review", None)

    by_coordinator = await command(stack, review(StaffRole.COORDINATOR, "coordinator-2"))
    approved = await wait_for_effect(stack, by_coordinator, ReferralApproved)
    assert approved.referral_id == asked.referral_id
    [done] = await referrals_of(stack, case_id)
    assert done["status"] == "approved"
    assert done["review"]["reviewed_by"] == "coordinator-2"
    assert "REVIEW-2025-0007" in done["review"]["reason"]


@pytest.mark.expected_server_errors  # dead-letters a bad command on purpose (logged at ERROR)
async def test_a_reference_without_an_interpreter_is_dead_lettered_and_the_next_applied(
    stack: Any,
) -> None:
    """A command written before the rule (the contract still takes its shape) is refused with
    the rule's code at once, names no reference, and the consumer goes on with the next one."""
    case_id = await stack.open_case()
    pid = (await stack.register_partner())["partner_id"]
    contradicting = grant_command(stack, case_id, pid)
    evidence = contradicting.evidence.model_copy(
        update={"interpreter_used": False, "interpreter_reference": "TOLK-Zara-1"}
    )
    refused = await command(stack, contradicting.model_copy(update={"evidence": evidence}))
    after = await command(stack, grant_command(stack, case_id, pid))

    [letter] = await wait_for_dead_letters(stack, 1)
    assert letter["dlq-error"].startswith(
        "rejected: interpreter_reference_without_interpreter: "
    ), letter
    assert "evidence.interpreter_used" in letter["dlq-error"]
    assert "Zara" not in letter["dlq-error"]
    assert letter["dlq-attempts"] == "1"
    assert await caused_by(stack, refused) == []
    granted = await wait_for_effect(stack, after, ConsentGranted)
    assert [c["consent_id"] for c in await stack.consents(case_id)] == [str(granted.consent_id)]


async def test_commands_have_a_consumer_of_their_own(stack: Any) -> None:
    # The event consumer would skip a command (it has no handler for it): it never sees one,
    # so its retries and the command consumer's never hold each other up.
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    sent = await command(stack, grant_command(stack, case_id, partner["partner_id"]))
    await wait_for_effect(stack, sent, ConsentGranted)
    assert stack.runtime.consumer.stats.skipped == 0
    assert stack.runtime.consumer.stats.applied >= 2  # CaseOpened and DecisionRecorded
