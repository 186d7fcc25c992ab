"""The referral use cases through the bus on the in-memory unit of work (milliseconds, no
stack): the events they emit, the refusals they raise, and that a refusal keeps nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from hub_contracts import (
    ConsentGranted,
    ConsentWithdrawn,
    Decision,
    DecisionRecorded,
    ReferralApproved,
    ReferralRefusedV3,
    ReferralRequested,
    ReferralStatusChangedV2,
    decode,
    new_envelope,
)
from hub_contracts.commands.referral import ConsentEvidence
from hub_contracts.envelope import Envelope
from hub_runtime.bus import Event, MessageBus
from hub_runtime.errors import (
    ConflictError,
    GoneError,
    InvalidError,
    NotFoundError,
    NotYetKnownError,
)
from referral.bodies import GrantConsent, RequestReferral, ReviewReferral
from referral.clock import Clock
from referral.deps import Deps
from referral.domain.policy import ReviewAction
from referral.fakes import FakeUnitOfWork, State
from referral.handlers.referrals import OpenReferralError
from referral.messages import (
    DecideReview,
    ExpireUnanswered,
    RecordConsent,
    ReferCase,
    WithdrawConsent,
)
from referral.routes import ROUTES
from referral.vault import CaseVault

from ._builders import NOW, TODAY, case, partner


@dataclass(frozen=True)
class FixedClock(Clock):
    at: datetime = NOW

    def now(self) -> datetime:
        return self.at


@dataclass
class Hub:
    state: State
    outbox: list[Envelope]
    bus: MessageBus[Any, Deps]

    def events(self) -> list[type]:
        return [type(_payload(e)) for e in self.outbox]


def _payload(envelope: Envelope) -> Any:
    return decode(envelope)


@pytest.fixture
def hub() -> Hub:
    state, outbox = State(), list[Envelope]()
    deps = Deps(FixedClock(), CaseVault("unit-test-secret"))
    return Hub(state, outbox, MessageBus(ROUTES, lambda: FakeUnitOfWork(state, outbox), deps))


def seed(hub: Hub, **case_fields: Any) -> tuple[uuid.UUID, uuid.UUID]:
    p, c = partner(), case(decision=Decision.INDEPENDENT_RETURN, **case_fields)
    hub.state.partners[p.partner_id] = p
    hub.state.cases[c.case_id] = c
    return c.case_id, p.partner_id


def consent_body(partner_id: uuid.UUID, **changes: Any) -> GrantConsent:
    fields: dict[str, Any] = {
        "partner_id": partner_id,
        "purposes": ["return_counselling"],
        "data_categories": ["identity"],
        "valid_from": TODAY,
        "valid_until": TODAY + timedelta(days=90),
        "evidence": ConsentEvidence(
            form_reference="FORM-1",
            language="ar",
            interpreter_used=False,
            taken_by="counsellor-7",
            taken_at=NOW - timedelta(minutes=5),
            informed_transfer_outside_eu=True,
        ),
        **changes,
    }
    return GrantConsent.model_validate(fields)


def ask(partner_id: uuid.UUID) -> RequestReferral:
    return RequestReferral.model_validate(
        {"partner_id": partner_id, "purpose": "return_counselling", "data_categories": ["identity"]}
    )


async def test_a_consent_is_recorded_sealed_and_announced(hub: Hub) -> None:
    case_id, partner_id = seed(hub)
    consent_id = await hub.bus.dispatch(RecordConsent(case_id, consent_body(partner_id)))
    assert hub.events() == [ConsentGranted]
    row = hub.state.consents[consent_id]
    assert b"FORM-1" not in row["evidence_sealed"]  # sealed under the case's key
    assert hub.state.case_keys[case_id] is not None


async def test_refusals_of_a_consent_keep_nothing(hub: Hub) -> None:
    case_id, partner_id = seed(hub)
    await hub.bus.dispatch(RecordConsent(case_id, consent_body(partner_id)))
    with pytest.raises(ConflictError) as overlapping:
        await hub.bus.dispatch(RecordConsent(case_id, consent_body(partner_id)))
    assert overlapping.value.code == "overlapping_consent"
    with pytest.raises(InvalidError) as unknown:
        await hub.bus.dispatch(RecordConsent(case_id, consent_body(uuid.uuid4())))
    assert unknown.value.code == "unknown_partner"
    with pytest.raises(NotYetKnownError) as not_yet:
        await hub.bus.dispatch(RecordConsent(uuid.uuid4(), consent_body(partner_id)))
    assert not_yet.value.code == "case_not_known_yet"
    assert len(hub.state.consents) == 1
    assert hub.events() == [ConsentGranted]


async def test_an_erased_person_gets_nothing_new(hub: Hub) -> None:
    case_id, partner_id = seed(hub, erased=True)
    with pytest.raises(GoneError):
        await hub.bus.dispatch(RecordConsent(case_id, consent_body(partner_id)))
    assert hub.outbox == []


async def test_a_referral_is_approved_under_a_consent_and_only_once(hub: Hub) -> None:
    case_id, partner_id = seed(hub)
    unconsented = await hub.bus.dispatch(ReferCase(case_id, ask(partner_id), "counsellor-7"))
    refused = _payload(hub.outbox[-1])
    assert isinstance(refused, ReferralRefusedV3)
    assert "consent_missing" in refused.reasons
    assert hub.state.referrals[unconsented]["referral"].status.value == "refused"

    await hub.bus.dispatch(RecordConsent(case_id, consent_body(partner_id)))
    referral_id = await hub.bus.dispatch(ReferCase(case_id, ask(partner_id), "counsellor-9"))
    assert hub.events()[-2:] == [ReferralRequested, ReferralApproved]
    assert hub.state.referrals[referral_id]["requested_by"] == "counsellor-9"
    with pytest.raises(OpenReferralError) as again:
        await hub.bus.dispatch(ReferCase(case_id, ask(partner_id), "counsellor-9"))
    assert again.value.extra == {"existing_referral_id": str(referral_id)}


async def test_withdrawing_the_consent_withdraws_the_referral(hub: Hub) -> None:
    case_id, partner_id = seed(hub)
    consent_id = await hub.bus.dispatch(RecordConsent(case_id, consent_body(partner_id)))
    referral_id = await hub.bus.dispatch(ReferCase(case_id, ask(partner_id), "counsellor-7"))
    await hub.bus.dispatch(WithdrawConsent(consent_id, "coordinator-2"))
    assert hub.events()[-2:] == [ConsentWithdrawn, ReferralStatusChangedV2]
    changed = _payload(hub.outbox[-1])
    assert (changed.referral_id, changed.to_status, changed.reason_code) == (
        referral_id,
        "withdrawn",
        "consent_withdrawn",
    )
    with pytest.raises(ConflictError):
        await hub.bus.dispatch(WithdrawConsent(consent_id, "coordinator-2"))
    with pytest.raises(NotFoundError):  # a Kafka command naming another case
        await hub.bus.dispatch(WithdrawConsent(consent_id, "c", of_case=uuid.uuid4()))


async def test_a_minor_goes_to_review_and_a_coordinator_approves(hub: Hub) -> None:
    case_id, partner_id = seed(hub, has_minors=True)
    await hub.bus.dispatch(RecordConsent(case_id, consent_body(partner_id)))
    referral_id = await hub.bus.dispatch(ReferCase(case_id, ask(partner_id), "counsellor-7"))
    assert hub.state.referrals[referral_id]["referral"].status.value == "awaiting_review"
    assert hub.events()[-1] is ReferralRequested
    body = ReviewReferral(decision=ReviewAction.APPROVE, reason="Checked with the family today.")
    await hub.bus.dispatch(DecideReview(referral_id, body, "coordinator-2"))
    assert hub.events()[-1] is ReferralApproved
    review = hub.state.referrals[referral_id]["review"]
    assert review["reviewed_by"] == "coordinator-2"
    assert b"family" not in review["reason_sealed"]
    with pytest.raises(ConflictError) as twice:
        await hub.bus.dispatch(DecideReview(referral_id, body, "coordinator-2"))
    assert twice.value.code == "not_awaiting_review"


async def test_unanswered_referrals_expire_once(hub: Hub) -> None:
    case_id, partner_id = seed(hub)
    await hub.bus.dispatch(RecordConsent(case_id, consent_body(partner_id)))
    await hub.bus.dispatch(ReferCase(case_id, ask(partner_id), "counsellor-7"))
    object.__setattr__(hub.bus.deps.clock, "at", NOW + timedelta(days=15))  # 15 days later
    assert await hub.bus.dispatch(ExpireUnanswered(timedelta(days=14))) == 1
    assert await hub.bus.dispatch(ExpireUnanswered(timedelta(days=14))) == 0
    assert _payload(hub.outbox[-1]).reason_code == "no_partner_answer"


async def test_case_events_route_through_the_table(hub: Hub) -> None:
    case_id, _ = seed(hub)
    hub.state.cases[case_id] = case(case_id=case_id)  # no decision yet
    payload = DecisionRecorded(
        case_id=case_id, decision=Decision.INDEPENDENT_RETURN, decided_on=TODAY
    )
    envelope = new_envelope(payload, source="casefile", subject=str(case_id))
    route = ROUTES.events[DecisionRecorded.event_type]
    async with FakeUnitOfWork(hub.state, hub.outbox) as uow:
        await route(Event(envelope, payload), uow, hub.bus.deps)
        await uow.commit()
    assert hub.state.cases[case_id].decision is Decision.INDEPENDENT_RETURN
