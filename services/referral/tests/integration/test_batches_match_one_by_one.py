"""The consumer's fast path applies a poll batch in one call (the route table's batch route,
`referral.handlers.batch`); it must store exactly what the same events store when applied one
at a time through the event routes (the path a failing record takes): the case view, the
referrals and their history after the privacy re-evaluations (stage, closure, erasure) and
partners' reports, the disclosure log, the inbox, the outbox, and the same dead letters."""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from hub_contracts import (
    CaseClosed,
    CaseOpened,
    DataCategory,
    Decision,
    DecisionRecorded,
    DisclosureMade,
    Envelope,
    EventPayload,
    PartnerReportedStatus,
    PartnerStatusReportedV2,
    PartnerType,
    PersonErased,
    ProcedureStage,
    ProcedureStageChanged,
    Purpose,
    ReferralDelivered,
    Vulnerability,
    new_envelope,
)
from hub_runtime.bus import bind_batch, bind_events
from hub_runtime.migrations import folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from hub_runtime.testing_batches import RUNTIME_TABLES, Outcome, apply_both_ways, like
from referral.bootstrap import MIGRATIONS
from referral.clock import Clock
from referral.deps import Deps
from referral.domain.model import CaseView, Consent, Partner, Referral, Status
from referral.routes import ROUTES
from referral.unit_of_work import PostgresUnitOfWork
from referral.vault import CaseVault

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()

TABLES = {
    "case_view": "SELECT case_id, stage, has_minors, vulnerabilities, decision, erased_at,"
    " closed_on FROM case_view ORDER BY case_id",
    "referrals": "SELECT referral_id, status, suspended_from, status_changed_at"
    " FROM referrals ORDER BY referral_id",
    "referral_history": "SELECT referral_id, from_status, to_status, reason_code, at"
    " FROM referral_history ORDER BY id",
    "disclosures": "SELECT * FROM disclosures ORDER BY event_id",
    **RUNTIME_TABLES,
}


EVIDENCE = {
    "language": "ar",
    "interpreter_used": False,
    "taken_at": NOW,
    "informed_transfer_outside_eu": True,
}


@dataclass(frozen=True)
class FixedClock(Clock):
    """Now is `NOW`: the re-evaluations record the same instants in both databases."""

    def now(self) -> datetime:
        return NOW


@dataclass(frozen=True)
class Seeded:
    """Cases the view knows, each with one approved referral to `partner_id`."""

    partner_id: uuid.UUID
    referrals: dict[uuid.UUID, uuid.UUID]  # case id -> referral id


def _seeded() -> Seeded:
    return Seeded(uuid.uuid4(), {uuid.uuid4(): uuid.uuid4() for _ in range(4)})


def _seed(seeded: Seeded) -> Callable[[asyncpg.Pool], Awaitable[None]]:
    async def seed(pool: asyncpg.Pool) -> None:
        async with PostgresUnitOfWork(pool) as uow:
            await uow.partners.add(
                Partner(
                    seeded.partner_id,
                    "IOM test",
                    PartnerType.INTERGOVERNMENTAL,
                    ("IQ",),
                    ("assisted return",),
                    frozenset({Purpose.RETURN_COUNSELLING}),
                    "DSA-1",
                    TODAY - timedelta(30),
                    TODAY + timedelta(365),
                    True,
                )
            )
            for case_id, referral_id in seeded.referrals.items():
                await uow.cases.add(
                    CaseView(
                        case_id,
                        ProcedureStage.FINAL_REJECTION,
                        False,
                        frozenset(),
                        Decision.INDEPENDENT_RETURN,
                        False,
                    )
                )
                consent = Consent(
                    uuid.uuid4(),
                    case_id,
                    seeded.partner_id,
                    frozenset({Purpose.RETURN_COUNSELLING}),
                    frozenset({DataCategory.IDENTITY}),
                    TODAY,
                    TODAY + timedelta(90),
                    None,
                )
                await uow.consents.add(consent, EVIDENCE, "test", sealed=b"sealed")
                await uow.referrals.add(
                    Referral(
                        referral_id,
                        case_id,
                        seeded.partner_id,
                        Purpose.RETURN_COUNSELLING,
                        frozenset({DataCategory.IDENTITY}),
                        consent.consent_id,
                        Status.APPROVED,
                    ),
                    "test",
                    NOW - timedelta(hours=1),
                )
            await uow.commit()

    return seed


KINDS = (
    ["opened"] * 6
    + ["decided"] * 8
    + ["stage", "closed", "erased", "delivered", "reported", "disclosure", "again"]
)


def _events(rng: random.Random, seeded: Seeded, count: int) -> list[Envelope]:
    """New cases opened (some twice) and decided (some before their opening, some never
    opened), mixed with events on the seeded cases that re-evaluate or move their referrals
    (some impossible, so dead-lettered), and duplicate deliveries."""
    fresh = [uuid.uuid4() for _ in range(6)]
    known = list(seeded.referrals)
    # A case decided just before it is opened: alone, the decision finds no case.
    early = uuid.uuid4()
    out = [
        new_envelope(p, source="test", subject=str(early), time=NOW)
        for p in (like(DecisionRecorded, case_id=early), like(CaseOpened, case_id=early))
    ]
    for _ in range(count):
        kind = rng.choice(KINDS)
        case_id = rng.choice(known)
        referral_id = seeded.referrals[case_id]
        payload: EventPayload
        if kind == "again" and out:
            out.append(rng.choice(out))
            continue
        if kind == "opened":
            payload = like(
                CaseOpened,
                case_id=rng.choice(fresh),
                has_minors=rng.random() < 0.5,
                stage=rng.choice(list(ProcedureStage)),
                vulnerabilities=rng.sample(list(Vulnerability), rng.randint(0, 2)),
            )
        elif kind == "decided":
            payload = like(
                DecisionRecorded,
                case_id=rng.choice(fresh + known[:1]),
                decision=rng.choice(list(Decision)),
            )
        elif kind == "stage":
            payload = like(
                ProcedureStageChanged, case_id=case_id, to_stage=rng.choice(list(ProcedureStage))
            )
        elif kind == "closed":
            payload = like(CaseClosed, case_id=case_id, closed_on=TODAY)
        elif kind == "erased":
            payload = like(PersonErased, case_id=case_id, erased_at=NOW)
        elif kind == "delivered":
            payload = like(
                ReferralDelivered,
                case_id=case_id,
                referral_id=referral_id,
                partner_id=seeded.partner_id,
            )
        elif kind == "reported":
            payload = like(
                PartnerStatusReportedV2,
                case_id=case_id,
                referral_id=referral_id,
                partner_id=seeded.partner_id,
                status=rng.choice([PartnerReportedStatus.ACCEPTED, PartnerReportedStatus.DECLINED]),
                reason_code=None,
            )
        else:
            payload = like(
                DisclosureMade,
                case_id=case_id,
                referral_id=referral_id,
                partner_id=seeded.partner_id,
            )
        subject = str(payload.envelope_subject())
        time = NOW + timedelta(seconds=len(out))
        out.append(new_envelope(payload, source="test", subject=subject, time=time))
    return out


@pytest.mark.expected_server_errors  # the refused events are dead-lettered (logged as errors)
@pytest.mark.parametrize(("seed", "poll"), [(1, 9), (2, 60), (3, 500), (4, 1)])
async def test_batches_store_what_one_event_at_a_time_stores(
    hub_settings: HubSettings, seed: int, poll: int
) -> None:
    seeded = _seeded()
    events = _events(random.Random(seed), seeded, 200)
    single, batch = await _both_ways(hub_settings, seeded, events, poll)
    rows = single.rows
    assert all(rows[t] for t in ("case_view", "referral_history", "hub_outbox")), rows.keys()
    refused = {event_id for event_id, _ in single.dead_letters}
    # A refused event may apply when delivered again later (its case opened in between).
    unique = len({e.id for e in events})
    assert unique - len(refused) <= len(rows["hub_inbox"]) < unique
    assert single.dead_letters, "the stream should hold refused events (unknown case, ...)"
    assert batch.rows == rows
    assert batch.dead_letters == single.dead_letters
    assert batch.batch_calls_ok > 0


@pytest.mark.expected_server_errors  # the refused decision is dead-lettered (logged as error)
async def test_a_decision_before_its_case_opens_is_refused_in_a_batch_too(
    hub_settings: HubSettings,
) -> None:
    early, later = uuid.uuid4(), uuid.uuid4()
    payloads = [
        like(DecisionRecorded, case_id=early),
        like(CaseOpened, case_id=early),
        like(CaseOpened, case_id=later),
        like(DecisionRecorded, case_id=later),
    ]
    events = [new_envelope(p, source="test", subject=str(p.envelope_subject())) for p in payloads]
    single, batch = await _both_ways(hub_settings, _seeded(), events, poll=4)
    assert [event_id for event_id, _ in single.dead_letters] == [str(events[0].id)]
    assert batch.rows == single.rows
    assert batch.dead_letters == single.dead_letters


async def _both_ways(
    hub_settings: HubSettings, seeded: Seeded, events: list[Envelope], poll: int
) -> tuple[Outcome, Outcome]:
    deps = Deps(FixedClock(), CaseVault("test-only"))
    batch_handler = bind_batch(ROUTES, deps)
    assert batch_handler is not None, "referral's route table has a batch route"
    return await apply_both_ways(
        hub_settings,
        migrations=runtime_migrations() + folder_migrations(MIGRATIONS),
        unit_of_work=PostgresUnitOfWork,
        handlers=bind_events(ROUTES, deps),
        batch_handler=batch_handler,
        events=events,
        poll=poll,
        queries=TABLES,
        seed=_seed(seeded),
    )
