"""Bad input goes to the dead-letter topic, is never aggregated, and the partition keeps flowing."""

from __future__ import annotations

import json
import uuid
from datetime import date

import httpx
import pytest
from hub_contracts import BottleneckObserved, Topic, new_envelope
from hub_contracts.examples import EXAMPLES
from hub_runtime.auth import Role
from hub_runtime.dead_letters import load
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import read_all, wait_until

from .conftest import bearer, publish, publish_raw

pytestmark = pytest.mark.integration


def raw_bottleneck(case_id: uuid.UUID, subject: str, **data_changes: object) -> bytes:
    example = EXAMPLES[BottleneckObserved]().model_copy(
        update={"case_id": case_id, "observed_on": date(2025, 2, 3)}
    )
    envelope = json.loads(new_envelope(example, source="test", subject=subject).to_bytes())
    envelope["data"].update(data_changes)
    return json.dumps(envelope).encode()


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_unknown_category_and_identifying_fields_are_dead_lettered(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    case_id = uuid.uuid4()
    bad = [
        raw_bottleneck(case_id, str(case_id), category="embassy_was_rude"),
        raw_bottleneck(case_id, str(case_id), full_name="Jane Example"),
        raw_bottleneck(case_id, "V-number 1234567890"),  # an identifier as the subject
    ]
    for value in bad:
        await publish_raw(isolated_hub, Topic.CASEFILE_EVENTS, str(case_id), value)
    good = EXAMPLES[BottleneckObserved]().model_copy(update={"case_id": case_id})
    await publish(
        isolated_hub,
        new_envelope(good, source="test", subject=str(case_id)),
        Topic.CASEFILE_EVENTS,
    )
    dlq = isolated_hub.topic(Topic.CASEFILE_EVENTS) + ".dlq"

    async def three_dead_letters() -> bool:
        return len(await read_all(isolated_hub, dlq, idle_seconds=0.2)) >= 3

    await wait_until(three_dead_letters, within=30)
    records = await read_all(isolated_hub, dlq)
    # Stored sealed (a full name among them must not sit in Kafka in plaintext), opened equal.
    assert not any(b"V-number" in (r.value or b"") for r in records)
    letters = await load(isolated_hub, Topic.CASEFILE_EVENTS)
    assert sorted(x.value for x in letters if x.value is not None) == sorted(bad)
    errors = [dict(r.headers)["dlq-error"].decode() for r in records]
    assert any("category" in e for e in errors)
    # An unknown member is refused without its name, which can be anything a producer typed
    # (the HTTP edge's rule, `hub_contracts.validation_reasons`).
    assert any("has a member that is not part of the contract" in e for e in errors)
    assert all("full_name" not in e for e in errors)
    assert any("subject is not the event's case id" in e for e in errors)
    assert all("Jane" not in e and "1234567890" not in e for e in errors)

    consumer = signals_service.consumer
    assert consumer is not None

    async def good_one_applied() -> bool:
        return consumer.stats.applied == 1

    await wait_until(good_one_applied)
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        summary = (
            await client.get("/admin/contributions", headers=bearer(isolated_hub, Role.ADMIN))
        ).json()["contributions"]
    # Only the good event contributed: one cell in each of the three bottleneck tables.
    assert sorted(row["contributions"] for row in summary) == [1, 1, 1]


@pytest.mark.expected_server_errors  # dead-letters bad events on purpose (logged at ERROR)
async def test_events_of_an_implausible_month_are_dead_lettered_not_published(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    case_id = uuid.uuid4()
    mistyped = [
        raw_bottleneck(case_id, str(case_id), observed_on="1990-01-01"),
        raw_bottleneck(case_id, str(case_id), observed_on="0001-01-31"),
        raw_bottleneck(case_id, str(case_id), observed_on=f"{date.today().year + 2}-06-01"),
    ]
    for value in mistyped:
        await publish_raw(isolated_hub, Topic.CASEFILE_EVENTS, str(case_id), value)
    dlq = isolated_hub.topic(Topic.CASEFILE_EVENTS) + ".dlq"

    async def all_dead_lettered() -> bool:
        records = await read_all(isolated_hub, dlq, idle_seconds=0.2)
        return len(records) >= len(mistyped)

    await wait_until(all_dead_lettered, within=30)
    records = await read_all(isolated_hub, dlq)
    letters = await load(isolated_hub, Topic.CASEFILE_EVENTS)
    assert sorted(x.value for x in letters if x.value is not None) == sorted(mistyped)
    for record in records:
        error = dict(record.headers)["dlq-error"].decode()
        assert "the event's month is implausible" in error
        assert "between 2000-01 and" in error
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        admin = bearer(isolated_hub, Role.ADMIN)
        summary = (await client.get("/admin/contributions", headers=admin)).json()
        published = await client.post("/admin/periods/1990-01/publish", headers=admin)
    assert summary["contributions"] == []
    assert published.status_code == 422
