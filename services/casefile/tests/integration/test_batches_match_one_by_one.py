"""The consumer's fast path applies a poll batch in one call (the route table's batch route,
`casefile.handlers.batch`); it must store exactly what the same events store when applied one
at a time through the event routes (the path a failing record takes): the views of consents
and partners, the timeline in its order, the inbox; nothing in the outbox."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from casefile.bootstrap import MIGRATIONS
from casefile.bootstrap import deps as casefile_deps
from casefile.config import Settings
from casefile.routes import ROUTES
from casefile.unit_of_work import CasefileUnitOfWork
from hub_contracts import (
    ConsentGranted,
    ConsentWithdrawn,
    DataCategory,
    DisclosureMade,
    Envelope,
    EventPayload,
    MonitoringReported,
    PartnerRegistered,
    PartnerStatusReported,
    PartnerType,
    Purpose,
    ReferralApproved,
    ReferralRefusedV2,
    ReferralStatusChanged,
    new_envelope,
)
from hub_runtime.bus import bind_batch, bind_events
from hub_runtime.migrations import folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from hub_runtime.testing_batches import RUNTIME_TABLES, apply_both_ways, like

pytestmark = pytest.mark.integration

TABLES = {
    # Ties in time are ordered by insertion (the serial id), as readers order them.
    "timeline": "SELECT case_id, occurred_at, kind, source, event_id, details::text"
    " FROM timeline ORDER BY case_id, occurred_at, id",
    "consents": "SELECT * FROM consents ORDER BY consent_id",
    "partners": "SELECT * FROM partners ORDER BY partner_id",
    **RUNTIME_TABLES,
}

KINDS = (
    ["grant"] * 3
    + ["withdraw"] * 2
    + ["partner"] * 2
    + ["approved", "refused", "status_v1", "partner_status", "monitoring", "disclosure", "again"]
)


def _events(rng: random.Random, count: int) -> list[Envelope]:
    """A stream over few people, consents and partners, so that changes to one row meet in a
    batch: re-grants, withdrawals before and after grants, a partner that turns into an
    origin-country authority and back, equal event times, duplicate deliveries."""
    people = [uuid.uuid4() for _ in range(3)]
    partners = [uuid.uuid4() for _ in range(3)]
    consents = [(rng.choice(people), uuid.uuid4(), rng.choice(partners)) for _ in range(4)]
    today = date.today()
    at = datetime.now(UTC).replace(microsecond=0)
    out: list[Envelope] = []
    for _ in range(count):
        kind = rng.choice(KINDS)
        case_id, consent_id, partner_id = rng.choice(consents)
        payload: EventPayload
        if kind == "again" and out:
            out.append(rng.choice(out))  # a redelivered record: applied once
            continue
        if kind == "grant":
            payload = like(
                ConsentGranted,
                case_id=case_id,
                consent_id=consent_id,
                partner_id=partner_id,
                purposes=rng.sample(list(Purpose), rng.randint(1, 2)),
                data_categories=rng.sample(list(DataCategory), rng.randint(1, 3)),
                valid_from=today,
                valid_until=today + timedelta(rng.randint(1, 90)),
            )
        elif kind == "withdraw":
            payload = like(
                ConsentWithdrawn,
                case_id=case_id,
                consent_id=consent_id,
                partner_id=partner_id,
                withdrawn_at=at - timedelta(minutes=rng.randint(0, 60)),
            )
        elif kind == "partner":
            payload = like(
                PartnerRegistered,
                partner_id=rng.choice(partners),
                partner_type=rng.choice(list(PartnerType)),
                active=rng.random() < 0.8,
                purposes=rng.sample(list(Purpose), rng.randint(1, 2)),
                agreement_valid_until=rng.choice([None, today + timedelta(30)]),
            )
        elif kind == "approved":
            payload = like(ReferralApproved, case_id=case_id, partner_id=partner_id)
        elif kind == "refused":
            payload = like(ReferralRefusedV2, case_id=case_id)
        elif kind == "status_v1":  # an open v1 code, mapped to its closed successor
            payload = like(
                ReferralStatusChanged,
                case_id=case_id,
                reason_code=rng.choice(["no_capacity", "some_open_code", None]),
            )
        elif kind == "partner_status":
            payload = like(PartnerStatusReported, case_id=case_id, partner_id=partner_id)
        elif kind == "monitoring":
            payload = like(MonitoringReported, case_id=case_id)
        else:
            payload = like(
                DisclosureMade, case_id=case_id, partner_id=partner_id, consent_id=consent_id
            )
        subject = str(payload.envelope_subject())
        # Few distinct times: entries of one case at one time keep their insertion order.
        time = at + timedelta(seconds=rng.randint(0, 3))
        out.append(new_envelope(payload, source="test", subject=subject, time=time))
    return out


@pytest.mark.parametrize(("seed", "poll"), [(1, 7), (2, 50), (3, 500), (4, 1)])
async def test_batches_store_what_one_event_at_a_time_stores(
    hub_settings: HubSettings, seed: int, poll: int
) -> None:
    wired = casefile_deps(Settings(hub=hub_settings))
    batch_handler = bind_batch(ROUTES, wired)
    assert batch_handler is not None, "casefile's route table has a batch route"
    events = _events(random.Random(seed), 160)
    single, batch = await apply_both_ways(
        hub_settings,
        migrations=runtime_migrations() + folder_migrations(MIGRATIONS),
        unit_of_work=CasefileUnitOfWork,
        handlers=bind_events(ROUTES, wired),
        batch_handler=batch_handler,
        events=events,
        poll=poll,
        queries=TABLES,
    )
    assert all(single.rows[t] for t in ("timeline", "consents", "partners")), "rows expected"
    assert len(single.rows["hub_inbox"]) == len({e.id for e in events}) < len(events)
    assert single.rows["hub_outbox"] == []
    assert batch.rows == single.rows
    assert batch.dead_letters == single.dead_letters == []
    # Every poll went through the batch route (none fell back to one record at a time).
    assert batch.batch_calls_ok == len(batch.batch_calls) > 0
