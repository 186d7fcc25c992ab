"""Retries without a stack (httpx.MockTransport): which answers are retried, that a write keeps
its Idempotency-Key across attempts, Retry-After, and errors that are not the hub's shape."""

from uuid import uuid4

import httpx
import pytest
from hub_client import HubClient, HubError, RetryPolicy
from hub_client import models as m

FAST = RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01)
CASE = m.OpenCase(
    person=m.PersonIn(name="A", date_of_birth="1990-01-01"),
    country_of_origin="IQ",
    region="west",
    location_type="vbl",
    stage="appeal_pending",
)


def error(status: int, code: str, **headers: str) -> httpx.Response:
    body = {"error": code, "detail": "a sentence", "reasons": []}
    return httpx.Response(status, json=body, headers=headers)


def hub_answering(*answers: httpx.Response) -> tuple[HubClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    client = HubClient(
        "http://cf", "http://rf", "tok", retry=FAST, transport=httpx.MockTransport(handle)
    )
    return client, seen


@pytest.mark.parametrize(
    "first",
    [
        error(408, "request_timeout"),
        error(429, "too_many_requests"),
        error(503, "overloaded", **{"Retry-After": "0"}),
        error(409, "idempotency_in_progress"),
    ],
)
async def test_a_retried_write_keeps_its_key(first: httpx.Response) -> None:
    case_id = uuid4()
    hub, seen = hub_answering(first, httpx.Response(201, json={"case_id": str(case_id)}))
    async with hub:
        assert await hub.open_case(CASE) == case_id
    keys = [r.headers["Idempotency-Key"] for r in seen]
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert keys[0].startswith("hc-")
    assert seen[0].headers["Authorization"] == "Bearer tok"


async def test_a_refusal_is_not_retried_and_carries_the_error_body() -> None:
    body = {"error": "referral_already_open", "detail": "d", "reasons": [], "referral_id": "x"}
    hub, seen = hub_answering(httpx.Response(409, json=body))
    async with hub:
        with pytest.raises(HubError) as refused:
            await hub.open_case(CASE, idempotency_key="mine-12345")
    assert len(seen) == 1
    assert seen[0].headers["Idempotency-Key"] == "mine-12345"
    assert (refused.value.status, refused.value.error) == (409, "referral_already_open")
    assert refused.value.extra == {"referral_id": "x"}


async def test_reads_and_validate_only_send_no_key_and_give_up_after_the_attempts() -> None:
    hub, seen = hub_answering(*[error(503, "overloaded") for _ in range(4)])
    async with hub:
        with pytest.raises(HubError) as busy:
            await hub.validate_case(CASE)
    assert busy.value.status == 503
    assert len(seen) == 4
    assert all("Idempotency-Key" not in r.headers for r in seen)


async def test_an_answer_that_is_not_the_hub_s_error_shape() -> None:
    hub, _ = hub_answering(httpx.Response(502, text="<html>bad gateway</html>"))
    async with hub:
        with pytest.raises(HubError) as odd:
            await hub.read_case(uuid4())
    assert (odd.value.status, odd.value.error) == (502, "unexpected_answer")


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=5)
    assert policy.delay(0, httpx.Response(503, headers={"Retry-After": "3"})) == 3
    assert policy.delay(0, httpx.Response(503, headers={"Retry-After": "60"})) == 5
    assert all(0 <= policy.delay(10) <= 5 for _ in range(50))
    assert all(0 <= policy.delay(0) <= 1 for _ in range(50))
