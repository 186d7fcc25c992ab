"""Read your own writes across services, without any header (issue 19, part 1).

A counsellor's tool records a decision in casefile and at once asks referral for a referral.
Referral's view of the case follows casefile's events over Kafka; here the test holds
referral's consumer of those events back (its partitions paused, a test-only act on the real
aiokafka consumer: nothing in the services knows about it) for `HOLD_SECONDS` after the
decision. The request, sent with no `Prefer` header and no retry, must still be judged on the
decision: never refused `decision_missing`, 50 times in a row.

The control (`test_without_the_case_file_...`) takes the case file away from referral's
catch-up: the same flow is then refused `decision_missing`, so the first test can fail.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from aiokafka import AIOKafkaConsumer
from hub_contracts import Topic
from hub_demo.client import HubClient, consent_body
from hub_demo.inprocess import RunningHub, start_hub
from hub_runtime.auth import Role
from hub_runtime.settings import HubSettings
from hub_runtime.testing import service_hubs, wait_until
from referral.casefile_client import HttpCaseFile
from referral.view_catch_up import CaseFileUnavailableError

pytestmark = pytest.mark.integration

ROUNDS = 50
HOLD_SECONDS = 2.0
PERSON = {"name": "Lina Testpersoon", "date_of_birth": "1988-02-11", "phone": "+31 6 5550 1234"}


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


async def test_a_referral_right_after_the_decision_sees_it_without_a_header(
    running_hub: RunningHub,
) -> None:
    client = running_hub.client()
    try:
        partner_id = await client.register_partner("IOM mission (read-your-writes test)")
        waited: list[float] = []
        loop = asyncio.get_running_loop()
        for round_ in range(ROUNDS):
            # Each round another person: casefile refuses a second open case for one person.
            person = {**PERSON, "name": f"{PERSON['name']} {round_}"}
            case_id = await client.open_case(person, country_of_origin="IQ")
            # No header, no retry: the consent sees the case just opened (same mechanism).
            await _created(client, f"/cases/{case_id}/consents", consent_body(partner_id))
            async with _held_back(running_hub, HOLD_SECONDS) as release:
                await client.record_decision(case_id)
                assert (await _view(client, case_id))["decision"] is None, "the hold leaked"
                started = loop.time()
                referral = await _created(client, f"/cases/{case_id}/referrals", _ask(partner_id))
                answered = loop.time()
                waited.append(answered - started)
                # Ordering, not timing: the answer came after the consumer was let go, so it
                # waited for the held-back decision (however slow the machine is).
                assert answered >= release.when(), (round_, answered, release.when())
            codes = [reason["code"] for reason in referral["refusal_reasons"]]
            assert referral["status"] == "approved", (round_, referral["status"], codes)
        # The waits are information; an answer past referral's own 5 s bound would have been
        # judged on the lagging view and refused, which the status check above catches.
        print(f"{ROUNDS}/{ROUNDS} approved; waited {min(waited):.2f}-{max(waited):.2f} s")
    finally:
        await client.aclose()


async def test_a_consent_right_after_opening_the_case_needs_no_retry(
    running_hub: RunningHub,
) -> None:
    client = running_hub.client()
    try:
        partner_id = await client.register_partner("IOM mission (consent read-your-writes)")
        async with _held_back(running_hub, HOLD_SECONDS):
            case_id = await client.open_case(PERSON, country_of_origin="IQ")
            view = await client.call("GET", f"{client.urls.referral}/cases/{case_id}/view", STAFF)
            assert view.status_code == 404, "the hold leaked"
            consent = await _created(client, f"/cases/{case_id}/consents", consent_body(partner_id))
        assert consent["case_id"] == str(case_id)
    finally:
        await client.aclose()


async def test_without_the_case_file_the_lagging_view_is_judged_and_prefer_wait_still_helps(
    running_hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: casefile cannot be asked (test-only patch of referral's client). Without a
    header, the request is judged on the lagging view (refused `decision_missing`, as before
    the catch-up existed); with `Prefer: wait=5` the view gets time to catch up."""

    async def unavailable(*_: Any) -> UUID | None:
        raise CaseFileUnavailableError("test: casefile unreachable")

    monkeypatch.setattr(HttpCaseFile, "newest_event", unavailable)
    client = running_hub.client()
    try:
        partner_id = await client.register_partner("IOM mission (control)")
        outcomes = []
        for prefer in (None, "wait=5"):
            person = {**PERSON, "name": f"{PERSON['name']} {prefer}"}  # two persons
            case_id = await client.open_case(person, country_of_origin="IQ")
            await _known(client, case_id)
            await _created(client, f"/cases/{case_id}/consents", consent_body(partner_id))
            async with _held_back(running_hub, HOLD_SECONDS):
                await client.record_decision(case_id)
                headers = {"Prefer": prefer} if prefer else None
                referral = await _created(
                    client, f"/cases/{case_id}/referrals", _ask(partner_id), headers
                )
            outcomes.append((referral["status"], [r["code"] for r in referral["refusal_reasons"]]))
        assert outcomes == [("refused", ["decision_missing"]), ("approved", [])]
    finally:
        await client.aclose()


async def test_a_case_the_case_file_never_had_is_404_not_a_retry(running_hub: RunningHub) -> None:
    """A mistyped case id is not "not known yet": casefile says it never had the case, so
    referral answers 404 ``case_not_found`` at once instead of 409 ``case_not_known_yet``
    (which tells a tool to try again). A case that exists but is still on its way keeps the
    catch-up (the tests above)."""
    client = running_hub.client()
    try:
        partner_id = await client.register_partner("IOM mission (unknown case)")
        unknown = uuid4()
        for path, body in (
            (f"/cases/{unknown}/consents", consent_body(partner_id)),
            (f"/cases/{unknown}/referrals", _ask(partner_id)),
        ):
            response = await client.call("POST", f"{client.urls.referral}{path}", STAFF, body)
            assert response.status_code == 404, (path, response.text)
            assert response.json()["error"] == "case_not_found"
    finally:
        await client.aclose()


STAFF = Role.COUNSELLOR


@contextlib.asynccontextmanager
async def _held_back(hub: RunningHub, seconds: float) -> AsyncIterator[asyncio.TimerHandle]:
    """Referral's consumer of casefile's events fetches nothing for `seconds` from now (its
    partitions paused; records already fetched for them are dropped and fetched again after
    the resume), whatever the block does meanwhile. Leaving the block waits for the resume. Yields
    the release timer: its ``when()`` is the event loop's time of the resume."""
    consumer = _kafka_consumer(hub)
    topic = hub.hub.topic(Topic.CASEFILE_EVENTS)
    partitions = [tp for tp in consumer.assignment() if tp.topic == topic]
    assert partitions, "referral's consumer has no partition of the case file's topic"
    loop = asyncio.get_running_loop()
    consumer.pause(*partitions)
    release = loop.call_later(seconds, consumer.resume, *partitions)
    try:
        yield release
    finally:
        await asyncio.sleep(max(0.0, release.when() - loop.time()) + 0.01)
        consumer.resume(*partitions)  # idempotent: the timer has fired by now


def _kafka_consumer(hub: RunningHub) -> AIOKafkaConsumer:
    # The real aiokafka consumer of the running service: the test pauses it, nothing else.
    consumer = hub.referral.kafka_consumer()
    assert isinstance(consumer, AIOKafkaConsumer)
    return consumer


async def _created(
    client: HubClient, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await client.call("POST", f"{client.urls.referral}{path}", STAFF, body, headers)
    assert response.status_code == 201, (path, response.status_code, response.text)
    assert "Preference-Applied" not in response.headers or headers
    result: dict[str, Any] = response.json()
    return result


async def _view(client: HubClient, case_id: UUID) -> dict[str, Any]:
    response = await client.call("GET", f"{client.urls.referral}/cases/{case_id}/view", STAFF)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _known(client: HubClient, case_id: UUID) -> None:
    async def known() -> bool:
        url = f"{client.urls.referral}/cases/{case_id}/view"
        return (await client.call("GET", url, STAFF)).status_code == 200

    await wait_until(known)


def _ask(partner_id: UUID) -> dict[str, Any]:
    return {
        "partner_id": str(partner_id),
        "purpose": "reintegration_support",
        "data_categories": ["identity", "contact"],
    }
