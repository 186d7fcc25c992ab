"""Every topic gets the ``retention.ms`` the hub chose for its kind (dead letters, commands,
events) on the real broker: when the hub creates it, and when provisioning meets one created
before (an upgraded cluster)."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from hub_contracts.topics import Topic, dead_letter_topic
from hub_runtime.kafka import delete_topics_with_prefix, ensure_topics
from hub_runtime.kafka_acls import provision, remove_acls
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings

pytestmark = pytest.mark.integration

DEAD_LETTER_MS = 3 * 24 * 3600 * 1000
COMMAND_MS = 2 * 24 * 3600 * 1000
EVENT_MS = 5 * 24 * 3600 * 1000


@pytest.fixture
async def admin(hub_settings: HubSettings) -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(**kafka_client_options(hub_settings), client_id="t-retention")
    await client.start()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def settings(hub_settings: HubSettings) -> HubSettings:
    """The stack's settings with retentions of their own, told apart from the defaults."""
    update = {
        "dead_letter_retention_ms": DEAD_LETTER_MS,
        "command_retention_ms": COMMAND_MS,
        "event_retention_ms": EVENT_MS,
    }
    return hub_settings.model_copy(update=update)


UNKNOWN_TOPIC_OR_PARTITION = 3  # Kafka's error code


async def overrides(admin: AIOKafkaAdminClient, topic: str) -> dict[str, str]:
    """The topic-level configuration overrides of ``topic`` (config source 1), as the broker
    reports them (DescribeConfigs). A topic created a moment ago may be unknown to the broker
    for a few milliseconds (CreateTopics returns once the controller has it, the broker learns
    it from the metadata log after): asked again for up to 10 s."""
    for _ in range(200):
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        [(code, _message, _type, _name, entries)] = response.resources
        if code != UNKNOWN_TOPIC_OR_PARTITION:
            break
        await asyncio.sleep(0.05)
    assert code == 0
    return {entry[0]: entry[1] for entry in entries if entry[3] == 1}


async def settled_overrides(admin: AIOKafkaAdminClient, topic: str, name: str) -> dict[str, str]:
    """`overrides` once it holds ``name``, or after 10 s: an altered configuration reaches the
    broker's answers a moment after AlterConfigs returns (it is applied from the metadata log)."""
    for _ in range(200):
        found = await overrides(admin, topic)
        if name in found:
            break
        await asyncio.sleep(0.05)
    return found


async def test_a_new_dead_letter_topic_is_created_with_the_configured_retention(
    settings: HubSettings, admin: AIOKafkaAdminClient
) -> None:
    topic = f"test.{uuid.uuid4().hex[:10]}.events"
    try:
        await ensure_topics(settings, [topic], partitions=1)
        assert (await overrides(admin, dead_letter_topic(topic)))["retention.ms"] == str(
            DEAD_LETTER_MS
        )
        assert (await overrides(admin, topic))["retention.ms"] == str(EVENT_MS)
    finally:
        await delete_topics_with_prefix(settings, topic)


async def test_an_existing_dead_letter_topic_gets_the_retention_and_keeps_its_overrides(
    settings: HubSettings, admin: AIOKafkaAdminClient
) -> None:
    topic = f"test.{uuid.uuid4().hex[:10]}.events"
    dlq = dead_letter_topic(topic)
    try:
        # As created before bounded retention: no retention.ms, one override of its own.
        old = NewTopic(dlq, 1, 1, topic_configs={"min.insync.replicas": "1"})
        await admin.create_topics([NewTopic(topic, 1, 1), old])
        assert "retention.ms" not in await overrides(admin, dlq)
        await ensure_topics(settings, [topic], partitions=1)
        assert await settled_overrides(admin, dlq, "retention.ms") == {
            "min.insync.replicas": "1",
            "retention.ms": str(DEAD_LETTER_MS),
        }
        await ensure_topics(settings, [topic], partitions=1)  # nothing left to change
        assert (await overrides(admin, dlq))["retention.ms"] == str(DEAD_LETTER_MS)
    finally:
        await delete_topics_with_prefix(settings, topic)


async def test_provisioning_sets_the_retention_of_existing_command_dead_letter_and_event_topics(
    settings: HubSettings, admin: AIOKafkaAdminClient
) -> None:
    prefix = f"t-{uuid.uuid4().hex[:8]}."
    commands = prefix + Topic.REFERRAL_COMMANDS
    try:
        events = prefix + Topic.CASEFILE_EVENTS
        await admin.create_topics(
            [
                NewTopic(commands, 1, 1),
                NewTopic(dead_letter_topic(commands), 1, 1),
                NewTopic(events, 1, 1),  # as before the hub chose event retention: the default
            ]
        )
        await provision(settings, prefix)
        assert (await settled_overrides(admin, commands, "retention.ms"))["retention.ms"] == str(
            COMMAND_MS
        )
        dead = await settled_overrides(admin, dead_letter_topic(commands), "retention.ms")
        assert dead["retention.ms"] == str(DEAD_LETTER_MS)
        assert (await settled_overrides(admin, events, "retention.ms"))["retention.ms"] == str(
            EVENT_MS
        )
        assert (await settled_overrides(admin, dead_letter_topic(events), "retention.ms"))[
            "retention.ms"
        ] == str(DEAD_LETTER_MS)
    finally:
        await remove_acls(settings, prefix)
        await delete_topics_with_prefix(settings, prefix)


async def test_a_topic_the_brokers_metadata_does_not_list_yet_still_gets_the_retention(
    settings: HubSettings, admin: AIOKafkaAdminClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen in the tests: a topic created a moment before is missing from ListTopics, so it is
    created again, refused as existing, and (before) kept its old configuration."""
    topic = f"test.{uuid.uuid4().hex[:10]}.events"
    dlq = dead_letter_topic(topic)
    try:
        await admin.create_topics([NewTopic(topic, 1, 1), NewTopic(dlq, 1, 1)])
        await overrides(admin, dlq)  # known to the broker

        async def lagging_list(self: AIOKafkaAdminClient) -> list[str]:
            return []  # as a broker that has not yet applied the metadata record

        monkeypatch.setattr(AIOKafkaAdminClient, "list_topics", lagging_list)
        await ensure_topics(settings, [topic], partitions=1)
        assert (await settled_overrides(admin, dlq, "retention.ms"))["retention.ms"] == str(
            DEAD_LETTER_MS
        )
    finally:
        monkeypatch.undo()
        await delete_topics_with_prefix(settings, topic)
