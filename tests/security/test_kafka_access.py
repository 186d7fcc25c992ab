"""Kafka refuses whoever is not a principal of the hub, and holds each principal to its ACLs
(issue 17, item 3), on the real broker of `infra/stack.sh up` (SASL_SSL, StandardAuthorizer).

Every refusal is checked next to an allowed twin on the same connection settings, so a test
cannot pass because the broker is unreachable or the topic missing."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from hub_contracts.topics import Topic, dead_letter_topic
from hub_runtime.kafka import TopicCreationRefusedError, ensure_topics
from hub_runtime.kafka_security import kafka_client_options, kafka_ssl_context
from hub_runtime.settings import HubSettings
from hub_runtime.testing import as_principal

pytestmark = pytest.mark.integration

TIMEOUTS = {"request_timeout_ms": 5000, "metadata_max_age_ms": 5000}


async def _produce(hub: HubSettings, topic: str) -> None:
    """One record to ``topic`` as ``hub``'s principal (raises what the broker answers)."""
    producer = AIOKafkaProducer(**kafka_client_options(hub), **TIMEOUTS)
    try:
        await producer.start()
        await asyncio.wait_for(producer.send_and_wait(topic, b"probe", key=b"k"), 20)
    finally:
        await producer.stop()


async def _read_in_group(hub: HubSettings, topic: str, group: str) -> None:
    """Join ``group`` on ``topic`` and poll once (raises the broker's refusal)."""
    consumer = AIOKafkaConsumer(
        topic, **kafka_client_options(hub), group_id=group, auto_offset_reset="earliest"
    )
    try:
        # start() itself may raise the refusal: stop in any case, or the consumer's background
        # tasks would keep asking (and logging refusals) into later tests.
        await consumer.start()
        await asyncio.wait_for(consumer.getmany(timeout_ms=2000), 30)
    finally:
        await consumer.stop()


@pytest.fixture
def topics(isolated_hub: HubSettings) -> HubSettings:
    """The hub's topics and ACLs under a prefix of this test (see ``isolated_hub``)."""
    return isolated_hub


async def test_admin_reaches_the_broker_over_sasl_ssl(topics: HubSettings) -> None:
    """The allowed twin of the refusals below: the stack's admin login works."""
    await _produce(topics, topics.topic(Topic.CASEFILE_EVENTS))


@pytest.mark.expected_server_errors  # aiokafka logs each refusal as an ERROR
async def test_plaintext_client_is_refused(topics: HubSettings) -> None:
    """No TLS, no SASL: the broker's only client listener is SASL_SSL, so nothing connects."""
    plain = topics.model_copy(update={"kafka_security_protocol": "PLAINTEXT"})
    admin = AIOKafkaAdminClient(**kafka_client_options(plain), request_timeout_ms=5000)
    with pytest.raises((KafkaConnectionError, KafkaError, OSError, asyncio.TimeoutError)):
        await asyncio.wait_for(admin.start(), 20)
    await admin.close()


@pytest.mark.expected_server_errors  # aiokafka logs each refusal as an ERROR
async def test_tls_without_sasl_is_refused(topics: HubSettings) -> None:
    """TLS to the right CA but no SASL login: the broker drops the connection."""
    assert topics.kafka_ca_file is not None
    admin = AIOKafkaAdminClient(
        bootstrap_servers=topics.kafka_bootstrap,
        security_protocol="SSL",
        ssl_context=kafka_ssl_context(topics.kafka_ca_file),
        request_timeout_ms=5000,
    )
    with pytest.raises((KafkaConnectionError, KafkaError, OSError, asyncio.TimeoutError)):
        await asyncio.wait_for(admin.start(), 20)
    await admin.close()


@pytest.mark.expected_server_errors  # aiokafka logs each refusal as an ERROR
async def test_wrong_password_is_refused(topics: HubSettings) -> None:
    """A principal of the hub with a wrong password: SCRAM authentication fails."""
    wrong = as_principal(topics, "signals").model_copy(
        update={"kafka_password": topics.kafka_password.__class__(uuid.uuid4().hex)}
    )
    admin = AIOKafkaAdminClient(**kafka_client_options(wrong), request_timeout_ms=5000)
    with pytest.raises((KafkaConnectionError, KafkaError, OSError, asyncio.TimeoutError)):
        await asyncio.wait_for(admin.start(), 20)
    await admin.close()


@pytest.mark.expected_server_errors  # aiokafka logs each refusal as an ERROR
async def test_signals_cannot_write_the_command_topic(topics: HubSettings) -> None:
    """Only the counsellors' tools write commands: signals' principal is refused."""
    signals = as_principal(topics, "signals")
    await _produce(signals, topics.topic(Topic.SIGNALS_PUBLISHED))  # its own topic: allowed
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(signals, topics.topic(Topic.REFERRAL_COMMANDS))


@pytest.mark.expected_server_errors  # aiokafka logs each refusal as an ERROR
async def test_tools_write_the_command_topic_and_nothing_else(topics: HubSettings) -> None:
    tools = as_principal(topics, "tools")
    await _produce(tools, topics.topic(Topic.REFERRAL_COMMANDS))
    with pytest.raises(TopicAuthorizationFailedError):
        await _produce(tools, topics.topic(Topic.REFERRAL_EVENTS))


@pytest.mark.expected_server_errors  # aiokafka logs each refusal as an ERROR
async def test_a_service_cannot_write_another_services_topic(topics: HubSettings) -> None:
    """Casefile's principal cannot forge referral's or the gateway's events."""
    casefile = as_principal(topics, "casefile")
    await _produce(casefile, topics.topic(Topic.CASEFILE_EVENTS))
    await _produce(casefile, dead_letter_topic(topics.topic(Topic.REFERRAL_EVENTS)))
    for foreign in (Topic.REFERRAL_EVENTS, Topic.PARTNER_EVENTS):
        with pytest.raises(TopicAuthorizationFailedError):
            await _produce(casefile, topics.topic(foreign))


@pytest.mark.expected_server_errors  # aiokafka logs each refusal as an ERROR
async def test_signals_cannot_read_what_it_does_not_consume(topics: HubSettings) -> None:
    """Signals consumes the event topics, not referral's private command topic nor the
    dead letters (which hold whatever a sender got wrong)."""
    signals = as_principal(topics, "signals")
    await _read_in_group(signals, topics.topic(Topic.CASEFILE_EVENTS), topics.topic("signals"))
    for private in (
        topics.topic(Topic.REFERRAL_COMMANDS),
        dead_letter_topic(topics.topic(Topic.CASEFILE_EVENTS)),
    ):
        with pytest.raises(TopicAuthorizationFailedError):
            await _read_in_group(signals, private, topics.topic("signals"))


@pytest.mark.expected_server_errors  # aiokafka logs each refusal as an ERROR
async def test_a_service_cannot_join_another_services_group(topics: HubSettings) -> None:
    """Joining casefile's group would steal its partitions: refused for signals."""
    signals = as_principal(topics, "signals")
    with pytest.raises(GroupAuthorizationFailedError):
        await _read_in_group(signals, topics.topic(Topic.CASEFILE_EVENTS), topics.topic("casefile"))


@pytest.mark.expected_server_errors  # aiokafka logs each refusal as an ERROR
async def test_a_service_cannot_create_topics(topics: HubSettings) -> None:
    """Topics are the admin's: a service's principal may not create one."""
    referral = as_principal(topics, "referral")
    with pytest.raises((TopicCreationRefusedError, TopicAuthorizationFailedError)):
        await ensure_topics(referral, [topics.topic("not-a-hub-topic.v1")], 1)
