"""Origin-country authorities are refused at every entry and exit, whatever the configuration."""

import uuid

import pytest
from hub_contracts import PartnerType, ReferralApproved, Topic
from hub_runtime.dead_letters import load
from hub_runtime.testing import read_all, wait_until
from partner_gateway.simulator import Mode

from .conftest import Gateway

pytestmark = pytest.mark.integration

ORIGIN = PartnerType.AUTHORITY_ORIGIN


async def test_no_webhook_and_no_credentials_for_an_origin_authority(gateway: Gateway) -> None:
    partner_id = await gateway.register_partner(ORIGIN)
    await gateway.wait_for_partner(partner_id)
    # 403 partner_origin_authority, as on every other route that refuses it (it was 409 here)
    webhook = await gateway.put_webhook(partner_id, "http://127.0.0.1:9/hook")
    assert (webhook.status_code, webhook.json()["error"]) == (403, "partner_origin_authority")
    client = await gateway.http.post(
        f"/admin/partners/{partner_id}/credentials", headers=gateway.admin()
    )
    assert (client.status_code, client.json()["error"]) == (403, "partner_origin_authority")
    unknown = await gateway.put_webhook(uuid.uuid4(), "http://127.0.0.1:9/hook")
    assert unknown.status_code == 409
    assert unknown.json()["error"] == "unknown_partner"


async def test_an_origin_authority_token_is_refused_on_every_partner_route(
    gateway: Gateway,
) -> None:
    partner_id = await gateway.register_partner(ORIGIN)
    await gateway.wait_for_partner(partner_id)
    headers = {**gateway.as_partner(partner_id), "Idempotency-Key": "origin-key-1"}
    referral = uuid.uuid4()
    responses = [
        await gateway.http.get("/partner/inbox", headers=headers),
        await gateway.http.get(f"/partner/referrals/{referral}", headers=headers),
        await gateway.http.post(
            f"/partner/referrals/{referral}/status", json={"status": "accepted"}, headers=headers
        ),
        await gateway.http.post(
            f"/partner/referrals/{referral}/monitoring",
            json={"months_after_return": 1, "outcomes": ["no_problems"]},
            headers=headers,
        ),
        await gateway.http.post(f"/partner/notices/{referral}/ack", headers=headers),
    ]
    assert [(r.status_code, r.json()["error"]) for r in responses] == [
        (403, "partner_origin_authority")
    ] * 5


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_an_approval_for_an_origin_authority_is_never_delivered(gateway: Gateway) -> None:
    partner_id = await gateway.register_partner(ORIGIN)
    await gateway.wait_for_partner(partner_id)
    case_id = uuid.uuid4()
    consent_id = await gateway.consent(case_id, partner_id)
    # even if the referral policy let it through: the gateway refuses it and says so (DLQ)
    envelope = await gateway.publish(
        ReferralApproved(
            case_id=case_id,
            referral_id=uuid.uuid4(),
            partner_id=partner_id,
            partner_type=ORIGIN,
            purpose="reintegration_support",
            data_categories=["identity"],
            consent_id=consent_id,
        )
    )

    async def dead_lettered() -> bool:
        # Opened: a dead letter's value is stored sealed (hub_runtime.dead_letter_seal).
        letters = await load(gateway.hub, Topic.REFERRAL_EVENTS)
        return any(str(envelope.id).encode() in (x.value or b"") for x in letters)

    await wait_until(dead_lettered)
    assert gateway.runtime.context is not None
    pool = gateway.runtime.context.pool
    assert await pool.fetchval("SELECT count(*) FROM referrals") == 0
    assert await pool.fetchval("SELECT count(*) FROM notifications") == 0


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_an_ngo_approval_naming_an_origin_authority_type_is_refused_too(
    gateway: Gateway,
) -> None:
    # the directory says NGO, the approval says authority_origin: either one is enough
    partner_id = await gateway.register_partner(PartnerType.NGO)
    await gateway.wait_for_partner(partner_id)
    case_id = uuid.uuid4()
    await gateway.approve(case_id, partner_id, await gateway.consent(case_id, partner_id), ORIGIN)
    dlq = gateway.hub.topic(Topic.REFERRAL_EVENTS) + ".dlq"

    async def dead_lettered() -> bool:
        return bool(await read_all(gateway.hub, dlq, idle_seconds=0.2))

    await wait_until(dead_lettered)
    assert gateway.runtime.context is not None
    assert await gateway.runtime.context.pool.fetchval("SELECT count(*) FROM referrals") == 0


async def test_a_partner_reclassified_as_origin_authority_gets_nothing_more(
    gateway: Gateway,
) -> None:
    partner_id, sim = await gateway.simulated_partner()
    sim.mode = Mode.DOWN
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )

    async def tried() -> bool:
        return sim.record.refused_while_down >= 1

    await wait_until(tried)
    await gateway.register_partner(ORIGIN, partner_id=partner_id)  # the directory changed

    async def given_up() -> bool:
        log = await gateway.http.get(
            "/admin/deliveries", params={"partner_id": str(partner_id)}, headers=gateway.admin()
        )
        items = log.json()["items"]
        return bool(items) and items[0]["state"] == "given_up"

    await wait_until(given_up)
    sim.mode = Mode.UP
    fetched = await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(partner_id)
    )
    assert (fetched.status_code, fetched.json()["error"]) == (403, "partner_origin_authority")
    assert gateway.casefile.requests == []
    assert sim.record.applied == []
    again = await gateway.put_webhook(partner_id, sim.webhook_url)
    assert (again.status_code, again.json()["error"]) == (403, "partner_origin_authority")
