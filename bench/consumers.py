"""Section 2: events/s of each service's consumer against raw loops over the same events.

For each service: N events of the types it consumes are preloaded on topics of a prefix of its
own; then, in this process and in this order, (a) a raw aiokafka loop fetches and JSON-decodes
them (partitions assigned, no group), (a') the same loop validates them against the contracts
instead (the least a consumer that trusts nothing does: the ceiling of any such consumer),
(b) a raw asyncpg loop writes one inbox row and one
effect row per event, 500 events per transaction, (c) a raw pipeline does both (fetch a batch,
write it in one transaction), and (d) the service itself starts (only that service) and
applies them. Records carry a traceparent header, like those the outbox relay publishes.
Rates are timed from the first batch done to the last, so start-up and the
consumer group's join delay do not count, for the service and the raw loops alike; each raw
loop runs three times and its best rate counts.
"""

import asyncio
import itertools
import json
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
import casefile.bootstrap
import casefile.config
import partner_gateway.bootstrap
import partner_gateway.config
import referral.bootstrap
import referral.config
import signals.bootstrap
import signals.config
from aiokafka import AIOKafkaConsumer, TopicPartition
from hub_contracts import (
    BottleneckObserved,
    CaseOpened,
    ConsentGranted,
    DecisionRecorded,
    EventPayload,
    PartnerRegistered,
    PartnerStatusReported,
    Purpose,
    ReferralApproved,
    new_envelope,
)
from hub_contracts.envelope import Envelope
from hub_contracts.examples import example_payload
from hub_contracts.registry import decode
from hub_runtime.db import dsn_for_database
from hub_runtime.entry import runtime_of
from hub_runtime.heap import settle_after_start
from hub_runtime.kafka import delete_topics_with_prefix, ensure_topics, make_producer
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings

from bench.common import bench_settings, run_prefix, scratch_databases

BATCH = 500  # the runtime consumer's max_poll_records


def _like(cls: type[EventPayload], **changes: Any) -> EventPayload:
    """The contract's example of `cls` with fresh ids (and any other changes)."""
    return example_payload(cls).model_copy(update=changes)


def _casefile_events(cases: int) -> list[EventPayload]:
    out: list[EventPayload] = []
    for _ in range(cases):
        ids = {"case_id": uuid.uuid4(), "referral_id": uuid.uuid4(), "consent_id": uuid.uuid4()}
        consent = {k: v for k, v in ids.items() if k != "referral_id"}
        out += [
            _like(
                ConsentGranted,
                **consent,
                valid_from=date.today(),
                valid_until=date.today() + timedelta(days=90),
            ),
            _like(ReferralApproved, **ids),
            _like(PartnerStatusReported, case_id=ids["case_id"], referral_id=ids["referral_id"]),
        ]
    return out


def _referral_events(cases: int) -> list[EventPayload]:
    out: list[EventPayload] = []
    for _ in range(cases):
        case_id = uuid.uuid4()
        out += [
            _like(CaseOpened, case_id=case_id, has_minors=False, vulnerabilities=[]),
            _like(DecisionRecorded, case_id=case_id),
        ]
    return out


def _gateway_events(cases: int) -> list[EventPayload]:
    partners = [uuid.uuid4() for _ in range(8)]
    out: list[EventPayload] = [_like(PartnerRegistered, partner_id=p) for p in partners]
    cycle = itertools.cycle(partners)
    for _ in range(cases - len(partners) // 2):
        ids = {"case_id": uuid.uuid4(), "consent_id": uuid.uuid4(), "partner_id": next(cycle)}
        today = date.today()
        out += [
            _like(ConsentGranted, **ids, valid_from=today, valid_until=today + timedelta(90)),
            _like(ReferralApproved, **ids, referral_id=uuid.uuid4()),
        ]
    return out


def _signals_events(cases: int) -> list[EventPayload]:
    out: list[EventPayload] = []
    today = date.today()
    for _ in range(cases):
        case_id = uuid.uuid4()
        out += [
            _like(
                ConsentGranted,
                case_id=case_id,
                consent_id=uuid.uuid4(),
                purposes=[Purpose.ANONYMOUS_REPORTING],
                valid_from=today,
                valid_until=today + timedelta(days=90),
            ),
            _like(
                BottleneckObserved, case_id=case_id, bottleneck_id=uuid.uuid4(), observed_on=today
            ),
        ]
    return out


def _start_casefile(hub: HubSettings, db: str) -> ServiceRuntime:
    return runtime_of(
        casefile.bootstrap.definition, casefile.config.Settings(hub=hub, http_port=0, database=db)
    )


def _start_referral(hub: HubSettings, db: str) -> ServiceRuntime:
    return runtime_of(
        referral.bootstrap.definition, referral.config.Settings(hub=hub, http_port=0, database=db)
    )


def _start_gateway(hub: HubSettings, db: str) -> ServiceRuntime:
    settings = partner_gateway.config.Settings(hub=hub, http_port=0, database=db)
    return runtime_of(partner_gateway.bootstrap.definition, settings)


def _start_signals(hub: HubSettings, db: str) -> ServiceRuntime:
    return runtime_of(
        signals.bootstrap.definition, signals.config.Settings(hub=hub, http_port=0, database=db)
    )


@dataclass(frozen=True)
class Subject:
    service: str
    events_per_case: int
    make_events: Callable[[int], list[EventPayload]]
    make_runtime: Callable[[HubSettings, str], ServiceRuntime]


SUBJECTS = [
    Subject("casefile", 3, _casefile_events, _start_casefile),
    Subject("referral", 2, _referral_events, _start_referral),
    Subject("partner-gateway", 2, _gateway_events, _start_gateway),
    Subject("signals", 2, _signals_events, _start_signals),
]


@dataclass(frozen=True)
class ConsumerResult:
    service: str
    events: int
    event_types: list[str]
    hub_rate: float
    raw_kafka_rate: float
    validated_kafka_rate: float
    raw_pg_rate: float
    raw_pipeline_rate: float
    applied: int
    skipped: int
    dead_lettered: int


async def _preload(hub: HubSettings, payloads: list[EventPayload]) -> list[Envelope]:
    envelopes = [
        new_envelope(p, source="bench", subject=str(p.envelope_subject())) for p in payloads
    ]
    topics = sorted({hub.topic(str(p.topic)) for p in payloads})
    await ensure_topics(hub, topics, hub.topic_partitions)
    producer = make_producer(hub, client_id="bench-preload")
    await producer.start()
    try:
        sends = [
            await producer.send(
                hub.topic(str(p.topic)),
                value=e.to_bytes(),
                key=e.kafka_key(),
                headers=_trace_headers(),
            )
            for p, e in zip(payloads, envelopes, strict=True)
        ]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()
    return envelopes


def _trace_headers() -> list[tuple[str, bytes]]:
    """A sampled W3C traceparent, as the outbox relay puts on every record it publishes."""
    traceparent = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
    return [("traceparent", traceparent.encode())]


_RAW_TABLES = """
CREATE TABLE IF NOT EXISTS raw_inbox (
    event_id uuid PRIMARY KEY, event_type text NOT NULL, topic text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS raw_effect (
    id bigserial PRIMARY KEY, event_id uuid UNIQUE, subject text NOT NULL, kind text NOT NULL,
    details jsonb NOT NULL);
TRUNCATE raw_inbox, raw_effect;
"""


async def _write_batch(conn: asyncpg.Connection, rows: list[dict[str, Any]]) -> None:
    """What a hand-written consumer does per event: an inbox row and one effect row, each
    table written with one set-based statement per batch (the fastest plain way with asyncpg;
    executemany is about 1.5x slower)."""
    ids = [uuid.UUID(r["id"]) for r in rows]
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO raw_inbox (event_id, event_type, topic)"
            " SELECT i, t, 'raw' FROM unnest($1::uuid[], $2::text[]) AS r(i, t)"
            " ON CONFLICT DO NOTHING",
            ids,
            [r["type"] for r in rows],
        )
        await conn.execute(
            "INSERT INTO raw_effect (event_id, subject, kind, details)"
            " SELECT i, s, k, d::jsonb FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])"
            " AS r(i, s, k, d)",
            ids,
            [r["subject"] for r in rows],
            [r["type"] for r in rows],
            [json.dumps(r["data"]) for r in rows],
        )


def _validate(raw: bytes | None) -> dict[str, Any]:
    """What any consumer that trusts nothing must do at least: the contract's envelope and
    payload validation (the hub's own decoding), returned as the raw loop's dict."""
    envelope = Envelope.from_bytes(raw or b"")
    decode(envelope)
    return {"id": str(envelope.id), "type": envelope.type, "subject": envelope.subject,
            "data": envelope.data}  # fmt: skip


async def _raw_kafka(
    hub: HubSettings,
    topics: list[str],
    total: int,
    conn: asyncpg.Connection | None,
    decoder: Callable[[bytes | None], dict[str, Any]] = lambda raw: json.loads(raw or b"{}"),
) -> float:
    """Fetch + decode every record (and, with `conn`, write each batch): events/s."""
    if conn is not None:
        await conn.execute(_RAW_TABLES)  # empty tables for every run
    consumer = AIOKafkaConsumer(
        **kafka_client_options(hub), enable_auto_commit=False, max_poll_records=BATCH
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in range(hub.topic_partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen, first_at, first_count = 0, 0.0, 0
        while seen < total:
            batches = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            for records in batches.values():
                rows = [decoder(r.value) for r in records]
                if conn is not None:
                    await _write_batch(conn, rows)
                seen += len(rows)
                if not first_at and seen:
                    first_at, first_count = time.perf_counter(), seen
        return (seen - first_count) / (time.perf_counter() - first_at)
    finally:
        await consumer.stop()


async def _best_of(loop: Callable[[], Awaitable[float]], runs: int = 3) -> float:
    """The best of a few runs of a raw loop: its warm, undisturbed rate (which makes every
    ratio against it the pessimistic one for the hub)."""
    return max([await loop() for _ in range(runs)])


async def _raw_pg(conn: asyncpg.Connection, envelopes: list[Envelope]) -> float:
    await conn.execute(_RAW_TABLES)  # empty tables for every run
    rows = [json.loads(e.to_bytes()) for e in envelopes]
    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        await _write_batch(conn, rows[i : i + BATCH])
    return len(rows) / (time.perf_counter() - started)


async def _hub_rate(runtime: ServiceRuntime, total: int, within: float = 300) -> float:
    consumer = runtime.consumer
    assert consumer is not None
    first_at, first_done = 0.0, 0
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        s = consumer.stats
        done = s.applied + s.skipped + s.duplicates + s.dead_lettered
        now = time.perf_counter()
        if done and not first_at:
            first_at, first_done = now, done
        if done >= total:
            return (done - first_done) / max(now - first_at, 1e-6)
        await asyncio.sleep(0.005)
    raise TimeoutError(f"{runtime.definition.name} did not apply {total} events in {within} s")


async def measure(subject: Subject, events: int, runs: int = 3) -> ConsumerResult:
    """Section 2 for one service: `events` events through the raw loops (each `runs` times,
    its best rate counts) and then through the service's own consumer."""
    hub = bench_settings(run_prefix(subject.service.split("-")[0]))
    payloads = subject.make_events(events // subject.events_per_case)
    try:
        envelopes = await _preload(hub, payloads)
        topics = sorted({hub.topic(str(p.topic)) for p in payloads})
        async with scratch_databases(hub, "service", "raw") as dbs:
            raw = await asyncpg.connect(dsn_for_database(hub.pg_dsn, dbs["raw"]))
            # The raw loops run under the collector's settings a service process gets, so the
            # ratios compare the code, not the settings.
            settle_after_start()
            try:
                total = len(payloads)
                kafka_rate = await _best_of(lambda: _raw_kafka(hub, topics, total, None), runs)
                validated_rate = await _best_of(
                    lambda: _raw_kafka(hub, topics, total, None, _validate), runs
                )
                pg_rate = await _best_of(lambda: _raw_pg(raw, envelopes), runs)
                pipeline_rate = await _best_of(lambda: _raw_kafka(hub, topics, total, raw), runs)
            finally:
                await raw.close()
            runtime = subject.make_runtime(hub, dbs["service"])
            await runtime.start()
            settle_after_start()  # as `run_until_signalled` does in a service's process
            try:
                hub_rate = await _hub_rate(runtime, len(payloads))
                assert runtime.consumer is not None
                stats = runtime.consumer.stats
            finally:
                await runtime.stop()
    finally:
        await delete_topics_with_prefix(hub, hub.topic_prefix)
    return ConsumerResult(
        subject.service,
        len(payloads),
        sorted({type(p).__name__ for p in payloads}),
        hub_rate,
        kafka_rate,
        validated_rate,
        pg_rate,
        pipeline_rate,
        stats.applied,
        stats.skipped,
        stats.dead_lettered,
    )
