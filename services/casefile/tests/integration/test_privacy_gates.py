"""Issue 12 on the real stack: casefile's disclosure follows hub_contracts.privacy on its own
view, a closed case takes no new writes, and v3/v2 producer events reach the timeline as codes."""

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hub_contracts import (
    PartnerStatusReported,
    PartnerStatusReportedV2,
    ReferralRefusedV3,
    ReferralStatusChangedV2,
)
from hub_runtime.auth import Role
from hub_runtime.testing import wait_until

from ._consents import consent_granted, consent_known, disclosure_request, partner_registered

pytestmark = pytest.mark.integration

TWO_PURPOSES = ["travel_documents", "reintegration_support"]


async def test_an_id_once_an_origin_authority_gets_nothing_after_reclassification(
    casefile: Any,
) -> None:
    case_id = await casefile.open_case(stage="final_rejection")
    partner_id = uuid.uuid4()
    await casefile.publish(partner_registered("authority_origin", TWO_PURPOSES, partner_id))
    consent = consent_granted(case_id, partner_id, purposes=TWO_PURPOSES)
    await casefile.publish(consent)
    await consent_known(casefile, consent)
    # The directory now calls it an NGO: casefile's view remembers what it was.
    await casefile.publish(partner_registered("ngo", TWO_PURPOSES, partner_id))

    async def reclassified() -> bool:
        kind = await casefile.fetchval(
            "SELECT partner_type FROM partners WHERE partner_id = $1", partner_id
        )
        return bool(kind == "ngo")

    await wait_until(reclassified)
    service = casefile.token(Role.SERVICE, "partner-gateway")
    answer = await casefile.http.post(
        "/internal/disclosures",
        json=disclosure_request(consent, purpose="reintegration_support"),
        headers=service,
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["error"] == "partner_origin_authority"
    assert casefile.NAME not in answer.text


async def test_protection_first_follows_the_stage_casefile_knows(casefile: Any) -> None:
    case_id = await casefile.open_case(stage="first_rejection")
    partner = partner_registered("ngo", TWO_PURPOSES)
    consent = consent_granted(case_id, partner.partner_id, purposes=TWO_PURPOSES)
    await casefile.publish(partner)
    await casefile.publish(consent)
    await consent_known(casefile, consent)
    service = casefile.token(Role.SERVICE, "partner-gateway")
    counsellor = casefile.token(Role.COUNSELLOR)
    travel = disclosure_request(consent, purpose="travel_documents")

    first = await casefile.http.post("/internal/disclosures", json=travel, headers=service)
    assert first.status_code == 200, first.text
    today = casefile.today().isoformat()
    for stage in ("appeal_pending", "final_rejection", "in_procedure"):
        moved = await casefile.http.post(
            f"/cases/{case_id}/stage",
            json={"to_stage": stage, "decided_on": today},
            headers=counsellor,
        )
        assert moved.status_code == 200, moved.text
        answer = await casefile.http.post("/internal/disclosures", json=travel, headers=service)
        if stage == "final_rejection":  # a court has ruled: allowed again
            assert answer.status_code == 200, answer.text
            continue
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"] == "appeal_pending_travel_documents"
        assert casefile.NAME not in answer.text
        # Other purposes are not the origin country's business: still allowed.
        other = disclosure_request(consent, purpose="reintegration_support")
        assert (
            await casefile.http.post("/internal/disclosures", json=other, headers=service)
        ).status_code == 200


async def test_a_closed_case_refuses_new_writes_and_disclosures_but_can_be_erased(
    casefile: Any,
) -> None:
    case_id = await casefile.open_case(stage="final_rejection")
    partner = partner_registered("ngo", TWO_PURPOSES)
    consent = consent_granted(case_id, partner.partner_id, purposes=TWO_PURPOSES)
    await casefile.publish(partner)
    await casefile.publish(consent)
    await consent_known(casefile, consent)
    counsellor = casefile.token(Role.COUNSELLOR)
    today = casefile.today().isoformat()
    closed = await casefile.http.post(
        f"/cases/{case_id}/close", json={"closed_on": today}, headers=counsellor
    )
    assert closed.status_code == 200, closed.text
    before = await casefile.fetchval("SELECT count(*) FROM hub_outbox")

    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("post", "decision", {"decision": "independent_return", "decided_on": today}),
        ("post", "bottlenecks", {"category": "travel_documents_refused", "observed_on": today}),
        (
            "post",
            "options",
            {
                "options": ["independent_return"],
                "language": "ar",
                "interpreter_used": False,
                "discussed_on": today,
            },
        ),
        ("post", "stage", {"to_stage": "buitenschuld_pending", "decided_on": today}),
        (
            "post",
            "efforts",
            {
                "kind": "embassy_visit",
                "occurred_on": today,
                "authority": "embassy",
                "outcome": "refused",
            },
        ),
        ("post", "deadlines", {"kind": "entry_ban_end", "starts_on": today, "years": 2}),
        ("patch", "", {"region": "noord"}),
    ]
    documented = (await casefile.http.get("/openapi.json")).json()["paths"]
    for method, path, body in writes:
        url = f"/cases/{case_id}/{path}".rstrip("/")
        response = await casefile.http.request(method.upper(), url, json=body, headers=counsellor)
        assert response.status_code == 409, (path, response.text)
        assert response.json()["error"] == "case_closed"
        assert set(response.json()) >= {"error", "detail"}
        # The OpenAPI document says so too (a client generated from it expects the 409).
        template = f"/cases/{{case_id}}/{path}".rstrip("/")
        assert "409" in documented[template][method]["responses"], (method, template)
    assert await casefile.fetchval("SELECT count(*) FROM hub_outbox") == before
    for table in ("decisions", "bottlenecks", "options_discussed", "efforts"):
        assert await casefile.fetchval(f"SELECT count(*) FROM {table}") == 0, table

    service = casefile.token(Role.SERVICE, "partner-gateway")
    answer = await casefile.http.post(
        "/internal/disclosures",
        json=disclosure_request(consent, purpose="reintegration_support"),
        headers=service,
    )
    assert (answer.status_code, answer.json()["error"]) == (410, "case_closed")

    # Rectification and erasure stay possible.
    person = {"person": {"name": "Gecorrigeerde Naam", "date_of_birth": casefile.BIRTH}}
    fixed = await casefile.http.put(f"/cases/{case_id}/person", json=person, headers=counsellor)
    assert fixed.status_code == 200, fixed.text
    assert await casefile.fetchval("SELECT count(*) FROM deadlines WHERE cancelled_at IS NULL") == 0
    erased = await casefile.http.delete(
        f"/cases/{case_id}/person", headers=casefile.token(Role.COORDINATOR, "coord")
    )
    assert erased.status_code == 200, erased.text


async def test_new_event_versions_reach_the_timeline_as_codes_only(casefile: Any) -> None:
    case_id = await casefile.open_case()
    case_uuid, referral, partner = uuid.UUID(case_id), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    await casefile.publish(
        ReferralRefusedV3(
            case_id=case_uuid,
            referral_id=referral,
            partner_id=partner,
            reasons=["case_closed", "partner_inactive"],  # type: ignore[list-item]
        )
    )
    await casefile.publish(
        ReferralStatusChangedV2(
            case_id=case_uuid,
            referral_id=referral,
            partner_id=partner,
            from_status="approved",  # type: ignore[arg-type]
            to_status="suspended",  # type: ignore[arg-type]
            reason_code="protection_first",  # type: ignore[arg-type]
        )
    )
    await casefile.publish(
        PartnerStatusReportedV2(
            case_id=case_uuid,
            referral_id=referral,
            partner_id=partner,
            status="declined",  # type: ignore[arg-type]
            reason_code="no_capacity",  # type: ignore[arg-type]
            reported_at=now,
        )
    )
    # An old v1 record whose open code carries a name: never stored as it came.
    await casefile.publish(
        PartnerStatusReported(
            case_id=case_uuid,
            referral_id=referral,
            partner_id=partner,
            status="declined",  # type: ignore[arg-type]
            reason_code="amina_zeldzaam_diabetes",
            reported_at=now,
        )
    )
    headers = casefile.token(Role.COUNSELLOR)

    async def timeline() -> list[dict[str, Any]]:
        view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
        return [e for e in view["timeline"] if e["source"] == "urn:test"]

    async def all_four() -> bool:
        return len(await timeline()) == 4

    await wait_until(all_four)
    entries = {(e["kind"], e["details"].get("reason_code")): e for e in await timeline()}
    refused = entries[("referral_refused", None)]["details"]["reasons"]
    assert [r["code"] for r in refused] == ["case_closed", "partner_inactive"]
    assert all(r["text"] for r in refused)  # rendered at the edge
    assert ("referral_status_changed", "protection_first") in entries
    assert ("partner_status_reported", "no_capacity") in entries
    assert ("partner_status_reported", "other") in entries
    stored = await casefile.fetchval(
        "SELECT string_agg(details::text, ' ') FROM timeline WHERE case_id = $1", case_uuid
    )
    assert "zeldzaam" not in stored
    assert "amina" not in stored
