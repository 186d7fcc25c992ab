"""Signals' use cases through its bus and route table, on the in-memory fakes (milliseconds, no
stack). What PostgreSQL does the same way is pinned by ``test_repository_contract.py``; what
only the stack can show (locks, Kafka delivery, dead-letter headers) stays in
``tests/integration``.
"""

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hub_contracts import (
    BottleneckCategory,
    BottleneckObserved,
    ConsentGranted,
    ConsentWithdrawn,
    DeadlinePassedV2,
    Envelope,
    EventPayload,
    MonitoringReported,
    PartnerReportedStatus,
    PartnerStatusReportedV2,
    PersonErased,
    ProcedureStage,
    Purpose,
    ReferralApproved,
    ReferralRefusedV3,
    Region,
    SignalsPublishedV2,
    new_envelope,
)
from hub_contracts.examples import example_payload
from signals.config import Settings
from signals.deps import Deps
from signals.errors import (
    BudgetExhaustedError,
    CrosstabNotAllowedError,
    ImplausiblePeriodError,
    NotAggregatedError,
    NotPublishedError,
    PeriodOpenError,
    SubjectMismatchError,
    TableNotAllowedError,
)
from signals.fakes import FakeSignals
from signals.handlers.door import GATHER
from signals.messages import (
    CountContributions,
    ListDuePeriods,
    PublishPeriod,
    ReadCrosstab,
    ReadRelease,
    ReadTable,
)
from signals.routes import ROUTES

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
"""The fake clock: February 2026 is closed (grace 5 days), March is open."""
FEBRUARY = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


def signals(**settings: Any) -> FakeSignals:
    defaults: dict[str, Any] = {"require_reporting_consent": False, "k_threshold": 2}
    return FakeSignals(Deps(Settings(**(defaults | settings)), clock=lambda: NOW))


def event(
    cls: type[EventPayload], case_id: uuid.UUID, at: datetime = FEBRUARY, **changes: Any
) -> tuple[Envelope, EventPayload]:
    payload = cls.model_validate(
        example_payload(cls).model_copy(update={"case_id": case_id, **changes}).model_dump()
    )
    return new_envelope(payload, source="test", subject=str(case_id), time=at), payload


def bottleneck(case_id: uuid.UUID, **changes: Any) -> tuple[Envelope, EventPayload]:
    return event(BottleneckObserved, case_id, observed_on=FEBRUARY.date(), **changes)


async def rows(s: FakeSignals) -> dict[str, int]:
    """Contributions per table (all periods)."""
    summary = await s.bus.dispatch(CountContributions())
    return {row["table_name"]: row["contributions"] for row in summary}


async def test_a_bottleneck_counts_its_person_once_per_cell_of_its_tables() -> None:
    s, case = signals(), uuid.uuid4()
    await s.deliver(*bottleneck(case))
    await s.deliver(*bottleneck(case))  # the same cells again: counted once
    assert await rows(s) == {
        "bottlenecks_by_stage": 1,
        "bottlenecks_by_region": 1,
        "bottlenecks_by_location": 1,
    }
    assert str(case) not in repr(s.state), "a case id never gets past the door"


async def test_a_person_joins_at_most_max_cells_per_person_cells_of_a_period() -> None:
    s, case = signals(max_cells_per_person=4), uuid.uuid4()
    for category in list(BottleneckCategory)[:2]:
        await s.deliver(*bottleneck(case, category=category))
    assert sum((await rows(s)).values()) == 4


async def test_an_envelope_whose_subject_is_not_the_case_id_is_refused_whole() -> None:
    s = signals()
    envelope, payload = bottleneck(uuid.uuid4())
    with pytest.raises(SubjectMismatchError):
        await s.deliver(envelope.model_copy(update={"subject": "V-1234567890"}), payload)
    assert await rows(s) == {}


async def test_an_event_of_an_implausible_month_is_refused() -> None:
    s = signals()
    with pytest.raises(NotAggregatedError, match="implausible"):
        await s.deliver(*event(BottleneckObserved, uuid.uuid4(), observed_on=date(1990, 1, 1)))
    assert await rows(s) == {}


async def test_with_consent_required_only_months_of_a_reporting_consent_count() -> None:
    s = signals(require_reporting_consent=True)
    counted, withdrawn, never = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    consents = {c: uuid.uuid4() for c in (counted, withdrawn)}
    for case, consent_id in consents.items():
        await s.deliver(
            *event(
                ConsentGranted,
                case,
                consent_id=consent_id,
                purposes=[Purpose.ANONYMOUS_REPORTING],
                valid_from=date(2026, 1, 1),
                valid_until=date(2026, 12, 31),
            )
        )
    await s.deliver(
        *event(ConsentWithdrawn, withdrawn, consent_id=consents[withdrawn], withdrawn_at=FEBRUARY)
    )
    for case in (counted, withdrawn, never):
        await s.deliver(*event(DeadlinePassedV2, case))
    async with s.unit_of_work() as uow:
        counts = await uow.contributions.cell_counts(
            "2026-02", "deadlines_missed", ("kind",), require_consent=True
        )
    assert sum(counts.values()) == 1


async def test_an_erased_person_leaves_unpublished_periods_and_releases_stay() -> None:
    s, erased, other = signals(), uuid.uuid4(), uuid.uuid4()
    for case in (erased, other):
        await s.deliver(*event(ReferralRefusedV3, case))
    release = await s.bus.dispatch(PublishPeriod("2026-02"))
    february = await rows(s)
    await s.deliver(*event(ReferralRefusedV3, erased, at=NOW))  # March: not published
    assert await rows(s) != february
    await s.deliver(*event(PersonErased, erased))
    assert await rows(s) == february  # the published month stays as it is, March's rows went
    assert await s.bus.dispatch(ReadRelease("2026-02")) == release


async def test_a_partner_answer_is_timed_from_the_approval_when_it_was_seen() -> None:
    s, case, seen, unseen = signals(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await s.deliver(*event(ReferralApproved, case, referral_id=seen, at=FEBRUARY))
    for referral in (seen, unseen):
        await s.deliver(
            *event(
                PartnerStatusReportedV2,
                case,
                referral_id=referral,
                status=PartnerReportedStatus.ACCEPTED,
                reported_at=FEBRUARY + timedelta(days=4),
            )
        )
    cells = {key[2] for key in s.state.contributions if key[1] == "partner_response_times"}
    assert cells == {"status=accepted|response_days=3-7", "status=accepted|response_days=unknown"}


async def test_a_period_is_published_once_closed_and_only_through_publish() -> None:
    s = signals(rounding_base=1)
    for _ in range(3):
        await s.deliver(
            *bottleneck(
                uuid.uuid4(),
                category=BottleneckCategory.TRAVEL_DOCUMENTS_REFUSED,
                stage=ProcedureStage.APPEAL_PENDING,
                region=Region.NOORD,
            )
        )
    with pytest.raises(NotPublishedError):
        await s.bus.dispatch(ReadTable("2026-02", "bottlenecks_by_stage"))  # a read never publishes
    assert await s.bus.dispatch(ListDuePeriods()) == ["2026-02"]
    release = await s.bus.dispatch(PublishPeriod("2026-02"))
    assert {e.type for e in s.outbox} == {SignalsPublishedV2.event_type}
    events = [SignalsPublishedV2.model_validate(e.data) for e in s.outbox]
    assert sorted(e.table for e in events) == sorted(release)
    assert all(e.period == "2026-02" for e in events)
    table = await s.bus.dispatch(ReadTable("2026-02", "bottlenecks_by_stage"))
    cell = next(
        c
        for c in table["cells"]
        if c["coordinates"] == {"category": "travel_documents_refused", "stage": "appeal_pending"}
    )
    assert (cell["count"], cell["suppressed"]) == (3, False)
    assert await s.bus.dispatch(PublishPeriod("2026-02")) == release  # never revised
    assert len(s.outbox) == len(events)
    assert await s.bus.dispatch(ListDuePeriods()) == []
    flipped = await s.bus.dispatch(ReadCrosstab("2026-02", ("stage", "category")))
    assert flipped == table


async def test_refusals_of_reads_and_publishing() -> None:
    s = signals()
    with pytest.raises(PeriodOpenError):
        await s.bus.dispatch(PublishPeriod("2026-03"))
    with pytest.raises(ImplausiblePeriodError):
        await s.bus.dispatch(PublishPeriod("1990-01"))
    with pytest.raises(TableNotAllowedError) as not_allowed:
        await s.bus.dispatch(ReadTable("2026-02", "Jane Doe"))
    assert "Jane" not in not_allowed.value.reason
    with pytest.raises(CrosstabNotAllowedError):
        await s.bus.dispatch(ReadCrosstab("2026-02", ("country", "region")))
    # A month that cannot be is the malformed request, whatever the table (the seventh trial).
    with pytest.raises(ImplausiblePeriodError):
        await s.bus.dispatch(ReadTable("2026-13", "Jane Doe"))
    with pytest.raises(ImplausiblePeriodError):
        await s.bus.dispatch(ReadCrosstab("2026-13", ("country", "region")))
    assert s.outbox == []


async def test_an_overspent_budget_refuses_the_release_and_keeps_nothing() -> None:
    s = signals(dp_enabled=True, dp_epsilon_per_table=0.5, dp_budget_per_period=1.0)
    await s.deliver(*bottleneck(uuid.uuid4()))
    with pytest.raises(BudgetExhaustedError):
        await s.bus.dispatch(PublishPeriod("2026-02"))
    assert (s.state.ledger, s.state.releases, s.outbox) == ({}, {}, [])


def test_every_gathered_event_type_has_its_own_event_route() -> None:
    assert set(GATHER) <= set(ROUTES.events)


def stream(rng: random.Random, count: int) -> list[tuple[Envelope, EventPayload]]:
    """Events about few people (cells repeat, the cap bites), of every kind the door reads."""
    people = [uuid.uuid4() for _ in range(3)]
    consents: list[tuple[uuid.UUID, uuid.UUID]] = []
    referrals: list[tuple[uuid.UUID, uuid.UUID]] = []
    out: list[tuple[Envelope, EventPayload]] = []
    for _ in range(count):
        case, kind = rng.choice(people), rng.choice(["bottleneck"] * 3 + KINDS)
        if kind == "consent":
            consents.append((case, uuid.uuid4()))
            out.append(event(ConsentGranted, case, consent_id=consents[-1][1],
                             purposes=[Purpose.ANONYMOUS_REPORTING], valid_from=date(2026, 1, 1),
                             valid_until=date(2026, 4, 30)))  # fmt: skip
        elif kind == "withdraw" and consents:
            case, consent_id = rng.choice(consents)
            out.append(event(ConsentWithdrawn, case, consent_id=consent_id, withdrawn_at=FEBRUARY))
        elif kind == "approved":
            referrals.append((case, uuid.uuid4()))
            out.append(event(ReferralApproved, case, referral_id=referrals[-1][1]))
        elif kind == "status" and referrals:
            case, referral_id = rng.choice(referrals)
            answered = FEBRUARY + timedelta(days=rng.choice([1, 20]))
            out.append(event(PartnerStatusReportedV2, case, referral_id=referral_id,
                             reported_at=answered))  # fmt: skip
        elif kind in SIMPLE:
            out.append(event(SIMPLE[kind], case))
        else:
            out.append(bottleneck(case, category=rng.choice(list(BottleneckCategory)),
                                  region=rng.choice(list(Region))))  # fmt: skip
    return out


SIMPLE: dict[str, type[EventPayload]] = {
    "erase": PersonErased,
    "refused": ReferralRefusedV3,
    "deadline": DeadlinePassedV2,
    "monitoring": MonitoringReported,
}
KINDS = ["consent", "withdraw", "approved", "status", *SIMPLE]


@pytest.mark.parametrize("seed", range(8))
async def test_the_batch_route_stores_what_the_event_routes_store_one_by_one(seed: int) -> None:
    items = stream(random.Random(seed), 120)
    batch, single = signals(max_cells_per_person=5), signals(max_cells_per_person=5)
    await batch.deliver_batch(items)
    for envelope, payload in items:
        await single.deliver(envelope, payload)
    assert batch.state.contributions, "the stream should have produced contributions"
    assert batch.state == single.state
