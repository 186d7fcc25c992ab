"""The partner simulator tries a webhook's work again when the gateway cannot answer for now,
and forgets a webhook it gave up on, so the gateway's redelivery is done (the eleventh new
user's trial: after a kill of the gateway or of casefile a referral stayed ``delivered``)."""

from collections.abc import Callable

import httpx
import pytest
from partner_gateway.simulator import PartnerSimulator, app, build_simulator

REFERRAL = "8a1f3c52-7d0e-4b39-9f1a-2c6e5b7d9e01"
WEBHOOK = {"type": "referral.ready", "data": {"referral_id": REFERRAL}}


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app, "RETRY_DELAYS_SECONDS", (0.0, 0.0, 0.0))


def _gateway(answers: list[int | Exception]) -> tuple[httpx.AsyncClient, list[str]]:
    """A gateway whose referral fetches answer ``answers`` in turn (an exception: no
    connection); the status report answers 202. Returns the client and the calls made."""
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            return httpx.Response(202, json={})
        answer = answers.pop(0) if answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json={"data": {"identity": {}}})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handle), base_url="http://gw")
    return client, calls


def _simulator() -> PartnerSimulator:
    return build_simulator(gateway_url="http://gw", partner_token="t")


FETCH = f"GET /partner/referrals/{REFERRAL}"
REPORT = f"POST /partner/referrals/{REFERRAL}/status"


@pytest.mark.parametrize(
    "failure",
    [
        lambda: 503,
        lambda: 502,
        lambda: 429,
        lambda: httpx.ConnectError("refused"),
        lambda: httpx.RemoteProtocolError("cut"),
    ],
)
async def test_work_the_gateway_cannot_answer_now_is_tried_again(
    failure: Callable[[], int | Exception],
) -> None:
    sim = _simulator()
    client, calls = _gateway([failure(), failure()])
    async with client:
        await sim._handle_with_retries(client, "msg-1", WEBHOOK)
    assert calls == [FETCH, FETCH, FETCH, REPORT]
    assert sim.record.reported == {REFERRAL: "accepted"}
    assert sim.record.referrals_notified == [REFERRAL]  # one webhook, however many tries
    assert sim.record.fetch_failures == {}


async def test_a_refusal_is_recorded_and_not_tried_again() -> None:
    sim = _simulator()
    client, calls = _gateway([410])
    async with client:
        await sim._handle_with_retries(client, "msg-1", WEBHOOK)
    assert calls == [FETCH]
    assert sim.record.fetch_failures == {REFERRAL: 410}


async def test_a_webhook_given_up_on_is_forgotten_so_its_redelivery_is_done() -> None:
    sim = _simulator()
    sim._seen.add("msg-1")  # as the webhook endpoint records it on receipt
    client, calls = _gateway([503, 503, 503, 503])
    async with client:
        await sim._handle_with_retries(client, "msg-1", WEBHOOK)
    assert calls == [FETCH] * 4  # the first try and one per delay
    assert "msg-1" not in sim._seen
    assert sim.record.reported == {}
