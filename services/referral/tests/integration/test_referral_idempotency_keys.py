"""Idempotency-Key on the counsellors' POSTs: a tool that lost the answer sends the request again
and no second referral (a second webhook and disclosure abroad) or consent comes of it."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hub_contracts import ConsentGranted, ReferralApproved
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration


def _referral_body(partner_id: str) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "purpose": "return_counselling",
        "data_categories": ["identity"],
    }


async def _refer(stack: Any, case_id: uuid.UUID, body: dict[str, Any], **headers: str) -> Any:
    return await stack.http.post(
        f"/cases/{case_id}/referrals",
        json=body,
        headers={**stack.token(Role.COUNSELLOR, sub=headers.pop("sub", "staff-1")), **headers},
    )


async def test_a_referral_request_sent_twice_with_one_key_makes_one_referral(stack: Any) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    assert (await stack.grant(case_id, partner["partner_id"])).status_code == 201
    body = _referral_body(partner["partner_id"])
    key = f"tool-{uuid.uuid4().hex}"

    first = await _refer(stack, case_id, body, **{"Idempotency-Key": key})
    again = await _refer(stack, case_id, body, **{"Idempotency-Key": key})

    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["referral_id"] == first.json()["referral_id"]
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = await stack.http.get(
        f"/cases/{case_id}/referrals", headers=stack.token(Role.COUNSELLOR)
    )
    assert len(listed.json()) == 1
    approved = await stack.wait_for_event(lambda p: isinstance(p, ReferralApproved))
    assert str(approved.referral_id) == first.json()["referral_id"]
    events = [p for _, p in await stack.events() if isinstance(p, ReferralApproved)]
    assert len(events) == 1  # one approval: one webhook, one disclosure

    # Another member of staff's identical key is a new request, which the one-open-referral
    # rule refuses, naming the referral that is open.
    other = await _refer(stack, case_id, body, sub="staff-2", **{"Idempotency-Key": key})
    assert other.status_code == 409, other.text
    assert other.json()["error"] == "referral_already_open"
    assert other.json()["existing_referral_id"] == first.json()["referral_id"]
    assert "Idempotent-Replayed" not in other.headers


async def test_a_key_reused_for_another_request_is_refused_and_creates_nothing(
    stack: Any,
) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    assert (await stack.grant(case_id, partner["partner_id"])).status_code == 201
    key = f"tool-{uuid.uuid4().hex}"
    first = await _refer(
        stack, case_id, _referral_body(partner["partner_id"]), **{"Idempotency-Key": key}
    )
    assert first.status_code == 201
    changed = {**_referral_body(partner["partner_id"]), "purpose": "reintegration_support"}
    reused = await _refer(stack, case_id, changed, **{"Idempotency-Key": key})
    assert reused.status_code == 422
    assert reused.json()["error"] == "idempotency_key_reused"
    listed = await stack.http.get(
        f"/cases/{case_id}/referrals", headers=stack.token(Role.COUNSELLOR)
    )
    assert len(listed.json()) == 1


async def test_a_malformed_key_is_a_400_with_the_rule(stack: Any) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    response = await _refer(
        stack, case_id, _referral_body(partner["partner_id"]), **{"Idempotency-Key": "no"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "idempotency_key_invalid"
    assert "8-128 characters" in response.text


async def test_a_consent_sent_twice_with_one_key_is_granted_once_and_answered_twice(
    stack: Any,
) -> None:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    body = stack.consent_body(partner["partner_id"])
    headers = {**stack.token(Role.COUNSELLOR), "Idempotency-Key": f"tool-{uuid.uuid4().hex}"}
    first = await stack.http.post(f"/cases/{case_id}/consents", json=body, headers=headers)
    again = await stack.http.post(f"/cases/{case_id}/consents", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # Without the key the same request is a second grant, which the consent rules refuse.
    plain = await stack.grant(case_id, partner["partner_id"])
    assert plain.status_code == 409
    await stack.wait_for_event(lambda p: isinstance(p, ConsentGranted))
    grants = [p for _, p in await stack.events() if isinstance(p, ConsentGranted)]
    assert len(grants) == 1
