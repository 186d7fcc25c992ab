"""The simulator verifies like a careful partner: forged, re-serialised or stale webhooks fail."""

import json
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from partner_gateway.domain.signing import secret_from_bytes, sign
from partner_gateway.simulator import Mode, PartnerSimulator, build_simulator

pytestmark = pytest.mark.integration

SECRET = secret_from_bytes(b"s" * 32)
BODY = json.dumps(
    {"type": "notice.other", "id": "n1", "data": {"notice_id": str(uuid.uuid4())}},
    separators=(",", ":"),
).encode()


@pytest.fixture
async def sim() -> AsyncIterator[PartnerSimulator]:
    simulator = build_simulator(
        gateway_url="http://127.0.0.1:9", partner_token="unused", webhook_secret=SECRET
    )
    await simulator.start()
    yield simulator
    await simulator.stop()


async def _post(sim: PartnerSimulator, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(sim.webhook_url, content=body, headers=headers)


async def test_an_authentic_webhook_is_applied_once(sim: PartnerSimulator) -> None:
    headers = sign([SECRET], "msg-1", int(time.time()), BODY).as_dict()
    assert (await _post(sim, BODY, headers)).json()["status"] == "received"
    retry = sign([SECRET], "msg-1", int(time.time()), BODY).as_dict()  # a retry: new timestamp
    assert (await _post(sim, BODY, retry)).json()["status"] == "duplicate"
    assert sim.record.applied == ["msg-1"]


async def test_a_forged_signature_is_401_and_not_applied(sim: PartnerSimulator) -> None:
    forged = sign([secret_from_bytes(b"f" * 32)], "msg-1", int(time.time()), BODY).as_dict()
    response = await _post(sim, BODY, forged)
    assert response.status_code == 401
    assert sim.record.applied == []


async def test_a_body_reserialised_after_signing_is_401(sim: PartnerSimulator) -> None:
    headers = sign([SECRET], "msg-1", int(time.time()), BODY).as_dict()
    reserialised = json.dumps(json.loads(BODY), indent=2).encode()
    assert (await _post(sim, reserialised, headers)).status_code == 401
    assert sim.record.applied == []


async def test_a_stale_timestamp_is_401_even_with_a_valid_signature(sim: PartnerSimulator) -> None:
    replayed = sign([SECRET], "msg-1", int(time.time()) - 3600, BODY).as_dict()
    response = await _post(sim, BODY, replayed)
    assert response.status_code == 401
    assert "tolerance" in response.json()["detail"]
    assert sim.record.applied == []


@pytest.mark.parametrize(("mode", "status"), [(Mode.DOWN, 503), (Mode.FAILING, 500)])
async def test_switches(sim: PartnerSimulator, mode: Mode, status: int) -> None:
    async with httpx.AsyncClient(base_url=sim.url) as client:
        switched = await client.post("/simulator/mode", json={"mode": mode})
        assert switched.status_code == 200
    headers = sign([SECRET], "msg-1", int(time.time()), BODY).as_dict()
    assert (await _post(sim, BODY, headers)).status_code == status
    assert sim.record.applied == []
