"""Withdrawal of consent across the real services: it stops every flow and reaches the partner.

After a referral was accepted, the person withdraws consent: the referral becomes withdrawn,
the gateway sends a withdrawal notice to the partner that received data and tracks its
acknowledgement, a new fetch of the details answers 410 Gone and discloses nothing, and the
partner's late report changes nothing.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
from hub_demo.client import HubClient
from hub_demo.inprocess import RunningHub, connect_simulated_partner, start_hub
from hub_runtime.auth import Role, mint_token
from hub_runtime.settings import HubSettings
from hub_runtime.testing import service_hubs, wait_until

pytestmark = pytest.mark.integration

PERSON = {"name": "Omar Testpersoon", "date_of_birth": "1979-09-30", "phone": "+31 6 5550 9876"}


@pytest.fixture
async def running_hub(
    isolated_hub: HubSettings, hub_databases: dict[str, str]
) -> AsyncIterator[RunningHub]:
    hub = await start_hub(
        isolated_hub, hub_databases, await service_hubs(isolated_hub, hub_databases)
    )
    try:
        yield hub
    finally:
        await hub.stop()


async def test_a_withdrawal_stops_everything_and_reaches_the_partner(
    running_hub: RunningHub,
) -> None:
    client = running_hub.client()
    partner_id = await client.register_partner("IOM mission (withdrawal test)")
    simulator = await connect_simulated_partner(client, partner_id)
    try:
        case_id = await client.open_case(PERSON, country_of_origin="IQ")
        await client.record_decision(case_id)
        await client.wait_for_referral_view(case_id)
        consent_id = await client.grant_consent(case_id, partner_id)
        referral = await client.request_referral(case_id, partner_id)
        assert referral["status"] == "approved", referral
        referral_id = UUID(referral["referral_id"])
        await _wait_for_status(client, referral_id, "accepted")
        assert simulator.record.fetched[str(referral_id)] == ["contact", "identity"]

        await client.expect(
            "POST", f"{client.urls.referral}/consents/{consent_id}/withdraw", Role.COUNSELLOR
        )
        await _wait_for_status(client, referral_id, "withdrawn")

        async def notice_acknowledged() -> bool:
            return len(simulator.record.notices_acknowledged) == 1

        await wait_until(notice_acknowledged, within=60)
        notices = await client.expect("GET", f"{client.urls.gateway}/admin/notices", Role.ADMIN)
        assert _only_notice(notices)["partner_id"] == str(partner_id)

        partner = _partner_headers(running_hub, partner_id)
        async with httpx.AsyncClient(base_url=client.urls.gateway, headers=partner) as http:
            again = await http.get(f"/partner/referrals/{referral_id}")
            assert again.status_code == 410, again.text
            late = await http.post(
                f"/partner/referrals/{referral_id}/status",
                json={"status": "in_progress"},
                headers={"Idempotency-Key": f"late-{uuid.uuid4()}"},
            )
            assert late.status_code == 202  # accepted for the record, but it changes nothing
        disclosures = await client.expect(
            "GET", f"{client.urls.gateway}/admin/disclosures?referral_id={referral_id}", Role.ADMIN
        )
        assert len(_items(disclosures)) == 1  # the one before the withdrawal, not the 410
        await _stays(client, referral_id, "withdrawn")
    finally:
        await simulator.stop()
        await client.aclose()


async def _wait_for_status(client: HubClient, referral_id: UUID, status: str) -> None:
    async def reached() -> bool:
        return (await client.referral(referral_id))["status"] == status

    await wait_until(reached, within=60)


async def _stays(client: HubClient, referral_id: UUID, status: str) -> None:
    """The late report travelled gateway -> Kafka -> referral; give it time, then look."""
    import asyncio

    await asyncio.sleep(2)
    assert (await client.referral(referral_id))["status"] == status


def _partner_headers(hub: RunningHub, partner_id: UUID) -> dict[str, str]:
    secret = hub.hub.jwt_secret.get_secret_value()
    token = mint_token(secret, sub="partner-test", role=Role.PARTNER, partner_id=partner_id)
    return {"Authorization": f"Bearer {token}"}


def _items(listing: Any) -> list[dict[str, Any]]:
    if isinstance(listing, list):
        return listing
    for key in ("items", "notices", "disclosures", "deliveries"):
        if key in listing:
            return list(listing[key])
    raise AssertionError(f"unexpected listing shape: {listing}")


def _only_notice(listing: Any) -> dict[str, Any]:
    [notice] = _items(listing)
    return notice
