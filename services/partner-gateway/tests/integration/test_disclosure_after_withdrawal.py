"""After withdrawal or erasure: 410 Gone, and nothing is logged as disclosed (after an erasure,
nothing reported about the person either)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from hub_contracts import (
    ConsentGranted,
    DataCategory,
    DisclosureMade,
    MonitoringReported,
    PartnerStatusReportedV2,
    PersonErased,
    Purpose,
)

from .conftest import Gateway

pytestmark = pytest.mark.integration


async def _fetch(gateway: Gateway, partner_id: uuid.UUID, referral_id: uuid.UUID) -> httpx.Response:
    return await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(partner_id)
    )


async def test_a_disclosure_after_consent_withdrawn_is_gone_and_not_logged(
    gateway: Gateway,
) -> None:
    partner_id, case_id, consent_id, referral_id = await gateway.approved_referral()
    await gateway.withdraw(case_id, consent_id, partner_id)

    # wait on the gateway's view, not by fetching (a fetch before the event is a disclosure)
    await gateway.view_holds(
        "SELECT withdrawn_at IS NOT NULL FROM consents WHERE consent_id = $1", consent_id
    )
    response = await _fetch(gateway, partner_id, referral_id)
    assert response.status_code == 410
    assert response.json()["error"] == "consent_withdrawn"
    assert gateway.casefile.requests == []  # casefile was not even asked
    assert await gateway.disclosures(referral_id) == []
    assert await gateway.emitted(DisclosureMade) == []


async def test_a_disclosure_before_withdrawal_is_logged_and_the_next_one_is_gone(
    gateway: Gateway,
) -> None:
    partner_id, case_id, consent_id, referral_id = await gateway.approved_referral()
    assert (await _fetch(gateway, partner_id, referral_id)).status_code == 200
    await gateway.withdraw(case_id, consent_id, partner_id)

    # wait on the gateway's view, not by fetching (a fetch before the event is a disclosure)
    await gateway.view_holds(
        "SELECT withdrawn_at IS NOT NULL FROM consents WHERE consent_id = $1", consent_id
    )
    assert len(await gateway.disclosures(referral_id)) == 1
    assert len(await gateway.emitted(DisclosureMade)) == 1


async def test_casefile_answering_gone_is_passed_on_and_nothing_is_logged(gateway: Gateway) -> None:
    partner_id, case_id, _, referral_id = await gateway.approved_referral()
    gateway.casefile.gone_cases.add(str(case_id))  # e.g. erased there before the event came
    response = await _fetch(gateway, partner_id, referral_id)
    assert response.status_code == 410
    assert len(gateway.casefile.requests) == 1
    assert await gateway.disclosures(referral_id) == []


async def test_after_person_erased_the_referral_is_gone(gateway: Gateway) -> None:
    partner_id, case_id, _, referral_id = await gateway.approved_referral()
    await gateway.publish(PersonErased(case_id=case_id, erased_at=datetime.now(UTC)))

    await gateway.view_holds("SELECT true FROM erased_cases WHERE case_id = $1", case_id)
    response = await _fetch(gateway, partner_id, referral_id)
    assert (response.status_code, response.json()["error"]) == (410, "person_erased")
    assert await gateway.disclosures(referral_id) == []

    # Nor is anything more taken about the person: the partner's reports get the GET's answer
    # and put nothing on Kafka for the erased person's case.
    for route, body in (
        ("status", {"status": "in_progress"}),
        ("monitoring", {"months_after_return": 3, "outcomes": ["safety_concern"]}),
    ):
        headers = {**gateway.as_partner(partner_id), "Idempotency-Key": f"k-{uuid.uuid4()}"}
        report = await gateway.http.post(
            f"/partner/referrals/{referral_id}/{route}", json=body, headers=headers
        )
        assert report.status_code == 410, report.text
        assert report.json() == response.json()
    assert await gateway.emitted(PartnerStatusReportedV2) == []
    assert await gateway.emitted(MonitoringReported) == []


async def test_a_withdrawal_arriving_before_its_grant_still_wins(gateway: Gateway) -> None:
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    case_id, consent_id = uuid.uuid4(), uuid.uuid4()
    await gateway.withdraw(case_id, consent_id, partner_id)
    # the grant comes later (a replay, or events of different partitions)
    await gateway.publish(
        ConsentGranted(
            case_id=case_id,
            consent_id=consent_id,
            partner_id=partner_id,
            purposes=[Purpose.REINTEGRATION_SUPPORT],
            data_categories=[DataCategory.IDENTITY, DataCategory.CONTACT],
            valid_from=date.today(),
            valid_until=date.today() + timedelta(days=30),
        )
    )
    referral_id = await gateway.approve(case_id, partner_id, consent_id)
    await gateway.referral_known(referral_id)
    assert (await _fetch(gateway, partner_id, referral_id)).status_code == 410
