"""A counsellor's short flow through the four in-process services, shared by the e2e tests
that then read what the flow wrote on the topics."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hub_demo.inprocess import RunningHub, connect_simulated_partner
from hub_runtime.testing import wait_until


async def short_referral_flow(hub: RunningHub, person: dict[str, Any]) -> tuple[UUID, UUID]:
    """A partner, a case, a decision, a consent, a referral the simulated partner accepts.

    Writes events on casefile's, referral's and the gateway's topics; returns
    ``(case_id, partner_id)`` once the referral is accepted (within 60 s)."""
    client = hub.client()
    partner_id = await client.register_partner("IOM mission (e2e flow)")
    simulator = await connect_simulated_partner(client, partner_id)
    try:
        case_id = await client.open_case(person, country_of_origin="IQ")
        await client.record_decision(case_id)
        await client.grant_consent(case_id, partner_id)
        referral = await client.request_referral(case_id, partner_id)
        referral_id = UUID(referral["referral_id"])

        async def partner_accepted() -> bool:
            return (await client.referral(referral_id))["status"] == "accepted"

        await wait_until(partner_accepted, within=60)
    finally:
        await simulator.stop()
        await client.aclose()
    return case_id, partner_id
