"""A queued webhook goes out at once: the delivery worker is woken by PostgreSQL's NOTIFY, not
by its poll (here an hour, so only the notification can explain a quick delivery)."""

import uuid

import pytest
from hub_runtime.testing import wait_until

from .conftest import GatewayFactory

pytestmark = pytest.mark.integration


async def test_a_queued_webhook_goes_out_without_waiting_for_the_poll(
    start_gateway: GatewayFactory,
) -> None:
    gateway = await start_gateway(delivery_poll_seconds=3600)
    partner_id, sim = await gateway.simulated_partner()
    for _ in range(2):  # the second one finds the worker idle, waiting on the notification
        case_id = uuid.uuid4()
        consent_id = await gateway.consent(case_id, partner_id)
        referral_id = await gateway.approve(case_id, partner_id, consent_id)

        async def notified(referral: uuid.UUID = referral_id) -> bool:
            return str(referral) in sim.record.referrals_notified

        await wait_until(notified, within=10)
