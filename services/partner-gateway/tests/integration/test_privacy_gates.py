"""The gateway's gates on the real stack: closed decline reasons, a permanent origin-authority
classification, consent expiry on the council's day at the moment of each gate, a re-check at
the moment of sending, and 403/410 exactly as hub_contracts.privacy's verdict says."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hub_contracts import (
    DataCategory,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    PartnerType,
    Purpose,
    ReferralApproved,
    Topic,
)
from hub_contracts import privacy as policy
from hub_runtime.dead_letters import load
from hub_runtime.testing import read_all, wait_until
from partner_gateway.simulator import Mode

from .conftest import Gateway, GatewayFactory, ShiftedClock

pytestmark = pytest.mark.integration


async def _fetch(gateway: Gateway, partner_id: uuid.UUID, referral_id: uuid.UUID) -> httpx.Response:
    return await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(partner_id)
    )


async def _report(
    gateway: Gateway, partner_id: uuid.UUID, referral_id: uuid.UUID, body: dict[str, Any]
) -> httpx.Response:
    return await gateway.http.post(
        f"/partner/referrals/{referral_id}/status",
        json=body,
        headers={**gateway.as_partner(partner_id), "Idempotency-Key": f"k-{uuid.uuid4()}"},
    )


async def test_a_decline_reason_outside_the_closed_list_is_422_and_reaches_no_topic(
    gateway: Gateway,
) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    canary = "jansen_hiv_positive"
    refused = await _report(
        gateway, partner_id, referral_id, {"status": "declined", "reason_code": canary}
    )
    assert refused.status_code == 422
    assert canary not in refused.text  # the answer never echoes the input
    # a reason on anything but a decline is refused too (it would travel all the same)
    other = await _report(
        gateway, partner_id, referral_id, {"status": "accepted", "reason_code": "no_capacity"}
    )
    assert other.status_code == 422
    assert await gateway.emitted(PartnerStatusReported) == []
    assert await gateway.emitted(PartnerStatusReportedV2) == []

    accepted = await _report(
        gateway, partner_id, referral_id, {"status": "declined", "reason_code": "no_capacity"}
    )
    assert accepted.status_code == 202, accepted.text
    await gateway.wait_for_event(PartnerStatusReportedV2, lambda r: r.referral_id == referral_id)
    [reported] = await gateway.events_of(PartnerStatusReportedV2)
    assert reported.reason_code == "no_capacity"
    records = await read_all(gateway.hub, gateway.hub.topic(Topic.PARTNER_EVENTS), idle_seconds=0.5)
    assert records
    assert not any(canary.encode() in (r.value or b"") for r in records)


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_an_id_once_an_origin_authority_gets_nothing_after_it_is_listed_as_ngo(
    gateway: Gateway,
) -> None:
    # an NGO told of a referral (inbox entry), then listed as an origin authority, then as NGO
    partner_id, case_id, consent_id, referral_id = await gateway.approved_referral()
    await gateway.register_partner(PartnerType.AUTHORITY_ORIGIN, partner_id=partner_id)
    await gateway.register_partner(PartnerType.NGO, partner_id=partner_id)
    await gateway.view_holds(
        "SELECT partner_type = 'ngo' AND ever_origin_authority FROM partners WHERE partner_id = $1",
        partner_id,
    )
    webhook = await gateway.put_webhook(partner_id, "http://127.0.0.1:9/hook")
    assert (webhook.status_code, webhook.json()["error"]) == (403, "partner_origin_authority")
    client = await gateway.http.post(
        f"/admin/partners/{partner_id}/credentials", headers=gateway.admin()
    )
    assert (client.status_code, client.json()["error"]) == (403, "partner_origin_authority")
    headers = gateway.as_partner(partner_id)
    assert (await gateway.http.get("/partner/inbox", headers=headers)).status_code == 403
    assert (await _fetch(gateway, partner_id, referral_id)).status_code == 403

    # a new approval naming it is dead-lettered, never stored nor announced
    second = ReferralApproved(
        case_id=case_id,
        referral_id=uuid.uuid4(),
        partner_id=partner_id,
        partner_type=PartnerType.NGO,
        purpose=Purpose.REINTEGRATION_SUPPORT,
        data_categories=[DataCategory.IDENTITY],
        consent_id=consent_id,
    )
    envelope = await gateway.publish(second)

    async def dead_lettered() -> bool:
        # Opened: a dead letter's value is stored sealed (hub_runtime.dead_letter_seal).
        letters = await load(gateway.hub, Topic.REFERRAL_EVENTS)
        return any(str(envelope.id).encode() in (x.value or b"") for x in letters)

    await wait_until(dead_lettered)
    # and a withdrawal sends it no notice (it was told of the first referral)
    await gateway.withdraw(case_id, consent_id, partner_id)
    await gateway.view_holds(
        "SELECT status = 'withdrawn' FROM referrals WHERE referral_id = $1", referral_id
    )
    assert gateway.runtime.context is not None
    pool = gateway.runtime.context.pool
    assert await pool.fetchval("SELECT count(*) FROM notices") == 0
    assert await pool.fetchval("SELECT count(*) FROM referrals") == 1
    kinds = await pool.fetch("SELECT kind FROM notifications WHERE partner_id = $1", partner_id)
    assert [k["kind"] for k in kinds] == ["referral.ready"]  # from before; the inbox is closed
    assert gateway.casefile.requests == []


async def test_consent_expiry_counts_at_the_moment_of_each_gate(
    start_gateway: GatewayFactory,
) -> None:
    clock = ShiftedClock()
    gateway = await start_gateway(clock=clock)
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    case_id = uuid.uuid4()
    today = clock.today()
    consent_id = await gateway.consent(
        case_id, partner_id, valid_from=today - timedelta(days=3), valid_until=today
    )
    referral_id = await gateway.approve(case_id, partner_id, consent_id)
    await gateway.referral_known(referral_id)
    assert (await _fetch(gateway, partner_id, referral_id)).status_code == 200
    inbox = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
    assert len(inbox.json()["items"]) == 1

    clock.advance(days=1)  # no event: only the day changed
    expired = await _fetch(gateway, partner_id, referral_id)
    assert (expired.status_code, expired.json()["error"]) == (410, "consent_expired")
    inbox = await gateway.http.get("/partner/inbox", headers=gateway.as_partner(partner_id))
    assert inbox.json()["items"] == []
    assert len(await gateway.disclosures(referral_id)) == 1


@pytest.mark.parametrize(
    ("from_days", "until_days", "shift_days"),
    [
        (1, 30, 0),  # not yet valid: never covered -> 403 (casefile answers the same)
        (-30, -1, 0),  # expired -> 410
        (-3, 0, 1),  # expired overnight -> 410
        (-3, 30, 0),  # covered -> 200
    ],
)
async def test_403_or_410_is_the_policy_verdict(
    start_gateway: GatewayFactory, from_days: int, until_days: int, shift_days: int
) -> None:
    clock = ShiftedClock()
    gateway = await start_gateway(clock=clock)
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    case_id = uuid.uuid4()
    today = clock.today()
    valid_from, valid_until = today + timedelta(days=from_days), today + timedelta(days=until_days)
    consent_id = await gateway.consent(
        case_id, partner_id, valid_from=valid_from, valid_until=valid_until
    )
    referral_id = await gateway.approve(case_id, partner_id, consent_id)
    await gateway.referral_known(referral_id)
    clock.advance(days=shift_days)
    answer = await _fetch(gateway, partner_id, referral_id)

    categories = frozenset({DataCategory.IDENTITY, DataCategory.CONTACT})
    flow = policy.Flow(case_id, partner_id, Purpose.REINTEGRATION_SUPPORT, categories)
    consent = policy.ConsentFacts(
        consent_id,
        case_id,
        partner_id,
        frozenset({Purpose.REINTEGRATION_SUPPORT}),
        categories,
        valid_from,
        valid_until,
    )
    rule = policy.consent_verdict(flow, consent, clock.today())
    if rule is None:
        assert answer.status_code == 200
    else:
        verdict = policy.Verdict((rule,))
        assert answer.status_code == (410 if verdict.gone else 403)
        assert answer.json()["error"] == str(rule)


async def test_a_referral_ready_queued_while_it_held_is_dropped_at_send_time(
    gateway: Gateway,
) -> None:
    """No event closes the referral: the partner's agreement ended while its webhook waited."""
    partner_id, sim = await gateway.simulated_partner()
    sim.mode = Mode.DOWN
    case_id = uuid.uuid4()
    referral_id = await gateway.approve(
        case_id, partner_id, await gateway.consent(case_id, partner_id)
    )

    async def refused() -> bool:
        return sim.record.refused_while_down >= 1

    await wait_until(refused)
    await gateway.register_partner(partner_id=partner_id, agreement_days=-1)
    await gateway.view_holds(
        "SELECT agreement_valid_until < current_date FROM partners WHERE partner_id = $1",
        partner_id,
    )
    sim.mode = Mode.UP
    await gateway.view_holds(
        "SELECT state = 'dropped' AND last_error = 'agreement_invalid' FROM deliveries",
    )
    assert sim.record.referrals_notified == []
    assert (await _fetch(gateway, partner_id, referral_id)).json()["error"] == "agreement_invalid"
    assert gateway.casefile.requests == []
