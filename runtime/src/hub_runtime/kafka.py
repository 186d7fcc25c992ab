"""Kafka clients with the hub's guarantees, and topic creation.

Producer: idempotent, `acks=all`, so a retried send never duplicates or reorders within a
partition. The services' own clients live in their FastStream broker (`kafka_host.py`); this
producer is for tools (dead-letter replay, chaos, benchmarks).
"""

import contextlib
import time
from collections.abc import Iterable, Mapping

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError
from hub_contracts.topics import dead_letter_topic, is_command_topic, is_dead_letter_topic

from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings

RETENTION_MS = "retention.ms"
# DescribeConfigs' config_source of a topic-level override (KIP-226); the others are defaults.
_TOPIC_CONFIG_SOURCE = 1
# TOPIC_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED: a service's own principal.
_AUTHORIZATION_FAILED = (29, 31)

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


def topic_configs(replication_factor: int, retention_ms: int | None = None) -> dict[str, str]:
    """Topic-level settings for a topic with ``replication_factor`` replicas.

    From 3 replicas on, ``min.insync.replicas=2``: with the producers' ``acks=all`` a write is
    acknowledged only once two replicas hold it, so losing any one broker (the leader included)
    loses no acknowledged record, and the topic stays writable with one broker down. Fewer
    replicas keep the broker's default (1 on the single broker). ``retention_ms`` (see
    :func:`retention_of`), when given, is the topic's ``retention.ms``."""
    configs = {"min.insync.replicas": "2"} if replication_factor >= 3 else {}
    if retention_ms is not None:
        configs[RETENTION_MS] = str(retention_ms)
    return configs


def retention_of(settings: HubSettings, topic: str) -> int:
    """The ``retention.ms`` the hub sets on ``topic``, in milliseconds: a dead-letter topic's
    ``settings.dead_letter_retention_ms``, a command topic's ``settings.command_retention_ms``,
    an event topic's ``settings.event_retention_ms``.

    Why chosen, not the broker's default: a record that wrongly carries a personal value stays
    in a dead-letter or command topic where erasure cannot reach it, so those are short; an
    event topic must outlast how far a consumer may fall behind (docs/privacy-inventory.md,
    "Kafka topics")."""
    if is_dead_letter_topic(topic):
        return settings.dead_letter_retention_ms
    if is_command_topic(topic):
        return settings.command_retention_ms
    return settings.event_retention_ms


async def ensure_topics(settings: HubSettings, topics: Iterable[str], partitions: int) -> None:
    """Create each topic and its dead-letter topic if missing (the broker auto-creates nothing),
    with ``settings.kafka_replication_factor`` replicas and `topic_configs` (the retention of
    :func:`retention_of` included); give an existing topic that retention when it has another
    (a cluster upgraded from before the hub chose its retentions).

    A service's principal holds no CREATE permission: on the secure stack the admin creates the
    hub's topics beforehand (`hub_runtime.kafka_acls.provision`) and this only checks. A topic
    it may not create raises `TopicCreationRefusedError` naming it. Reading or changing an
    existing topic's configuration is the admin's too: a principal refused it leaves it as it
    is (the admin's provisioning sets it)."""
    wanted = sorted({name for topic in topics for name in (topic, dead_letter_topic(topic))})
    admin = AIOKafkaAdminClient(**kafka_client_options(settings), client_id="hub-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        chosen = {t: retention_of(settings, t) for t in wanted if t in existing}
        await align_retention(admin, chosen)
        if not missing:
            return
        replicas = settings.kafka_replication_factor
        new = [
            NewTopic(
                name=t,
                num_partitions=partitions,
                replication_factor=replicas,
                topic_configs=topic_configs(replicas, retention_of(settings, t)),
            )
            for t in missing
        ]
        # Another service may create it between our list and create, or the broker's metadata
        # may not list a topic created a moment ago: that is fine, but such a topic was not
        # created with our configuration, so its retention is aligned like any existing one's.
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
            existed = [
                name
                for name, code, *_ in response.topic_errors
                if code == TopicAlreadyExistsError.errno
            ]
            await align_retention(admin, {t: retention_of(settings, t) for t in existed})
    finally:
        await admin.close()


async def align_retention(admin: AIOKafkaAdminClient, wanted: Mapping[str, int]) -> list[str]:
    """Set ``retention.ms`` of each existing topic in ``wanted`` (topic -> milliseconds) where
    it differs; returns the topics changed.

    Kafka's AlterConfigs replaces a topic's whole set of overrides, so each topic is altered
    with its current topic-level overrides (e.g. ``min.insync.replicas``) plus the retention.
    A topic whose configuration this principal may not read or change (authorization errors
    29, 31) is left as it is; any other refusal raises `TopicConfigError` naming it."""
    if not wanted:
        return []
    described = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, t) for t in sorted(wanted)]
    )
    changes = []
    for response in described:
        for code, message, _type, name, entries in response.resources:
            if code in _AUTHORIZATION_FAILED:
                continue
            if code:
                raise TopicConfigError(f"describing {name} refused: error {code} {message}")
            overrides = {e[0]: e[1] for e in entries if e[3] == _TOPIC_CONFIG_SOURCE}
            if overrides.get(RETENTION_MS) != str(wanted[name]):
                configs = {**overrides, RETENTION_MS: str(wanted[name])}
                changes.append(ConfigResource(ConfigResourceType.TOPIC, name, configs))
    if not changes:
        return []
    changed = []
    for response in await admin.alter_configs(changes):
        for code, message, _type, name in response.resources:
            if code in _AUTHORIZATION_FAILED:
                continue
            if code:
                raise TopicConfigError(f"changing {name} refused: error {code} {message}")
            changed.append(name)
    return changed


class TopicConfigError(RuntimeError):
    """The broker refused to describe or change a topic's configuration (not for lack of
    permission, e.g. an invalid value)."""


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
