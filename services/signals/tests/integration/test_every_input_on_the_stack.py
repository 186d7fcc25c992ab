"""Every consumed event type lands in its tables (refusals, responses, monitoring, deadlines),
both versions of the refusal and deadline events included."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from hub_contracts import (
    DataCategory,
    DeadlineKind,
    DeadlinePassed,
    DeadlinePassedV2,
    Envelope,
    EventPayload,
    MonitoringOutcome,
    MonitoringReported,
    PartnerReportedStatus,
    PartnerStatusReported,
    PartnerType,
    Purpose,
    ReferralApproved,
    ReferralRefused,
    ReferralRefusedV2,
    RefusalCodeV1,
    RefusalCodeV2,
    RefusalReasonV1,
    Topic,
    new_envelope,
)
from hub_contracts import (
    RefusalReasonV2 as RefusalReason,
)
from hub_runtime.auth import Role
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until

from .conftest import bearer, publish_many

pytestmark = pytest.mark.integration


def wrap(payload: EventPayload, case_id: uuid.UUID, at: datetime) -> tuple[Envelope, str]:
    envelope = new_envelope(payload, source="t", subject=str(case_id), time=at)
    return envelope, payload.topic


async def test_refusals_responses_monitoring_and_deadlines_are_counted(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    case_id, referral_id, partner_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    approved_at = datetime(2025, 3, 1, 9, tzinfo=UTC)
    answered_at = approved_at + timedelta(days=4)
    next_month = datetime(2025, 4, 2, 9, tzinfo=UTC)
    ids = {"case_id": case_id, "referral_id": referral_id, "partner_id": partner_id}
    events = [
        wrap(
            ReferralApproved(
                **ids,
                partner_type=PartnerType.NGO,
                purpose=Purpose.REINTEGRATION_SUPPORT,
                data_categories=[DataCategory.CONTACT],
                consent_id=uuid.uuid4(),
            ),
            case_id,
            approved_at,
        ),
        wrap(
            PartnerStatusReported(
                **ids, status=PartnerReportedStatus.ACCEPTED, reported_at=answered_at
            ),
            case_id,
            answered_at,
        ),
        wrap(
            ReferralRefused(
                **ids,
                reasons=[
                    RefusalReasonV1.from_code(RefusalCodeV1.CONSENT_MISSING),
                    RefusalReasonV1.from_code(RefusalCodeV1.PARTNER_ORIGIN_AUTHORITY),
                ],
            ),
            case_id,
            approved_at,
        ),
        wrap(
            ReferralRefusedV2(
                **{**ids, "referral_id": uuid.uuid4()},
                reasons=[RefusalReason.from_code(RefusalCodeV2.REFUSED_AT_REVIEW)],
            ),
            case_id,
            approved_at,
        ),
        wrap(
            MonitoringReported(
                **ids,
                months_after_return=7,
                outcomes=[MonitoringOutcome.PROBLEMS_WITH_AUTHORITIES],
            ),
            case_id,
            answered_at,
        ),
        wrap(
            DeadlinePassed(
                case_id=case_id,
                deadline_id=uuid.uuid4(),
                kind=DeadlineKind.DEPARTURE_PERIOD,
                due_date=date(2025, 3, 3),
                days_left=-1,
            ),
            case_id,
            next_month,  # v1 counts in the month of its due date
        ),
        wrap(
            DeadlinePassedV2(
                case_id=case_id,
                deadline_id=uuid.uuid4(),
                kind=DeadlineKind.FAMILY_LOCATION_END,
            ),
            case_id,
            next_month,  # v2 has no date: it counts in the month of the event
        ),
    ]
    assert {topic for _, topic in events} == {
        Topic.REFERRAL_EVENTS,
        Topic.PARTNER_EVENTS,
        Topic.CASEFILE_EVENTS,
    }
    consumer = signals_service.consumer
    assert consumer is not None
    # The approval travels on another topic than the answer: no order between them is
    # promised, so the test lets the approval land first (otherwise partner_type = unknown).
    await publish_many(isolated_hub, events[:1])

    async def approval_applied() -> bool:
        return consumer.stats.applied == 1

    await wait_until(approval_applied)
    await publish_many(isolated_hub, events[1:])

    async def applied() -> bool:
        return consumer.stats.applied == len(events)

    await wait_until(applied, within=30)
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        rows = (
            await client.get("/admin/contributions", headers=bearer(isolated_hub, Role.ADMIN))
        ).json()["contributions"]
    assert {(r["period"], r["table_name"]): r["contributions"] for r in rows} == {
        ("2025-03", "refusals_by_reason"): 3,
        ("2025-03", "partner_responses"): 1,
        ("2025-03", "partner_response_times"): 1,
        ("2025-03", "monitoring_outcomes"): 1,
        ("2025-03", "deadlines_missed"): 1,
        ("2025-04", "deadlines_missed"): 1,
    }
    assert signals_service.context is not None
    coordinates = await signals_service.context.pool.fetch(
        "SELECT period, table_name, coordinates::text AS c FROM contributions ORDER BY table_name"
    )
    by_table = {r["table_name"]: r["c"] for r in coordinates}
    cells = {(r["period"], r["table_name"], r["c"]) for r in coordinates}
    assert {c for p, t, c in cells if t == "refusals_by_reason"} == {
        '{"reason": "consent_missing"}',
        '{"reason": "partner_origin_authority"}',
        '{"reason": "refused_at_review"}',
    }
    assert {(p, c) for p, t, c in cells if t == "deadlines_missed"} == {
        ("2025-03", '{"kind": "departure_period"}'),
        ("2025-04", '{"kind": "family_location_end"}'),
    }
    assert '"partner_type": "ngo"' in by_table["partner_responses"]
    assert '"response_days": "3-7"' in by_table["partner_response_times"]
    assert '"months_after_return": "6-11"' in by_table["monitoring_outcomes"]
