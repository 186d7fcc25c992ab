"""`Prefer: wait=N` on a referral request: a tool that has just recorded the decision in the
case file gets a decision on the case as it now is, not a refusal that only reflects the lag of
referral's view (which signals would also count as a refusal reason)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date
from typing import Any

import pytest
from hub_contracts import DecisionRecorded, Topic
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

CASEFILE = "urn:council-hub:casefile"


async def _refer(stack: Any, case_id: uuid.UUID, partner_id: str, prefer: str) -> Any:
    body = {
        "partner_id": partner_id,
        "purpose": "return_counselling",
        "data_categories": ["identity"],
    }
    headers = {**stack.token(Role.COUNSELLOR), "Prefer": prefer}
    return await stack.http.post(f"/cases/{case_id}/referrals", json=body, headers=headers)


async def test_a_request_that_may_wait_sees_a_decision_still_on_its_way(stack: Any) -> None:
    case_id = await stack.open_case(decision=None)  # the decision is not in referral's view yet
    partner = await stack.register_partner()
    assert (await stack.grant(case_id, partner["partner_id"])).status_code == 201

    async def decision_arrives_later() -> None:
        await asyncio.sleep(0.5)
        decided = DecisionRecorded(
            case_id=case_id, decision="independent_return", decided_on=date.today()
        )
        await stack.publish(decided, Topic.CASEFILE_EVENTS, CASEFILE)

    arriving = asyncio.create_task(decision_arrives_later())
    response = await _refer(stack, case_id, partner["partner_id"], "wait=8")
    await arriving
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "approved", response.json()
    assert response.headers["Preference-Applied"] == "wait=8"


async def test_the_wait_ends_and_the_usual_refusal_follows(stack: Any) -> None:
    case_id = await stack.open_case(decision=None)  # and no decision is coming
    partner = await stack.register_partner()
    assert (await stack.grant(case_id, partner["partner_id"])).status_code == 201
    started = time.monotonic()
    response = await _refer(stack, case_id, partner["partner_id"], "respond-async, wait=1")
    assert time.monotonic() - started >= 1.0
    assert response.json()["status"] == "refused"
    assert [r["code"] for r in response.json()["refusal_reasons"]] == ["decision_missing"]
