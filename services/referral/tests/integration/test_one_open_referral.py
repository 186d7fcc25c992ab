"""One open referral per case, partner and purpose (issue 13 item 3), on the real stack.

Seven identical requests without an Idempotency-Key made seven approved referrals (seven
webhooks, seven fetches abroad). Now the second is a 409 naming the first; concurrent requests
cannot both pass (the per-case lock, and a partial unique index under it); a retry with the same
Idempotency-Key still gets the stored first answer.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from hub_contracts import DataCategory, Purpose, ReferralApproved
from hub_runtime.auth import Role
from referral.domain.model import Referral, Status
from referral.repository import OpenReferralExistsError
from referral.unit_of_work import PostgresUnitOfWork

pytestmark = pytest.mark.integration


def body(partner: str, purpose: str = "return_counselling") -> dict[str, Any]:
    return {"partner_id": partner, "purpose": purpose, "data_categories": ["identity"]}


async def post(stack: Any, case_id: uuid.UUID, payload: dict[str, Any], **headers: str) -> Any:
    return await stack.http.post(
        f"/cases/{case_id}/referrals",
        json=payload,
        headers={**stack.token(Role.COUNSELLOR), **headers},
    )


async def consented_case(stack: Any) -> tuple[uuid.UUID, str]:
    case_id = await stack.open_case()
    partner = (await stack.register_partner())["partner_id"]
    consent = await stack.grant(
        case_id, partner, purposes=["return_counselling", "reintegration_support"]
    )
    assert consent.status_code == 201, consent.text
    return case_id, partner


async def test_seven_concurrent_requests_make_one_referral_and_six_409s(stack: Any) -> None:
    case_id, partner = await consented_case(stack)
    answers = await asyncio.gather(*(post(stack, case_id, body(partner)) for _ in range(7)))
    created = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code == 409]
    assert (len(created), len(refused)) == (1, 6), [a.text for a in answers]
    first = created[0].json()["referral_id"]
    for answer in refused:
        assert answer.json()["error"] == "referral_already_open"
        assert answer.json()["existing_referral_id"] == first
        assert answer.json()["detail"].startswith("An open referral")
    listed = await stack.http.get(
        f"/cases/{case_id}/referrals", headers=stack.token(Role.COUNSELLOR)
    )
    assert [r["referral_id"] for r in listed.json()] == [first]
    await stack.wait_for_event(lambda p: isinstance(p, ReferralApproved))
    assert len([p for _, p in await stack.events() if isinstance(p, ReferralApproved)]) == 1

    # Another purpose is another referral; a closed one (withdrawn) frees the slot.
    other = await post(stack, case_id, body(partner, "reintegration_support"))
    assert other.status_code == 201, other.text


async def test_a_replay_with_the_same_key_gets_the_first_answer_not_the_409(stack: Any) -> None:
    case_id, partner = await consented_case(stack)
    key = {"Idempotency-Key": f"tool-{uuid.uuid4().hex}"}
    first, again = await asyncio.gather(
        post(stack, case_id, body(partner), **key), post(stack, case_id, body(partner), **key)
    )
    answers = sorted([first, again], key=lambda a: a.status_code)
    # Concurrent with one key: one runs, the other is told it is running (or replays it).
    assert answers[0].status_code == 201, answers[0].text
    assert answers[1].status_code in (201, 409)
    if answers[1].status_code == 409:
        assert answers[1].json()["error"] == "idempotency_in_progress"
    replay = await post(stack, case_id, body(partner), **key)
    assert replay.status_code == 201, replay.text
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["referral_id"] == answers[0].json()["referral_id"]
    # Without the key it is a new request, refused as a duplicate of the first.
    plain = await post(stack, case_id, body(partner))
    assert (plain.status_code, plain.json()["existing_referral_id"]) == (
        409,
        answers[0].json()["referral_id"],
    )


async def test_a_refused_or_withdrawn_referral_does_not_block_a_new_request(stack: Any) -> None:
    case_id = await stack.open_case()
    partner = (await stack.register_partner())["partner_id"]
    refused = await post(stack, case_id, body(partner))  # no consent yet: refused
    assert refused.json()["status"] == "refused"
    consent = (await stack.grant(case_id, partner)).json()
    approved = await post(stack, case_id, body(partner))
    assert approved.json()["status"] == "approved", approved.text
    withdrawn = await stack.http.post(
        f"/consents/{consent['consent_id']}/withdraw", headers=stack.token(Role.COUNSELLOR)
    )
    assert withdrawn.status_code == 200
    after = await post(stack, case_id, body(partner))
    assert (after.status_code, after.json()["status"]) == (201, "refused")


async def test_the_database_refuses_a_second_open_referral_itself(stack: Any) -> None:
    """Past the service's check (as two racing processes would be): the partial unique index
    refuses the insert, and the repository names the open referral (the handler's 409)."""
    case_id, partner = await consented_case(stack)
    first = (await post(stack, case_id, body(partner))).json()["referral_id"]
    duplicate = Referral(
        referral_id=uuid.uuid4(),
        case_id=case_id,
        partner_id=uuid.UUID(partner),
        purpose=Purpose.RETURN_COUNSELLING,
        data_categories=frozenset({DataCategory.IDENTITY}),
        consent_id=None,
        status=Status.REQUESTED,
    )
    pool = stack.runtime.context.pool
    async with PostgresUnitOfWork(pool) as uow:
        with pytest.raises(OpenReferralExistsError) as refused:
            await uow.referrals.add(duplicate, "staff-1", datetime.now(UTC))
        assert str(refused.value.existing) == first
        # Only the insert was undone (a savepoint): the transaction goes on.
        assert await uow.conn.fetchval("SELECT count(*) FROM referrals WHERE case_id = $1", case_id)
    with pytest.raises(asyncpg.UniqueViolationError):
        await pool.execute(
            "INSERT INTO referrals (referral_id, case_id, partner_id, purpose, data_categories,"
            " status, suspended_from, requested_by, requested_at, status_changed_at)"
            " VALUES ($1, $2, $3, 'return_counselling', '{identity}', 'suspended', 'approved',"
            " 's', now(), now())",
            uuid.uuid4(),
            case_id,
            uuid.UUID(partner),
        )
