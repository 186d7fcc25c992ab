"""Prove that the broker started by infra/stack.sh works with *our* client, aiokafka.

Why this exists: Kafka 4.x dropped many old protocol versions (KIP-896) and keeps
moving request versions forward, while aiokafka negotiates from its own table of
request versions. A broker that merely accepts TCP connections can still refuse
the exact requests our services send. So this script exercises what the services
rely on, end to end, against the real broker:

  * topic creation and deletion through AIOKafkaAdminClient (checked error codes);
  * an idempotent producer (enable_idempotence=True, acks="all") sending keyed
    records, and the same key always landing on the same partition;
  * a consumer group with enable_auto_commit=False that commits explicitly and,
    after the consumer is stopped and a new one joins the same group, resumes
    exactly at the committed offsets (nothing re-read, nothing skipped);
  * seek_to_beginning on an assigned consumer re-reading everything, and end_offsets.

Modes:
  (default)  the full check above; prints one line, exits 0 on success, 1 on failure.
  --quick    readiness probe used by `stack.sh up`: admin client + create a scratch
             topic + produce one record with the idempotent producer + delete it.

Bootstrap address: --bootstrap, else $HUB_KAFKA_BOOTSTRAP, else <repo>/.hub/stack.env.
Uses only aiokafka and the standard library, so it runs with the workspace .venv.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.handlers
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings

REPO = Path(__file__).resolve().parent.parent
PARTITIONS = 3
RECORDS = 30  # total records produced in the full check
FIRST_BATCH = 10  # records the first consumer processes and commits before it stops


class CheckFailedError(Exception):
    pass


def client_options(bootstrap: str) -> dict[str, Any]:
    """aiokafka keyword arguments: the address plus the security options of the environment
    (HUB_KAFKA_SECURITY_PROTOCOL, _USERNAME, _PASSWORD, _CA_FILE; infra/stack.sh passes the
    admin's), built by the hub's one place for them."""
    return kafka_client_options(HubSettings(kafka_bootstrap=bootstrap))


def bootstrap_from_env() -> str:
    value = os.environ.get("HUB_KAFKA_BOOTSTRAP")
    if value:
        return value
    env_file = REPO / ".hub" / "stack.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            key, _, val = line.removeprefix("export ").partition("=")
            if key.strip() == "HUB_KAFKA_BOOTSTRAP" and val.strip():
                return val.strip().strip("'\"")
    raise SystemExit(
        "check_kafka: no bootstrap address (--bootstrap, $HUB_KAFKA_BOOTSTRAP or .hub/stack.env)"
    )


def _errors(response: Any, key: str) -> list[tuple[str, int, str]]:
    """(topic, error_code, message) for every topic whose error_code != 0."""
    obj = response.to_object()
    bad = []
    for entry in obj.get(key, []):
        code = entry.get("error_code", 0)
        if code:
            bad.append((entry.get("topic") or entry.get("name"), code, entry.get("error_message")))
    return bad


async def create_topic(admin: AIOKafkaAdminClient, name: str, partitions: int) -> None:
    # On the three-node cluster (HUB_KAFKA_REPLICATION_FACTOR=3) the brokers require two
    # in-sync replicas for acks=all: a scratch topic with one replica could not be written.
    replicas = int(os.environ.get("HUB_KAFKA_REPLICATION_FACTOR", "1"))
    new = NewTopic(name, num_partitions=partitions, replication_factor=replicas)
    resp = await admin.create_topics([new])
    bad = _errors(resp, "topic_errors") or _errors(resp, "topics")
    if bad:
        raise CheckFailedError(f"create_topics({name}) failed: {bad}")
    # Wait until the topic is visible with all its partitions led (metadata propagates async).
    for _ in range(100):
        topics = await admin.describe_topics([name])
        if (
            topics
            and topics[0]["error_code"] == 0
            and len(topics[0]["partitions"]) == partitions
            and all(p["leader"] >= 0 for p in topics[0]["partitions"])
        ):
            return
        await asyncio.sleep(0.1)
    raise CheckFailedError(f"topic {name} did not become visible with {partitions} led partitions")


async def delete_topic(admin: AIOKafkaAdminClient, name: str) -> None:
    resp = await admin.delete_topics([name])
    bad = _errors(resp, "topic_error_codes") or _errors(resp, "responses")
    if bad:
        raise CheckFailedError(f"delete_topics({name}) failed: {bad}")


def idempotent_producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(**client_options(bootstrap), enable_idempotence=True, acks="all")


async def quick(bootstrap: str) -> str:
    admin = AIOKafkaAdminClient(**client_options(bootstrap), request_timeout_ms=10000)
    await admin.start()
    topic = f"_hub_probe_{uuid.uuid4().hex[:12]}"
    try:
        await create_topic(admin, topic, 1)
        producer = idempotent_producer(bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"ping", key=b"probe")
        finally:
            await producer.stop()
    finally:
        try:
            await delete_topic(admin, topic)
        finally:
            await admin.close()
    return "admin client, topic create/delete, idempotent produce"


async def consume(consumer: AIOKafkaConsumer, want: int, timeout_s: float = 30.0) -> list[Any]:
    """Return exactly `want` records (getmany is capped so nothing extra is consumed)."""
    got: list[Any] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while len(got) < want:
        if loop.time() > deadline:
            raise CheckFailedError(
                f"consumed only {len(got)} of {want} records within {timeout_s}s"
            )
        batches = await consumer.getmany(timeout_ms=500, max_records=want - len(got))
        for records in batches.values():
            got.extend(records)
    return got


async def full(bootstrap: str) -> str:
    admin = AIOKafkaAdminClient(**client_options(bootstrap), request_timeout_ms=15000)
    await admin.start()
    suffix = uuid.uuid4().hex[:10]
    topic = f"_hub_check_{suffix}"
    group = f"_hub_check_group_{suffix}"
    try:
        # 1. Topic creation through the admin client.
        await create_topic(admin, topic, PARTITIONS)
        if topic not in await admin.list_topics():
            raise CheckFailedError("created topic missing from list_topics()")

        # 2. Idempotent producer, keyed records: one key -> one partition.
        producer = idempotent_producer(bootstrap)
        await producer.start()
        sent: dict[tuple[int, int], bytes] = {}
        partition_of_key: dict[bytes, int] = {}
        try:
            for i in range(RECORDS):
                key = f"case-{i % 7}".encode()
                meta = await producer.send_and_wait(topic, f"v{i}".encode(), key=key)
                if partition_of_key.setdefault(key, meta.partition) != meta.partition:
                    raise CheckFailedError(f"key {key!r} went to two partitions")
                sent[(meta.partition, meta.offset)] = key
        finally:
            await producer.stop()
        if len(sent) != RECORDS:
            raise CheckFailedError(
                f"duplicate (partition, offset) pairs from the producer: {len(sent)}"
            )

        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]

        # 3. Consumer group, manual commits: process FIRST_BATCH records, commit, stop.
        c1 = AIOKafkaConsumer(
            topic,
            **client_options(bootstrap),
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await c1.start()
        try:
            first = await consume(c1, FIRST_BATCH)
            await c1.commit()
            committed = {tp.partition: await c1.committed(tp) for tp in tps}
        finally:
            await c1.stop()
        # The committed offset of each partition is one past the last record processed.
        expected: dict[int, int] = {p: 0 for p in range(PARTITIONS)}
        for r in first:
            expected[r.partition] = max(expected[r.partition], r.offset + 1)
        got_committed = {p: (o or 0) for p, o in committed.items()}
        if got_committed != expected:
            raise CheckFailedError(f"committed offsets {committed} != processed {expected}")

        # 4. A new consumer in the same group resumes from the committed offsets.
        c2 = AIOKafkaConsumer(
            topic,
            **client_options(bootstrap),
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await c2.start()
        try:
            rest = await consume(c2, RECORDS - FIRST_BATCH)
            await c2.commit()
            # Nothing more must arrive: the group has read everything exactly once.
            extra = await c2.getmany(timeout_ms=1000)
            if any(extra.values()):
                raise CheckFailedError("consumer group re-delivered records after resume")
        finally:
            await c2.stop()
        seen_first = {(r.partition, r.offset) for r in first}
        seen_rest = {(r.partition, r.offset) for r in rest}
        if seen_first & seen_rest:
            raise CheckFailedError(
                f"records re-read after resume: {sorted(seen_first & seen_rest)}"
            )
        if seen_first | seen_rest != set(sent):
            raise CheckFailedError("records skipped after resume")
        for p in range(PARTITIONS):
            offs = sorted(o for (pp, o) in seen_rest if pp == p)
            if offs and offs[0] != expected[p]:
                raise CheckFailedError(
                    f"partition {p} resumed at {offs[0]}, committed {expected[p]}"
                )

        # 5. seek_to_beginning on a manually assigned consumer re-reads everything.
        c3 = AIOKafkaConsumer(**client_options(bootstrap), enable_auto_commit=False)
        await c3.start()
        try:
            c3.assign(tps)
            await c3.seek_to_beginning(*tps)
            # end_offsets (ListOffsets "latest") is what hub_runtime.kafka.read_topic relies on.
            end = await c3.end_offsets(tps)
            if sum(end.values()) != RECORDS:
                raise CheckFailedError(f"end_offsets {end} do not add up to {RECORDS}")
            replay = await consume(c3, RECORDS)
        finally:
            await c3.stop()
        if {(r.partition, r.offset) for r in replay} != set(sent):
            raise CheckFailedError("seek_to_beginning did not replay exactly the produced records")
        for r in replay:
            if sent[(r.partition, r.offset)] != r.key:
                raise CheckFailedError("replayed record has a different key")
    finally:
        try:
            await delete_topic(admin, topic)
        finally:
            await admin.close()
    return (
        f"admin create/delete, idempotent keyed produce ({RECORDS}), manual commit + resume "
        f"({FIRST_BATCH}+{RECORDS - FIRST_BATCH}), seek_to_beginning, end_offsets"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--bootstrap", help="host:port (default: $HUB_KAFKA_BOOTSTRAP or .hub/stack.env)"
    )
    parser.add_argument("--quick", action="store_true", help="readiness probe only")
    parser.add_argument("--timeout", type=float, default=90.0, help="overall timeout in seconds")
    args = parser.parse_args()
    bootstrap = args.bootstrap or bootstrap_from_env()
    what = "kafka probe" if args.quick else "kafka check"
    # aiokafka logs expected transient warnings (e.g. GroupCoordinatorNotAvailable while
    # __consumer_offsets is being created). Keep them, but show them only if the check fails.
    buffered = logging.handlers.MemoryHandler(capacity=10_000, flushLevel=logging.CRITICAL + 1)
    logging.basicConfig(level=logging.WARNING, handlers=[buffered])

    def dump_client_log() -> None:
        stderr = logging.StreamHandler(sys.stderr)
        stderr.setFormatter(logging.Formatter("  aiokafka %(levelname)s %(name)s: %(message)s"))
        buffered.setTarget(stderr)
        buffered.flush()

    try:
        check = quick if args.quick else full
        done = asyncio.run(asyncio.wait_for(check(bootstrap), args.timeout))
    except (CheckFailedError, TimeoutError) as exc:
        print(f"{what}: FAILED against {bootstrap}: {type(exc).__name__}: {exc}", file=sys.stderr)
        dump_client_log()
        return 1
    except Exception as exc:  # aiokafka errors (UnsupportedVersion, KafkaConnectionError, ...)
        print(f"{what}: FAILED against {bootstrap}: {type(exc).__name__}: {exc!r}", file=sys.stderr)
        dump_client_log()
        return 1
    if not args.quick:
        print(f"{what}: OK against {bootstrap}: {done}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
