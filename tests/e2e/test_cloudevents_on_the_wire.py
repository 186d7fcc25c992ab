"""Every record a real flow writes is a CloudEvent to the official SDKs (issue 14, item 2).

The four services run in-process on the real Kafka broker and PostgreSQL server (topics and
databases of the test's own). A counsellor's short flow (a partner, a case, a decision, a
consent, a referral the simulated partner accepts) writes events on casefile's, referral's
and the gateway's topics. Every record of every topic of the hub, read back through a Kafka
client from offset 0, must parse in structured mode with the Python SDK and with the
JavaScript SDK (`Kafka.toEvent`), and name its producer by a URI (`urn:council-hub:<service>`).
A record stripped of its `content-type` header must be refused by both: the checks can fail.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator

import pytest
from hub_contracts import Topic
from hub_contracts.envelope import source_for
from hub_demo.inprocess import RunningHub, start_hub
from hub_runtime.settings import HubSettings
from hub_runtime.testing import service_hubs

from .cloudevents_sdks import WireRecord, javascript_sdk_problems, python_sdk_problems
from .flows import short_referral_flow
from .topic_scan import read_topics, topics_of

pytestmark = pytest.mark.integration

PERSON = {"name": "Test Person Cloudevents", "date_of_birth": "1990-01-01", "languages": ["en"]}
SERVICES = {
    Topic.CASEFILE_EVENTS: "casefile",
    Topic.REFERRAL_EVENTS: "referral",
    Topic.PARTNER_EVENTS: "partner-gateway",
}


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


async def test_every_record_is_a_structured_cloudevent_to_both_official_sdks(
    running_hub: RunningHub, isolated_hub: HubSettings
) -> None:
    await short_referral_flow(running_hub, PERSON)
    prefix = isolated_hub.topic_prefix
    topics = await topics_of(isolated_hub, prefix)
    by_topic = await read_topics(isolated_hub, topics)
    records = [WireRecord.of(t, r) for t, items in by_topic.items() for r in items]
    written = {t.removeprefix(prefix) for t, items in by_topic.items() if items}
    assert {str(t) for t in SERVICES} <= written, written

    assert python_sdk_problems(records) == []
    assert javascript_sdk_problems(records) == []
    for record in records:
        topic = record.where.split("@")[0].removeprefix(prefix)
        if topic in SERVICES:
            source = json.loads(record.value)["source"]
            assert source == source_for(SERVICES[Topic(topic)]), (record.where, source)

    # The same checks refuse a record without the structured-mode header (binding §3.2).
    headless = dataclasses.replace(records[0], headers={})
    assert len(python_sdk_problems([headless])) == 1
    assert "No CloudEvent detected" in javascript_sdk_problems([headless])[0]
    # ... and an event without its required `source` (CloudEvents 1.0 §3.1).
    event = json.loads(records[0].value)
    del event["source"]
    sourceless = dataclasses.replace(records[0], value=json.dumps(event).encode())
    assert len(python_sdk_problems([sourceless])) == 1
    assert len(javascript_sdk_problems([sourceless])) == 1
