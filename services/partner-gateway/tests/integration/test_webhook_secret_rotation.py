"""Signing secret rotation keeps every secret until the end promised for it (issue 13, class 8).

The partner's receiver is a plain recorder verified with the official ``standardwebhooks``
library, as a partner would: a receiver that still holds an older secret must verify every
webhook until the end that rotation's answer promised for that secret, and none after it.
"""

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from hub_runtime.bus import MessageBus
from hub_runtime.testing import wait_until
from partner_gateway.clock import Clock
from partner_gateway.deps import Deps
from partner_gateway.domain.model import Referral
from partner_gateway.messages import RegisterWebhook
from partner_gateway.routes import ROUTES
from partner_gateway.unit_of_work import PostgresUnitOfWork
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from .conftest import Gateway, serve


class _NoCasefile:
    """Registering a webhook never asks casefile."""

    async def disclose(self, referral: Referral) -> dict[str, Any]:
        raise AssertionError("casefile must not be asked")


pytestmark = pytest.mark.integration


@dataclass
class Recorder:
    """A partner endpoint that records each webhook's headers and raw body, answers 204."""

    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            self.received.append((dict(request.headers), await request.body()))
            return Response(status_code=204)

        return app

    async def nth(self, n: int) -> tuple[dict[str, str], bytes]:
        async def arrived() -> bool:
            return len(self.received) >= n

        arrived.__qualname__ = f"webhook number {n} received"
        await wait_until(arrived, within=30)
        return self.received[n - 1]


def verifies(secret: str, webhook: tuple[dict[str, str], bytes]) -> bool:
    headers, body = webhook
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


async def _deliver_one(gateway: Gateway, partner_id: uuid.UUID) -> None:
    case_id = uuid.uuid4()
    await gateway.approve(case_id, partner_id, await gateway.consent(case_id, partner_id))


async def _partner_with_recorder(gateway: Gateway) -> tuple[uuid.UUID, Recorder, str, Any]:
    recorder = Recorder()
    base, stop = await serve(recorder.app())
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    return partner_id, recorder, f"{base}/hook", stop


async def test_two_quick_rotations_keep_the_first_secret_until_its_promised_end(
    start_gateway: Any,
) -> None:
    """The failing input of the issue: rotate twice within the overlap. The second rotation
    used to overwrite the one `previous_secret`, so the first secret stopped signing at once
    although the first rotation had promised it ``previous_secret_valid_until``."""
    overlap = 15
    gateway: Gateway = await start_gateway(credential_overlap_seconds=overlap)
    partner_id, recorder, url, stop = await _partner_with_recorder(gateway)
    try:
        answers = [(await gateway.put_webhook(partner_id, url)).json() for _ in range(3)]
        first, second, third = (a["secret"] for a in answers)
        first_ends = datetime.fromisoformat(answers[1]["previous_secret_valid_until"])

        await _deliver_one(gateway, partner_id)
        during = await recorder.nth(1)
        assert datetime.now(UTC) < first_ends, "delivered after the overlap: nothing was tested"
        assert during[0]["webhook-signature"].count("v1,") == 3
        assert verifies(first, during), "a receiver holding the first secret must still verify"
        assert verifies(second, during)
        assert verifies(third, during)

        await asyncio.sleep(max(0.0, (first_ends - datetime.now(UTC)).total_seconds()) + 0.5)
        await _deliver_one(gateway, partner_id)
        after = await recorder.nth(2)
        assert verifies(third, after)
        assert not verifies(first, after), "the first secret signs after its promised end"
    finally:
        await stop()


async def test_a_later_rotation_without_overlap_never_shortens_an_earlier_promise(
    start_gateway: Any,
) -> None:
    """Another input of the same class (not in the issue): after a rotation with an overlap,
    a second rotation with none (say the second secret leaked) ends the second secret at once,
    as it promises, but must not take the first secret's promised end away with it."""
    gateway: Gateway = await start_gateway(credential_overlap_seconds=600)
    partner_id, recorder, url, stop = await _partner_with_recorder(gateway)
    try:
        first = (await gateway.put_webhook(partner_id, url)).json()["secret"]
        rotated = (await gateway.put_webhook(partner_id, url)).json()
        second = rotated["secret"]
        assert datetime.fromisoformat(rotated["previous_secret_valid_until"]) > datetime.now(
            UTC
        ) + timedelta(seconds=500)
        context = gateway.runtime.context
        assert context is not None
        # The same handler, through a bus whose overlap is zero (the gateway's own is 600 s).
        deps = Deps.from_settings(
            gateway.settings.model_copy(update={"credential_overlap_seconds": 0}),
            casefile=_NoCasefile(),
            clock=Clock(),
        )
        bus = MessageBus(ROUTES, lambda: PostgresUnitOfWork(context.pool), deps)
        rotated_now = await bus.dispatch(RegisterWebhook(partner_id, url))
        third, second_ends = rotated_now.secret, rotated_now.previous_secret_valid_until
        assert second_ends is not None
        assert second_ends <= datetime.now(UTC)

        await _deliver_one(gateway, partner_id)
        webhook = await recorder.nth(1)
        assert verifies(third, webhook)
        assert verifies(first, webhook), "the first secret was promised 600 s"
        assert not verifies(second, webhook), "the second secret was promised no overlap"
    finally:
        await stop()
