"""The consumer's fast path applies a poll batch in one call (the route table's batch route); it
must store exactly what the same events store when applied one at a time through the event
routes (the path a failing record takes)."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
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
    PartnerStatusReported,
    PersonErased,
    Purpose,
    ReferralApproved,
    ReferralRefusedV2,
    Region,
    new_envelope,
)
from hub_contracts.examples import example_payload
from hub_runtime.bus import Event
from hub_runtime.settings import HubSettings
from hub_runtime.testing_batches import both_ways, rows_of
from signals.bootstrap import MIGRATIONS
from signals.config import Settings
from signals.deps import Deps
from signals.routes import ROUTES
from signals.unit_of_work import PostgresSignalsUnitOfWork

pytestmark = pytest.mark.integration

TABLES = {
    "contributions": "SELECT period, table_name, cell_key, coordinates::text, person_token"
    " FROM contributions ORDER BY 1, 2, 3, 5",
    "reporting_consents": "SELECT * FROM reporting_consents ORDER BY 1, 2, 3",
    "referral_facts": "SELECT referral_token, partner_type FROM referral_facts ORDER BY 1",
}


KINDS = ["bottleneck"] * 4 + [
    "consent", "withdraw", "erase", "refused", "deadline", "monitoring", "approved", "status"
]  # fmt: skip


def _events(rng: random.Random, count: int) -> list[tuple[Envelope, Any]]:
    """A stream over few people, so that cells repeat and the per-person cap bites."""
    people = [uuid.uuid4() for _ in range(4)]
    consents: list[tuple[uuid.UUID, uuid.UUID]] = []
    referrals: list[tuple[uuid.UUID, uuid.UUID]] = []
    today = date.today()
    events: list[tuple[Envelope, Any]] = []
    for _ in range(count):
        case_id = rng.choice(people)
        kind = rng.choice(KINDS)
        payload: EventPayload
        if kind == "consent":
            consent_id = uuid.uuid4()
            consents.append((case_id, consent_id))
            payload = _like(ConsentGranted, case_id=case_id, consent_id=consent_id,
                            purposes=[Purpose.ANONYMOUS_REPORTING], valid_from=today,
                            valid_until=today + timedelta(days=rng.choice([10, 70])))  # fmt: skip
        elif kind == "withdraw" and consents:
            case_id, consent_id = rng.choice(consents)
            payload = _like(ConsentWithdrawn, case_id=case_id, consent_id=consent_id)
        elif kind == "erase":
            payload = _like(PersonErased, case_id=case_id)
        elif kind == "refused":
            payload = _like(ReferralRefusedV2, case_id=case_id)
        elif kind == "deadline":
            payload = _like(DeadlinePassedV2, case_id=case_id)
        elif kind == "monitoring":
            payload = _like(MonitoringReported, case_id=case_id)
        elif kind == "approved":
            referral_id = uuid.uuid4()
            referrals.append((case_id, referral_id))
            payload = _like(ReferralApproved, case_id=case_id, referral_id=referral_id)
        elif kind == "status" and referrals:
            case_id, referral_id = rng.choice(referrals)
            payload = _like(PartnerStatusReported, case_id=case_id, referral_id=referral_id)
        else:
            payload = _like(BottleneckObserved, case_id=case_id,
                            category=rng.choice(list(BottleneckCategory)),
                            region=rng.choice(list(Region)),
                            observed_on=today - timedelta(days=rng.choice([0, 40])))  # fmt: skip
        events.append((new_envelope(payload, source="test", subject=str(case_id)), payload))
    return events


def _like(cls: type[EventPayload], **changes: Any) -> EventPayload:
    return cls.model_validate(example_payload(cls).model_copy(update=changes).model_dump())


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_one_batch_stores_what_one_event_at_a_time_stores(
    hub_settings: HubSettings, seed: int
) -> None:
    settings = Settings(hub=hub_settings, max_cells_per_person=5)
    deps = Deps(settings)
    events = [Event(env, payload) for env, payload in _events(random.Random(seed), 150)]

    def unit_of_work(pool: asyncpg.Pool) -> PostgresSignalsUnitOfWork:
        return PostgresSignalsUnitOfWork(pool, source="test")

    async with both_ways(hub_settings, MIGRATIONS, ROUTES, deps, unit_of_work) as run:
        await run.in_batches([events])
        await run.one_at_a_time(events)
        batch = await rows_of(run.pools["batch"], TABLES)
        single = await rows_of(run.pools["single"], TABLES)
    assert run.batches_refused == run.refused["single"] == 0, "no event here is refused"
    assert batch["contributions"], "the stream should have produced contributions"
    assert batch == single
