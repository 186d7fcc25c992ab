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
from hub_runtime.db import create_pool
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from hub_runtime.testing import temporary_databases
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


async def _stored(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    return {name: [tuple(r) for r in await pool.fetch(sql)] for name, sql in TABLES.items()}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_one_batch_stores_what_one_event_at_a_time_stores(
    hub_settings: HubSettings, seed: int
) -> None:
    settings = Settings(hub=hub_settings, max_cells_per_person=5)
    deps = Deps(settings)
    events = [Event(env, payload) for env, payload in _events(random.Random(seed), 150)]
    assert ROUTES.batch is not None
    async with temporary_databases(hub_settings, "batch", "single") as names:
        pools = {k: await create_pool(hub_settings.pg_dsn, db) for k, db in names.items()}
        try:
            for pool in pools.values():
                async with pool.acquire() as conn:
                    await apply_migrations(
                        conn, runtime_migrations() + folder_migrations(MIGRATIONS)
                    )
            async with PostgresSignalsUnitOfWork(pools["batch"], source="test") as uow:
                await ROUTES.batch(events, uow, deps)
                await uow.commit()
            for event in events:
                async with PostgresSignalsUnitOfWork(pools["single"], source="test") as uow:
                    await ROUTES.events[event.envelope.type](event, uow, deps)
                    await uow.commit()
            batch, single = await _stored(pools["batch"]), await _stored(pools["single"])
        finally:
            for pool in pools.values():
                await pool.close()
    assert batch["contributions"], "the stream should have produced contributions"
    assert batch == single
