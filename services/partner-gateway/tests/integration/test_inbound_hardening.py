"""Bad input and attacks on the partner API: each refused with the right 4xx and no effect."""

import uuid
from typing import Any

import pytest
from hub_contracts import MonitoringOutcome, MonitoringReported, PartnerStatusReportedV2
from hub_runtime.auth import Role, mint_token
from hub_runtime.idempotency import fingerprint, stored_key
from partner_gateway.api.models import NO_PROBLEMS_ALONE

from .conftest import Gateway, GatewayFactory

pytestmark = pytest.mark.integration


async def _referral(gateway: Gateway) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )
    await gateway.referral_known(referral_id)
    return partner_id, case_id, referral_id


def _key() -> str:
    return f"key-{uuid.uuid4().hex}"


async def _status(
    gateway: Gateway,
    partner_id: uuid.UUID,
    referral_id: uuid.UUID,
    body: Any,
    key: str | None,
    *,
    raw: bytes | None = None,
) -> Any:
    headers = gateway.as_partner(partner_id)
    if key is not None:
        headers["Idempotency-Key"] = key
    if raw is not None:
        headers["content-type"] = "application/json"
        return await gateway.http.post(
            f"/partner/referrals/{referral_id}/status", content=raw, headers=headers
        )
    return await gateway.http.post(
        f"/partner/referrals/{referral_id}/status", json=body, headers=headers
    )


async def test_same_key_and_body_gives_the_same_answer_and_one_event(gateway: Gateway) -> None:
    partner_id, _, referral_id = await _referral(gateway)
    key = _key()
    first = await _status(gateway, partner_id, referral_id, {"status": "accepted"}, key)
    again = await _status(gateway, partner_id, referral_id, {"status": "accepted"}, key)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    reported = await gateway.emitted(PartnerStatusReportedV2)
    assert [(r.referral_id, r.status) for r in reported] == [(referral_id, "accepted")]


async def test_a_reused_key_with_another_body_is_422_and_changes_nothing(gateway: Gateway) -> None:
    partner_id, _, referral_id = await _referral(gateway)
    key = _key()
    assert (
        await _status(gateway, partner_id, referral_id, {"status": "accepted"}, key)
    ).status_code == 202
    other = await _status(
        gateway, partner_id, referral_id, {"status": "declined", "reason_code": "no_capacity"}, key
    )
    assert other.status_code == 422
    assert other.json()["error"] == "idempotency_key_reused"
    assert len(await gateway.emitted(PartnerStatusReportedV2)) == 1


async def test_a_key_still_in_progress_is_409(gateway: Gateway) -> None:
    partner_id, _, referral_id = await _referral(gateway)
    key = _key()
    body = {"status": "in_progress"}
    # the first request with this key has claimed it and not finished (e.g. another process)
    assert gateway.runtime.context is not None
    await gateway.runtime.context.pool.execute(
        "INSERT INTO hub_idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)",
        f"partner:{partner_id}",
        stored_key(key),
        fingerprint(f"status:{referral_id}", {"status": "in_progress", "reason_code": None}),
    )
    response = await _status(gateway, partner_id, referral_id, body, key)
    assert response.status_code == 409
    assert response.json()["error"] == "idempotency_in_progress"
    assert await gateway.emitted(PartnerStatusReportedV2) == []


@pytest.mark.parametrize("key", [None, "short", "has spaces in it", "x" * 200])
async def test_a_missing_or_malformed_idempotency_key_is_400(
    gateway: Gateway, key: str | None
) -> None:
    partner_id, _, referral_id = await _referral(gateway)
    response = await _status(gateway, partner_id, referral_id, {"status": "accepted"}, key)
    assert response.status_code == 400
    assert response.json()["error"].startswith("idempotency_key")
    assert await gateway.emitted(PartnerStatusReportedV2) == []


@pytest.mark.parametrize(
    ("body", "raw"),
    [
        ({"status": "teleported"}, None),  # unknown status value
        ({"status": "accepted", "extra": "x"}, None),  # unknown field: strict
        ({"status": "declined"}, None),  # a decline needs a reason code
        ({"status": "declined", "reason_code": "Free text, maybe personal"}, None),
        ({}, None),
        ("accepted", None),
        (None, b'{"status": "accepted"'),  # malformed JSON
        (None, b"\xff\xfe not json"),
    ],
)
async def test_invalid_bodies_are_refused_with_a_reason(
    gateway: Gateway, body: Any, raw: bytes | None
) -> None:
    partner_id, _, referral_id = await _referral(gateway)
    response = await _status(gateway, partner_id, referral_id, body, _key(), raw=raw)
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    assert await gateway.emitted(PartnerStatusReportedV2) == []


async def test_an_oversized_body_is_413(gateway: Gateway) -> None:
    partner_id, _, referral_id = await _referral(gateway)
    raw = b'{"status": "accepted", "pad": "' + b"x" * (gateway.settings.max_body_bytes + 1) + b'"}'
    response = await _status(gateway, partner_id, referral_id, None, _key(), raw=raw)
    assert response.status_code == 413
    assert await gateway.emitted(PartnerStatusReportedV2) == []


async def test_another_partners_referral_is_404_not_403(gateway: Gateway) -> None:
    owner_id, _, referral_id = await _referral(gateway)
    intruder_id = await gateway.register_partner()
    await gateway.wait_for_partner(intruder_id)
    fetched = await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(intruder_id)
    )
    unknown = await gateway.http.get(
        f"/partner/referrals/{uuid.uuid4()}", headers=gateway.as_partner(intruder_id)
    )
    assert fetched.status_code == unknown.status_code == 404
    assert fetched.json() == unknown.json()  # indistinguishable from a referral that is not there
    posted = await _status(gateway, intruder_id, referral_id, {"status": "accepted"}, _key())
    assert posted.status_code == 404
    assert gateway.casefile.requests == []
    assert await gateway.disclosures(referral_id) == []
    assert await gateway.emitted(PartnerStatusReportedV2) == []
    assert owner_id != intruder_id


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.ADMIN, Role.SERVICE])
async def test_only_partner_tokens_reach_the_partner_api(gateway: Gateway, role: Role) -> None:
    _, _, referral_id = await _referral(gateway)
    token = mint_token(gateway.hub.jwt_secret.get_secret_value(), sub="x", role=role)
    response = await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    anonymous = await gateway.http.get(f"/partner/referrals/{referral_id}")
    assert anonymous.status_code == 401


async def test_rate_limits_per_partner_answer_429(start_gateway: GatewayFactory) -> None:
    gateway = await start_gateway(rate_limit_per_second=0.1, rate_limit_burst=3)
    partner_id = await gateway.register_partner()
    other_id = await gateway.register_partner()
    await gateway.wait_for_partner(other_id)
    codes = [
        (
            await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
        ).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    limited = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
    assert int(limited.headers["retry-after"]) >= 1
    # another partner has its own bucket
    mine = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(other_id))
    assert mine.status_code == 200


async def test_monitoring_reports_become_events(gateway: Gateway) -> None:
    partner_id, case_id, referral_id = await _referral(gateway)
    body = {
        "months_after_return": 6,
        "outcomes": ["problems_with_authorities", "problems_with_third_parties"],
    }
    headers = {**gateway.as_partner(partner_id), "Idempotency-Key": _key()}
    response = await gateway.http.post(
        f"/partner/referrals/{referral_id}/monitoring", json=body, headers=headers
    )
    assert response.status_code == 202, response.text
    again = await gateway.http.post(
        f"/partner/referrals/{referral_id}/monitoring", json=body, headers=headers
    )
    assert again.json() == response.json()
    [reported] = await gateway.emitted(MonitoringReported)
    assert reported.case_id == case_id
    assert reported.months_after_return == 6
    assert reported.outcomes == [
        MonitoringOutcome.PROBLEMS_WITH_AUTHORITIES,
        MonitoringOutcome.PROBLEMS_WITH_THIRD_PARTIES,
    ]
    for bad in (
        {"months_after_return": -1, "outcomes": ["no_problems"]},
        {"months_after_return": 3, "outcomes": []},
        {"months_after_return": 3, "outcomes": ["tortured_by_name_x"]},
    ):
        refused = await gateway.http.post(
            f"/partner/referrals/{referral_id}/monitoring",
            json=bad,
            headers={**gateway.as_partner(partner_id), "Idempotency-Key": _key()},
        )
        assert refused.status_code == 422
    assert len(await gateway.emitted(MonitoringReported)) == 1


async def test_monitoring_takes_months_as_a_json_number_and_no_problems_only_alone(
    gateway: Gateway,
) -> None:
    """A new user's trial: "3" (a string) and no_problems beside safety_concern got 202. Both are
    422 in the hub's shape, naming the field and repeating no value sent."""
    partner_id, _, referral_id = await _referral(gateway)
    months = "months_after_return: should be a whole number"
    alone = f"outcomes: {NO_PROBLEMS_ALONE}"
    for body, reason in (
        ({"months_after_return": "3", "outcomes": ["reintegration_step"]}, months),
        ({"months_after_return": 3, "outcomes": ["no_problems", "safety_concern"]}, alone),
        ({"months_after_return": 3, "outcomes": ["reintegration_step", "no_problems"]}, alone),
    ):
        refused = await gateway.http.post(
            f"/partner/referrals/{referral_id}/monitoring",
            json=body,
            headers={**gateway.as_partner(partner_id), "Idempotency-Key": _key()},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json() == {"error": "invalid_request", "detail": reason, "reasons": [reason]}
    assert await gateway.emitted(MonitoringReported) == []

    # No problems alone, and any other set, still pass.
    for outcomes in (["no_problems"], ["reintegration_step", "safety_concern"]):
        taken = await gateway.http.post(
            f"/partner/referrals/{referral_id}/monitoring",
            json={"months_after_return": 3, "outcomes": outcomes},
            headers={**gateway.as_partner(partner_id), "Idempotency-Key": _key()},
        )
        assert taken.status_code == 202, taken.text
    assert len(await gateway.emitted(MonitoringReported)) == 2
