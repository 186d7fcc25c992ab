"""Reading every topic of a test's hub through a Kafka client (not the broker's log segments),
and finding strings in any record's key, value or headers."""

from __future__ import annotations

import asyncio

from aiokafka import ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient
from hub_runtime.kafka import read_topic
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings


async def topics_of(hub: HubSettings, prefix: str) -> list[str]:
    """Every topic on the broker whose name starts with ``prefix`` (the test's own)."""
    admin = AIOKafkaAdminClient(**kafka_client_options(hub), client_id="e2e-topic-scan")
    await admin.start()
    try:
        return sorted(t for t in await admin.list_topics() if t.startswith(prefix))
    finally:
        await admin.close()


async def read_topics(
    hub: HubSettings, topics: list[str]
) -> dict[str, list[ConsumerRecord[bytes, bytes]]]:
    """Every record of every topic, read through a Kafka client from offset 0, concurrently."""
    records = await asyncio.gather(*(read_topic(hub, t, idle_seconds=0.5) for t in topics))
    return dict(zip(topics, records, strict=True))


def record_bytes(record: ConsumerRecord[bytes, bytes]) -> bytes:
    """Key, value and every header (name and value) of a record, as one byte string."""
    headers = b"".join(name.encode() + b"=" + (value or b"") for name, value in record.headers)
    return (record.key or b"") + b"\n" + (record.value or b"") + b"\n" + headers


def found_in(
    records: dict[str, list[ConsumerRecord[bytes, bytes]]], needles: list[str]
) -> list[str]:
    """``"<topic>@<partition>:<offset>: <needle>"`` for each needle found in a record."""
    return [
        f"{topic}@{r.partition}:{r.offset}: {needle}"
        for topic, items in records.items()
        for r in items
        for needle in needles
        if needle.encode() in record_bytes(r)
    ]
