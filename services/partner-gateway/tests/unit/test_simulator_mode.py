"""The partner simulator's mode switch refuses bad bodies with a 4xx in the hub's one error
shape (the ninth new user's trial: ``1e400`` was a 500, other refusals FastAPI's own 422)."""

import httpx
import pytest
from hub_runtime.edge import ErrorBody
from partner_gateway.simulator import Mode, PartnerSimulator, build_simulator


@pytest.fixture
def sim() -> PartnerSimulator:
    return build_simulator(gateway_url="http://127.0.0.1:9", partner_token="unused")


async def _post(
    sim: PartnerSimulator, body: bytes, path: str = "/simulator/mode"
) -> httpx.Response:
    # raise_app_exceptions=False: an exception in the app is the 500 a client would get.
    transport = httpx.ASGITransport(app=sim.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        return await client.post(path, content=body, headers={"content-type": "application/json"})


def _error(response: httpx.Response) -> ErrorBody:
    """The body as the hub's error shape, exactly (no other member)."""
    assert set(response.json()) == {"error", "detail", "reasons"}, response.text
    return ErrorBody.model_validate(response.json())


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"mode": "slow", "slow_seconds": 1e400}', "slow_seconds: should be a finite number"),
        (b'{"mode": "slow", "slow_seconds": -1e400}', "slow_seconds: should be a finite number"),
        (b'{"mode": "slow", "slow_seconds": NaN}', "slow_seconds: should be a finite number"),
        (b'{"mode": "slow", "slow_seconds": Infinity}', "slow_seconds: should be a finite number"),
        (b'{"mode": "slow", "slow_seconds": 120.5}', "slow_seconds: should be 120.0 or less"),
        (b'{"mode": "slow", "slow_seconds": -0.5}', None),
        (b'{"mode": "Zara"}', None),
        (b'{"mode": "up", "Zara": 1}', None),
        (b'{"mode": "up", "slow_seconds": 1', None),  # not JSON
        (b"", None),
    ],
)
async def test_a_bad_mode_change_is_422_in_the_hubs_shape(
    sim: PartnerSimulator, body: bytes, reason: str | None
) -> None:
    answer = await _post(sim, body)
    assert answer.status_code == 422, answer.text
    error = _error(answer)
    assert error.error == "invalid_request"
    assert error.reasons, answer.text
    if reason is not None:
        assert error.reasons == [reason]
    assert "Zara" not in answer.text
    assert "inf" not in answer.text.lower()
    assert (sim.mode, sim.slow_seconds) == (Mode.UP, 2.0)  # unchanged


async def test_a_good_mode_change_is_applied(sim: PartnerSimulator) -> None:
    answer = await _post(sim, b'{"mode": "slow", "slow_seconds": 1.5}')
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"mode": "slow", "slow_seconds": 1.5}
    assert (sim.mode, sim.slow_seconds) == (Mode.SLOW, 1.5)


async def test_an_unknown_path_is_404_in_the_hubs_shape(sim: PartnerSimulator) -> None:
    answer = await _post(sim, b"{}", path="/simulator/Zara")
    assert answer.status_code == 404
    assert _error(answer).error == "not_found"
    assert "Zara" not in answer.text
