"""Partners with unreliable connectivity: retries, order, circuit breaker, log, pull inbox."""

import uuid
from datetime import datetime
from typing import Any

import pytest
from hub_contracts import DeliveryFailed, PartnerStatusReportedV2, ReferralDelivered
from hub_runtime.testing import wait_until
from partner_gateway.simulator import Mode

from .conftest import Gateway, GatewayFactory

pytestmark = pytest.mark.integration


async def _log(gateway: Gateway, partner_id: uuid.UUID) -> dict[str, Any]:
    response = await gateway.http.get(
        "/admin/deliveries", params={"partner_id": str(partner_id)}, headers=gateway.admin()
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_a_partner_down_for_a_while_receives_every_notification_in_order(
    gateway: Gateway,
) -> None:
    partner_id, sim = await gateway.simulated_partner()
    sim.mode = Mode.DOWN
    case_ids = [uuid.uuid4(), uuid.uuid4()]
    referral_ids = []
    for i in range(5):
        case_id = case_ids[i % 2]
        consent_id = await gateway.consent(case_id, partner_id)
        referral_ids.append(await gateway.approve(case_id, partner_id, consent_id))

    async def refused_some() -> bool:
        return sim.record.refused_while_down >= 3

    await wait_until(refused_some)
    assert sim.record.applied == []
    sim.mode = Mode.UP

    async def all_accepted() -> bool:
        return len(sim.record.reported) == 5

    await wait_until(all_accepted, within=30)
    # in the order the gateway queued them (its inbox order), each once
    inbox = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
    queued = [item["data"]["referral_id"] for item in inbox.json()["items"]]
    assert sorted(queued) == sorted(str(r) for r in referral_ids)
    assert sim.record.referrals_notified == queued
    assert len(set(sim.record.applied)) == len(sim.record.applied) == 5
    # and one case's referrals in the order they were approved
    first_case = [str(r) for r in referral_ids[0::2]]
    assert [r for r in queued if r in first_case] == first_case

    async def all_recorded() -> bool:
        items = (await _log(gateway, partner_id))["items"]
        return [i["state"] for i in items] == ["delivered"] * 5

    await wait_until(all_recorded)
    log = await _log(gateway, partner_id)
    assert log["items"][0]["attempts"] > 1
    delivered = await gateway.emitted(ReferralDelivered)
    assert sorted(str(d.referral_id) for d in delivered) == sorted(queued)
    failed = await gateway.emitted(DeliveryFailed)
    assert failed
    assert {f.reason_code for f in failed} == {"server_error"}


async def test_the_circuit_opens_after_consecutive_failures_and_a_trial_closes_it(
    start_gateway: GatewayFactory,
) -> None:
    gateway = await start_gateway(breaker_failure_threshold=2, breaker_pause_seconds=3.0)
    partner_id, sim = await gateway.simulated_partner()
    sim.mode = Mode.FAILING
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )

    opened: dict[str, Any] = {}

    async def circuit_open() -> bool:
        [breaker] = (await _log(gateway, partner_id))["breakers"]
        opened.update(breaker)
        return breaker["breaker_open_until"] is not None

    await wait_until(circuit_open)
    open_until = datetime.fromisoformat(opened["breaker_open_until"])
    sim.mode = Mode.UP

    async def delivered() -> bool:
        items = (await _log(gateway, partner_id))["items"]
        return [i["state"] for i in items] == ["delivered"]

    await wait_until(delivered)
    assert sim.record.referrals_notified == [str(referral_id)]
    [item] = (await _log(gateway, partner_id))["items"]
    # nothing was tried while the circuit was open: the success came after the pause
    assert datetime.fromisoformat(item["finished_at"]) >= open_until
    assert item["attempts"] == opened["consecutive_failures"] + 1
    [breaker] = (await _log(gateway, partner_id))["breakers"]
    assert breaker["consecutive_failures"] == 0


async def test_a_partner_without_webhook_pulls_its_inbox_with_a_cursor(gateway: Gateway) -> None:
    partner_id = await gateway.register_partner()
    other_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    case_id = uuid.uuid4()
    consent_id = await gateway.consent(case_id, partner_id)
    first = await gateway.approve(case_id, partner_id, consent_id)
    second = await gateway.approve(case_id, partner_id, consent_id)
    await gateway.referral_known(second)
    headers = gateway.as_partner(partner_id)

    page = (await gateway.http.get("/partner/inbox", headers=headers)).json()
    assert [i["data"]["referral_id"] for i in page["items"]] == [str(first), str(second)]
    empty = await gateway.http.get(
        "/partner/inbox", params={"cursor": page["next_cursor"]}, headers=headers
    )
    assert empty.json() == {"items": [], "next_cursor": page["next_cursor"]}

    third = await gateway.approve(case_id, partner_id, consent_id)
    await gateway.referral_known(third)
    more = await gateway.http.get(
        "/partner/inbox", params={"cursor": page["next_cursor"]}, headers=headers
    )
    assert [i["data"]["referral_id"] for i in more.json()["items"]] == [str(third)]
    one = await gateway.http.get("/partner/inbox", params={"limit": 1}, headers=headers)
    assert [i["data"]["referral_id"] for i in one.json()["items"]] == [str(first)]
    # no webhook, so nothing was queued for delivery
    assert (await _log(gateway, partner_id))["items"] == []
    # another partner sees none of it
    theirs = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(other_id))
    assert theirs.json()["items"] == []
    bad = await gateway.http.get("/partner/inbox", params={"cursor": "abc"}, headers=headers)
    assert bad.status_code == 400


# The simulated partner's server logs the gateway hanging up on its slow answer.
@pytest.mark.expected_server_errors
async def test_a_slow_partner_times_out_and_still_applies_the_webhook_once(
    start_gateway: GatewayFactory,
) -> None:
    gateway = await start_gateway(delivery_timeout_seconds=0.3)
    partner_id, sim = await gateway.simulated_partner()
    sim.mode, sim.slow_seconds = Mode.SLOW, 0.8
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )
    await gateway.wait_for_event(DeliveryFailed, lambda f: f.reason_code == "timeout")
    sim.mode = Mode.UP
    await gateway.wait_for_event(ReferralDelivered, lambda d: d.referral_id == referral_id)
    await sim.idle()
    # the slow attempts reached the partner after the gateway gave up waiting; later ones
    # carried the same webhook id, so the partner applied it exactly once
    assert len(sim.record.applied) == 1
    assert sim.record.referrals_notified == [str(referral_id)]
    statuses = await gateway.emitted(PartnerStatusReportedV2)
    assert [s.referral_id for s in statuses] == [referral_id]
