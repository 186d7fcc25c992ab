"""A directory entry that changes under open referrals; entries that could never receive data."""

from __future__ import annotations

from typing import Any

import pytest
from hub_contracts import ReferralStatusChangedV2
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration


async def _approved_referral(stack: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    case_id = await stack.open_case()
    partner = await stack.register_partner()
    assert (await stack.grant(case_id, partner["partner_id"])).status_code == 201
    referral = await stack.refer(case_id, partner["partner_id"])
    assert referral.json()["status"] == "approved", referral.text
    return partner, referral.json()


async def _replace_entry(stack: Any, partner: dict[str, Any], **changes: Any) -> Any:
    return await stack.replace_partner(partner, **changes)


@pytest.mark.parametrize(
    "change",
    [
        {"partner_type": "authority_origin", "change_reason": "reclassified"},
        {"active": False, "change_reason": "removed"},
    ],
    ids=["origin", "removed"],
)
async def test_an_entry_that_may_no_longer_receive_data_withdraws_its_open_referrals(
    stack: Any, change: dict[str, Any]
) -> None:
    partner, referral = await _approved_referral(stack)
    replaced = await _replace_entry(stack, partner, **change)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["may_receive_data"] is False

    now = await stack.http.get(
        f"/referrals/{referral['referral_id']}", headers=stack.token(Role.COUNSELLOR)
    )
    assert now.json()["status"] == "withdrawn"
    assert now.json()["status_reason"] == "partner_may_not_receive"
    withdrawn = await stack.wait_for_event(
        lambda p: isinstance(p, ReferralStatusChangedV2) and p.to_status == "withdrawn"
    )
    assert str(withdrawn.referral_id) == referral["referral_id"]


async def test_a_renewed_agreement_leaves_open_referrals_alone(stack: Any) -> None:
    partner, referral = await _approved_referral(stack)
    renewed = await _replace_entry(
        stack, partner, agreement_reference="DSA-2026-002", change_reason="agreement_renewed"
    )
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["may_receive_data"] is True
    now = await stack.http.get(
        f"/referrals/{referral['referral_id']}", headers=stack.token(Role.COUNSELLOR)
    )
    assert now.json()["status"] == "approved"


async def test_an_agreement_without_an_end_is_refused_with_the_reason(stack: Any) -> None:
    body = {
        "name": "Return NGO",
        "partner_type": "ngo",
        "countries": ["IQ"],
        "purposes": ["reintegration_support"],
        "agreement_reference": "DSA-9",
        "agreement_valid_until": None,
    }
    response = await stack.http.post("/partners", json=body, headers=stack.token(Role.ADMIN))
    assert response.status_code == 422
    assert response.json()["error"] == "agreement_end_missing"
    assert "agreement_valid_until" in response.json()["detail"]


async def test_the_directory_says_which_entries_may_receive_data_today(stack: Any) -> None:
    without_agreement = await stack.register_partner(agreement_reference=None)
    expired = await stack.register_partner(
        agreement_valid_from="2020-01-01", agreement_valid_until="2021-12-31"
    )
    in_force = await stack.register_partner()
    assert without_agreement["may_receive_data"] is False
    assert expired["may_receive_data"] is False
    assert in_force["may_receive_data"] is True
