"""The skeleton path on the real stack: open, read, decide, bottleneck, consume, disclose."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hub_contracts import (
    ConsentWithdrawn,
    Envelope,
    PartnerStatusReported,
    Topic,
)
from hub_contracts.registry import decode
from hub_runtime.auth import Role
from hub_runtime.testing import read_all, wait_until

from ._consents import consent_granted, consent_known, disclosure_request, partner_registered

pytestmark = pytest.mark.integration


async def _events(cf: Any, case_id: str) -> list[tuple[bytes, Envelope]]:
    records = await read_all(cf.hub, cf.hub.topic(Topic.CASEFILE_EVENTS))
    found = []
    for record in records:
        envelope = Envelope.from_bytes(record.value)
        if envelope.subject == case_id:
            found.append((record.value, envelope))
    return found


async def test_opening_a_case_publishes_case_opened_without_personal_data(casefile: Any) -> None:
    case_id = await casefile.open_case()

    async def case_opened_published() -> bool:
        return any(e.type.endswith("CaseOpened.v1") for _, e in await _events(casefile, case_id))

    await wait_until(case_opened_published)
    for raw, envelope in await _events(casefile, case_id):
        text = raw.decode()
        for secret in (casefile.NAME, casefile.PHONE, casefile.BIRTH, "insulin", "2019-02-28"):
            assert secret not in text, f"{envelope.type} carries personal data"
        decode(envelope)  # every event satisfies its contract
    opened = [decode(e) for _, e in await _events(casefile, case_id) if "CaseOpened" in e.type]
    assert opened[0].model_dump(mode="json")["household_size"] == 2
    assert opened[0].model_dump(mode="json")["has_minors"] is True


async def test_the_case_is_stored_encrypted_and_read_back_only_by_counsellors(
    casefile: Any,
) -> None:
    case_id = await casefile.open_case()
    stored = await casefile.fetchval(
        "SELECT string_agg(encode(ciphertext, 'escape'), '') FROM person_fields"
    )
    assert casefile.NAME not in stored
    assert casefile.PHONE not in stored

    counsellor = await casefile.http.get(
        f"/cases/{case_id}", headers=casefile.token(Role.COUNSELLOR)
    )
    assert counsellor.status_code == 200, counsellor.text
    person = counsellor.json()["person"]
    assert person["identity"]["name"] == casefile.NAME
    assert person["contact"]["phone"] == casefile.PHONE
    assert next(e["kind"] for e in counsellor.json()["timeline"]) == "case_opened"

    admin = await casefile.http.get(f"/cases/{case_id}", headers=casefile.token(Role.ADMIN, "root"))
    assert admin.status_code == 200
    assert admin.json()["person"] is None
    advocacy = await casefile.http.get(f"/cases/{case_id}", headers=casefile.token(Role.ADVOCACY))
    assert advocacy.status_code == 403
    anonymous = await casefile.http.get(f"/cases/{case_id}")
    assert anonymous.status_code == 401

    log = await casefile.http.get(
        f"/cases/{case_id}/access-log", headers=casefile.token(Role.COORDINATOR, "coord")
    )
    reads = log.json()["items"]
    assert [(r["accessor"], r["why"], r["outcome"]) for r in reads] == [
        ("alice", "case_view", "read")
    ]


async def test_decisions_are_appended_and_bottlenecks_published(casefile: Any) -> None:
    case_id = await casefile.open_case()
    headers = casefile.token(Role.COUNSELLOR)
    today = casefile.today().isoformat()
    for decision in ("undecided", "independent_return"):
        response = await casefile.http.post(
            f"/cases/{case_id}/decision",
            json={"decision": decision, "decided_on": today},
            headers=headers,
        )
        assert response.status_code == 201, response.text
    response = await casefile.http.post(
        f"/cases/{case_id}/bottlenecks",
        json={"category": "travel_documents_refused", "observed_on": today},
        headers=headers,
    )
    assert response.status_code == 201, response.text

    view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
    assert [d["decision"] for d in view["decisions"]] == ["undecided", "independent_return"]

    async def published() -> bool:
        types = [e.type for _, e in await _events(casefile, case_id)]
        return types.count("council.casefile.DecisionRecorded.v1") == 2 and (
            "council.casefile.BottleneckObserved.v1" in types
        )

    await wait_until(published)
    bottleneck = next(
        decode(e) for _, e in await _events(casefile, case_id) if "Bottleneck" in e.type
    ).model_dump(mode="json")
    assert bottleneck["category"] == "travel_documents_refused"
    assert (bottleneck["region"], bottleneck["location_type"]) == ("oost", "family_location")


async def test_disclosure_rechecks_consent_and_stops_after_withdrawal(casefile: Any) -> None:
    case_id = await casefile.open_case()
    partner = partner_registered("intergovernmental")
    consent = consent_granted(case_id, partner.partner_id)
    await casefile.publish(partner)
    await casefile.publish(consent)
    await consent_known(casefile, consent)
    service = casefile.token(Role.SERVICE, "partner-gateway")

    response = await casefile.http.post(
        "/internal/disclosures", json=disclosure_request(consent), headers=service
    )
    assert response.status_code == 200, response.text
    categories = response.json()["categories"]
    assert set(categories) == {"identity", "contact"}  # nothing beyond the request
    assert categories["identity"]["name"] == casefile.NAME
    assert categories["contact"]["phone"] == casefile.PHONE

    not_covered = disclosure_request(consent, data_categories=["identity", "medical_needs"])
    response = await casefile.http.post("/internal/disclosures", json=not_covered, headers=service)
    assert response.status_code == 403
    assert response.json()["error"] == "consent_not_covering"
    wrong_purpose = disclosure_request(consent, purpose="travel_documents")
    response = await casefile.http.post(
        "/internal/disclosures", json=wrong_purpose, headers=service
    )
    assert response.status_code == 403
    counsellor = casefile.token(Role.COUNSELLOR)
    response = await casefile.http.post(
        "/internal/disclosures", json=disclosure_request(consent), headers=counsellor
    )
    assert response.status_code == 403

    await casefile.publish(
        ConsentWithdrawn(
            case_id=consent.case_id,
            consent_id=consent.consent_id,
            partner_id=consent.partner_id,
            withdrawn_at=datetime.now(UTC),
        )
    )

    async def gone() -> bool:
        again = await casefile.http.post(
            "/internal/disclosures", json=disclosure_request(consent), headers=service
        )
        return again.status_code == 410

    await wait_until(gone)
    log = await casefile.http.get(
        f"/cases/{case_id}/access-log", headers=casefile.token(Role.ADMIN, "root")
    )
    outcomes = [(r["accessor"], r["outcome"]) for r in log.json()["items"]]
    assert outcomes[0] == ("partner-gateway", "disclosed")
    assert ("partner-gateway", "refused:consent_withdrawn") in outcomes
    assert all(r["referral_id"] for r in log.json()["items"])


async def test_disclosure_refuses_origin_authorities_and_expired_consents(casefile: Any) -> None:
    case_id = await casefile.open_case()
    authority = partner_registered("authority_origin")
    ngo = partner_registered("ngo")
    to_authority = consent_granted(case_id, authority.partner_id)
    expired = consent_granted(
        case_id,
        ngo.partner_id,
        valid_from=date.today() - timedelta(days=60),
        valid_until=date.today() - timedelta(days=2),
    )
    for event in (authority, ngo, to_authority, expired):
        await casefile.publish(event)
    await consent_known(casefile, to_authority)
    await consent_known(casefile, expired)
    service = casefile.token(Role.SERVICE, "partner-gateway")

    response = await casefile.http.post(
        "/internal/disclosures", json=disclosure_request(to_authority), headers=service
    )
    assert response.status_code == 403
    assert response.json()["error"] == "partner_origin_authority"
    response = await casefile.http.post(
        "/internal/disclosures", json=disclosure_request(expired), headers=service
    )
    assert response.status_code == 410
    assert response.json()["error"] == "consent_expired"


async def test_partner_status_reaches_the_timeline_once(casefile: Any) -> None:
    case_id = await casefile.open_case()
    status = PartnerStatusReported(
        case_id=uuid.UUID(case_id),
        referral_id=uuid.uuid4(),
        partner_id=uuid.uuid4(),
        status="accepted",  # type: ignore[arg-type]
        reported_at=datetime.now(UTC),
    )
    await casefile.publish(status)
    headers = casefile.token(Role.COUNSELLOR)

    async def on_timeline() -> bool:
        view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
        return any(e["kind"] == "partner_status_reported" for e in view["timeline"])

    await wait_until(on_timeline)
    view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
    entry = next(e for e in view["timeline"] if e["kind"] == "partner_status_reported")
    assert entry["details"]["status"] == "accepted"
    assert entry["source"] == "urn:test"
