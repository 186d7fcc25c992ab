"""Kafka clients with the hub's guarantees, and topic creation.

Producer: idempotent, `acks=all`, so a retried send never duplicates or reorders within a
partition. The services' own clients live in their FastStream broker (`kafka_host.py`); this
producer is for tools (dead-letter replay, chaos, benchmarks).
"""

import contextlib
import time
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from hub_contracts.topics import dead_letter_topic

from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings

CLOUDEVENTS_JSON = "application/cloudevents+json; charset=UTF-8"
"""The records' content type: each value is a structured-mode CloudEvent (CloudEvents Kafka
protocol binding 1.0, §3.2)."""


def make_producer(settings: HubSettings, client_id: str) -> AIOKafkaProducer:
    """The producer of the hub's tools, with the services' guarantees (idempotent, acks=all),
    logged in as ``settings``' Kafka principal."""
    return AIOKafkaProducer(
        **kafka_client_options(settings),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        request_timeout_ms=15_000,
    )


def topic_configs(replication_factor: int) -> dict[str, str]:
    """Topic-level settings for a topic with ``replication_factor`` replicas.

    From 3 replicas on, ``min.insync.replicas=2``: with the producers' ``acks=all`` a write is
    acknowledged only once two replicas hold it, so losing any one broker (the leader included)
    loses no acknowledged record, and the topic stays writable with one broker down. Fewer
    replicas keep the broker's default (1 on the single broker)."""
    return {"min.insync.replicas": "2"} if replication_factor >= 3 else {}


async def ensure_topics(settings: HubSettings, topics: Iterable[str], partitions: int) -> None:
    """Create each topic and its dead-letter topic if missing (the broker auto-creates nothing),
    with ``settings.kafka_replication_factor`` replicas and `topic_configs`.

    A service's principal holds no CREATE permission: on the secure stack the admin creates the
    hub's topics beforehand (`hub_runtime.kafka_acls.provision`) and this only checks. A topic
    it may not create raises `TopicCreationRefusedError` naming it."""
    wanted = sorted({name for topic in topics for name in (topic, dead_letter_topic(topic))})
    admin = AIOKafkaAdminClient(**kafka_client_options(settings), client_id="hub-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return
        replicas = settings.kafka_replication_factor
        configs = topic_configs(replicas)
        new = [
            NewTopic(
                name=t,
                num_partitions=partitions,
                replication_factor=replicas,
                topic_configs=configs,
            )
            for t in missing
        ]
        # Another service may create it between our list and create: that is fine.
        with contextlib.suppress(TopicAlreadyExistsError):
            response = await admin.create_topics(new)
            refused = [
                f"{name} (error {code})"
                for name, code, *_ in response.topic_errors
                if code not in (0, TopicAlreadyExistsError.errno)
            ]
            if refused:
                raise TopicCreationRefusedError(
                    f"{settings.kafka_username or 'client'} may not create: {', '.join(refused)}"
                )
    finally:
        await admin.close()


class TopicCreationRefusedError(RuntimeError):
    """The broker refused to create a missing topic (no CREATE permission, invalid name)."""


async def delete_topics_with_prefix(settings: HubSettings, prefix: str) -> int:
    """Delete every topic whose name starts with `prefix` (test clean-up); returns how many.

    A broker keeps several open files per partition: topics left behind by thousands of tests
    would exhaust its file descriptors."""
    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = AIOKafkaAdminClient(**kafka_client_options(settings), client_id="hub-admin")
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
        return len(doomed)
    finally:
        await admin.close()


async def read_topic(
    settings: HubSettings, topic: str, *, idle_seconds: float = 1.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of `topic` from offset 0 (no group), until nothing new came for a while."""
    consumer = AIOKafkaConsumer(
        **kafka_client_options(settings), enable_auto_commit=False, auto_offset_reset="earliest"
    )
    try:
        # Started inside the try: a broker that cannot be reached still gets the consumer closed.
        await consumer.start()
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not assigned:
            return []
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        end = await consumer.end_offsets(assigned)
        records: list[ConsumerRecord[bytes, bytes]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=int(idle_seconds * 1000))
            for items in batch.values():
                records.extend(items)
            done = all([await consumer.position(tp) >= end[tp] for tp in assigned])
            if done:
                break
        return records
    finally:
        await consumer.stop()
