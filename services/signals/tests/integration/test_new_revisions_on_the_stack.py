"""The producers' new revisions (ReferralRefused.v3, PartnerStatusReported.v2) are counted next
to the old ones, and a decline's reason is counted from the closed DeclineReason only: an old
v1 open code is counted as `other`, never as itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hub_contracts import (
    DataCategory,
    DeclineReason,
    Envelope,
    EventPayload,
    PartnerReportedStatus,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    PartnerType,
    Purpose,
    ReferralApproved,
    ReferralRefusedV3,
    RefusalCode,
    new_envelope,
)
from hub_runtime.auth import Role
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until

from .conftest import bearer, publish_many

pytestmark = pytest.mark.integration

CANARY = "amina_zeldzaam_diabetes"


def wrap(payload: EventPayload, case_id: uuid.UUID, at: datetime) -> tuple[Envelope, str]:
    envelope = new_envelope(payload, source="t", subject=str(case_id), time=at)
    return envelope, payload.topic


async def test_v3_refusals_and_v2_declines_with_closed_reasons(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    at = datetime(2025, 5, 2, 9, tzinfo=UTC)
    events = []
    reasons = (DeclineReason.NO_CAPACITY, None)
    for reason in reasons:
        case_id, referral_id, partner_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        ids = {"case_id": case_id, "referral_id": referral_id, "partner_id": partner_id}
        events.append(
            wrap(
                PartnerStatusReportedV2(
                    **ids,
                    status=PartnerReportedStatus.DECLINED,
                    reason_code=reason,
                    reported_at=at + timedelta(days=1),
                ),
                case_id,
                at,
            )
        )
    old_case = uuid.uuid4()
    old_ids = {"case_id": old_case, "referral_id": uuid.uuid4(), "partner_id": uuid.uuid4()}
    events.append(
        wrap(
            ReferralApproved(
                **old_ids,
                partner_type=PartnerType.NGO,
                purpose=Purpose.REINTEGRATION_SUPPORT,
                data_categories=[DataCategory.CONTACT],
                consent_id=uuid.uuid4(),
            ),
            old_case,
            at,
        )
    )
    events.append(
        wrap(
            PartnerStatusReported(
                **old_ids,
                status=PartnerReportedStatus.DECLINED,
                reason_code=CANARY,
                reported_at=at + timedelta(days=2),
            ),
            old_case,
            at,
        )
    )
    refused_case = uuid.uuid4()
    events.append(
        wrap(
            ReferralRefusedV3(
                case_id=refused_case,
                referral_id=uuid.uuid4(),
                partner_id=uuid.uuid4(),
                reasons=[RefusalCode.CASE_CLOSED, RefusalCode.PARTNER_INACTIVE],
            ),
            refused_case,
            at,
        )
    )
    consumer = signals_service.consumer
    assert consumer is not None
    await publish_many(isolated_hub, events)

    async def applied() -> bool:
        return consumer.stats.applied == len(events)

    await wait_until(applied, within=30)
    assert signals_service.context is not None
    rows = await signals_service.context.pool.fetch(
        "SELECT table_name, coordinates::text AS c FROM contributions"
    )
    cells = sorted((r["table_name"], r["c"]) for r in rows)
    declines = sorted(c for t, c in cells if t == "partner_declines_by_reason")
    assert declines == [
        '{"reason": "no_capacity"}',
        '{"reason": "other"}',
        '{"reason": "unknown"}',
    ]
    assert sorted(c for t, c in cells if t == "refusals_by_reason") == [
        '{"reason": "case_closed"}',
        '{"reason": "partner_inactive"}',
    ]
    dump = " ".join(f"{t} {c}" for t, c in cells)
    assert CANARY not in dump
    assert "amina" not in dump
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        listed = await client.get("/admin/contributions", headers=bearer(isolated_hub, Role.ADMIN))
    assert CANARY not in listed.text
