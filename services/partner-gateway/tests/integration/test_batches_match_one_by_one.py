"""The consumer's fast path applies a poll batch in one call (the route table's batch route); it
must store exactly what the same events store when applied one at a time through the event
routes (the path a failing record takes): referrals and their statuses, each partner's inbox in
order, the webhook queue, notices, and every privacy re-check on the way (withdrawals, erasures,
closures, suspensions, a partner reclassified as an origin-country authority)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hub_contracts import (
    CaseClosed,
    CaseOpened,
    ConsentGranted,
    ConsentWithdrawn,
    EventPayload,
    PartnerRegistered,
    PartnerType,
    PersonErased,
    ProcedureStage,
    ProcedureStageChanged,
    ReferralApproved,
    ReferralStatus,
    ReferralStatusChanged,
    ReferralStatusChangedV2,
    new_envelope,
)
from hub_contracts.events._referral_v1 import ReferralStatus as ReferralStatusV1
from hub_contracts.examples import example_payload
from hub_runtime.bus import Event
from hub_runtime.settings import HubSettings
from hub_runtime.testing_batches import both_ways, random_batches, rows_of
from partner_gateway.bootstrap import MIGRATIONS
from partner_gateway.clock import Clock
from partner_gateway.config import Settings
from partner_gateway.deps import Deps
from partner_gateway.routes import ROUTES
from partner_gateway.unit_of_work import PostgresUnitOfWork

pytestmark = pytest.mark.integration

TABLES = {
    "consents": "SELECT consent_id, case_id, partner_id, purposes, data_categories, valid_from,"
    " valid_until, withdrawn_at FROM consents ORDER BY 1",
    "consent_withdrawals": "SELECT * FROM consent_withdrawals ORDER BY 1",
    "erased_cases": "SELECT * FROM erased_cases ORDER BY 1",
    "cases": "SELECT case_id, stage, closed_on FROM cases ORDER BY 1",
    "partners": "SELECT partner_id, partner_type, purposes, countries, active,"
    " agreement_valid_until, ever_origin_authority, webhook_url FROM partners ORDER BY 1",
    "referrals": "SELECT referral_id, case_id, partner_id, partner_type, purpose,"
    " data_categories, consent_id, status, suspended_from FROM referrals ORDER BY 1",
    # Each inbox in its order (seq); the body without its random id and time.
    "notifications": "SELECT partner_id, row_number() OVER (PARTITION BY partner_id ORDER BY seq),"
    " case_id, referral_id, kind, (body::jsonb - 'id' - 'timestamp' #- '{data,notice_id}')::text,"
    " notice_id IS NULL FROM notifications ORDER BY 1, 2",
    "deliveries": "SELECT d.partner_id, row_number() OVER (PARTITION BY d.partner_id ORDER BY"
    " n.seq), n.referral_id, n.kind, d.state, d.last_error FROM deliveries d"
    " JOIN notifications n USING (notification_id) ORDER BY 1, 2",
    "notices": "SELECT referral_id, partner_id, kind, case_id, sent_at IS NULL, acknowledged_at"
    " FROM notices ORDER BY 1, 2, 3",
    "outbox": "SELECT topic, message_key, convert_from(payload, 'UTF8')::jsonb ->> 'type'"
    " FROM hub_outbox ORDER BY id",
}


def _like(cls: type[EventPayload], **changes: Any) -> EventPayload:
    return cls.model_validate(example_payload(cls).model_copy(update=changes).model_dump())


def _event(payload: EventPayload) -> Event[Any]:
    subject = str(payload.envelope_subject())
    return Event(new_envelope(payload, source="test", subject=subject), payload)


class Stream:
    """A random stream over a few partners and cases, so that effects meet: approvals under
    withdrawn consents, of erased or closed cases, replayed, suspended and resumed."""

    def __init__(self, rng: random.Random, partners: list[uuid.UUID]) -> None:
        self.rng, self.partners = rng, partners
        self.cases: list[uuid.UUID] = []
        self.consents: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID]] = []
        self.approved: list[ReferralApproved] = []
        self.suspended: list[ReferralApproved] = []
        self.reclassified = False

    def events(self, count: int) -> list[Event[Any]]:
        kinds = ["open"] * 3 + ["stage", "consent", "consent"] + ["approve"] * 4 + [
            "replay", "noop", "noop", "suspend", "resume", "close_referral", "v1", "withdraw",
            "erase", "close_case"]  # fmt: skip
        out: list[Event[Any]] = []
        for i in range(count):
            if not self.reclassified and i > count * 0.6:
                self.reclassified = True  # a partner becomes an origin-country authority
                out.append(_event(self.registered(self.partners[0], PartnerType.AUTHORITY_ORIGIN)))
                continue
            payload = self._payload(self.rng.choice(kinds))
            if payload is not None:
                out.append(_event(payload))
        return out

    def registered(self, partner_id: uuid.UUID, kind: PartnerType) -> EventPayload:
        return _like(
            PartnerRegistered,
            partner_id=partner_id,
            partner_type=kind,
            agreement_valid_until=date.today() + timedelta(days=365),
        )

    def _payload(self, kind: str) -> EventPayload | None:
        rng = self.rng
        if kind == "open" or not self.cases:
            self.cases.append(uuid.uuid4())
            return _like(CaseOpened, case_id=self.cases[-1], has_minors=False, vulnerabilities=[])
        case_id = rng.choice(self.cases)
        if kind == "stage":
            stage = rng.choice(list(ProcedureStage))
            return _like(ProcedureStageChanged, case_id=case_id, to_stage=stage)
        if kind == "consent" or not self.consents:
            consent = (case_id, uuid.uuid4(), rng.choice(self.partners))
            self.consents.append(consent)
            return _like(
                ConsentGranted,
                case_id=consent[0],
                consent_id=consent[1],
                partner_id=consent[2],
                valid_from=date.today(),
                valid_until=date.today() + timedelta(days=90),
            )
        if kind == "approve" or not self.approved:
            case_id, consent_id, partner_id = rng.choice(self.consents)
            origin = rng.random() < 0.03  # the approval itself names an origin authority
            approval = _like(
                ReferralApproved,
                case_id=case_id,
                referral_id=uuid.uuid4(),
                partner_id=partner_id,
                consent_id=consent_id,
                partner_type=PartnerType.AUTHORITY_ORIGIN if origin else PartnerType.NGO,
            )
            self.approved.append(approval)  # type: ignore[arg-type] # _like returns the class given
            return approval
        a = rng.choice(self.suspended if kind == "resume" and self.suspended else self.approved)
        ids = {"case_id": a.case_id, "referral_id": a.referral_id, "partner_id": a.partner_id}
        s = ReferralStatus
        if kind == "replay":
            return a  # the same approval again, as a new envelope
        if kind == "noop":
            step = rng.choice([(s.APPROVED, s.DELIVERED), (s.DELIVERED, s.ACCEPTED)])
            return _like(ReferralStatusChangedV2, **ids, from_status=step[0], to_status=step[1])
        if kind == "suspend":
            self.suspended.append(a)
            return _like(
                ReferralStatusChangedV2,
                **ids,
                from_status=s.APPROVED,
                to_status=s.SUSPENDED,
                reason_code=None,
            )
        if kind == "resume":
            return _like(
                ReferralStatusChangedV2,
                **ids,
                from_status=s.SUSPENDED,
                to_status=rng.choice([s.APPROVED, s.ACCEPTED]),
                reason_code=None,
            )
        if kind == "close_referral":
            return _like(
                ReferralStatusChangedV2,
                **ids,
                from_status=s.APPROVED,
                to_status=rng.choice([s.WITHDRAWN, s.EXPIRED]),
                reason_code=None,
            )
        if kind == "v1":
            v1 = ReferralStatusV1
            return _like(
                ReferralStatusChanged,
                **ids,
                from_status=v1.APPROVED,
                to_status=rng.choice([v1.DELIVERED, v1.WITHDRAWN]),
                reason_code=None,
            )
        if kind == "withdraw":
            case_id, consent_id, _ = rng.choice(self.consents)
            return _like(
                ConsentWithdrawn,
                case_id=case_id,
                consent_id=consent_id,
                withdrawn_at=datetime.now(UTC),
            )
        if kind == "erase" and rng.random() < 0.5:
            return _like(PersonErased, case_id=case_id, erased_at=datetime.now(UTC))
        if kind == "close_case":
            return _like(CaseClosed, case_id=case_id, closed_on=date.today())
        return None


async def _both_ways(hub_settings: HubSettings, seed: int) -> dict[str, Any]:
    """One seed's stream applied both ways; returns the batch way's rows and counts, after
    checking that every table matches."""
    rng = random.Random(seed)
    settings = Settings(hub=hub_settings)
    deps = Deps.from_settings(settings, casefile=None, clock=Clock())  # type: ignore[arg-type] # no event handler asks casefile
    partners = [uuid.uuid4() for _ in range(4)]
    stream = Stream(rng, partners)
    prelude = [_event(stream.registered(p, PartnerType.NGO)) for p in partners]
    events = stream.events(300)
    batches = random_batches(events, rng, largest=80)
    async with both_ways(hub_settings, MIGRATIONS, ROUTES, deps, PostgresUnitOfWork) as run:
        for way, pool in run.pools.items():
            await run.one_at_a_time(prelude, way)
            # Two partners take webhooks (their notifications are also queued), two pull.
            await pool.execute(
                "UPDATE partners SET webhook_url = 'https://partner.example/hook',"
                " webhook_secret = 'whsec' WHERE partner_id = ANY($1::uuid[])",
                partners[:2],
            )
        await run.one_at_a_time(events)
        await run.in_batches(batches)
        single = await rows_of(run.pools["single"], TABLES)
        batch = await rows_of(run.pools["batch"], TABLES)
    for table in TABLES:
        assert batch[table] == single[table], f"seed {seed}: {table}"
    return {"rows": batch, "refused": run.refused["single"], "fallbacks": run.batches_refused}


async def test_batches_store_what_one_event_at_a_time_stores(hub_settings: HubSettings) -> None:
    met: dict[str, set[Any]] = {"status": set(), "notice": set(), "delivery": set()}
    refused = fallbacks = 0
    for seed in (1, 2, 3, 4):
        seen = await _both_ways(hub_settings, seed)
        met["status"] |= {row[7] for row in seen["rows"]["referrals"]}
        met["notice"] |= {row[2] for row in seen["rows"]["notices"]}
        met["delivery"] |= {row[4] for row in seen["rows"]["deliveries"]}
        refused, fallbacks = refused + seen["refused"], fallbacks + seen["fallbacks"]
    # The streams met what the batch route must get right, not only the easy cases.
    assert {"approved", "withdrawn", "expired", "suspended"} <= met["status"]
    assert {"withdrawal", "erasure", "suspension", "resumption"} <= met["notice"]
    assert {"pending", "given_up"} <= met["delivery"]
    assert refused > 0, "some approvals should name an origin-country authority"
    assert fallbacks > 0, "some batches should have fallen back to one event at a time"
