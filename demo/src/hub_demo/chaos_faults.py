"""The faults of the fault suite, each injected while the referral stream runs.

A fault is an async function of a `FaultContext`; it returns once its fault is over (the
service restarted, the partner back up). `after` hooks run once the hub has settled (the
duplicate delivery's last pass). Poison messages are recorded so the checks know exactly what
the dead-letter topics must hold.
"""

import asyncio
import random
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError
from hub_contracts import ContractError, PartnerStatusReportedV2, ReferralApproved, Topic
from hub_contracts.envelope import Envelope, dataschema_for
from hub_runtime.kafka import make_producer, read_topic
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings
from partner_gateway.simulator.app import Mode

from hub_demo.chaos_stream import PatientPartner, ReferralStream
from hub_demo.processes import HubProcesses
from hub_demo.tcp_proxy import LinkGroup

EVENT_TOPICS: tuple[Topic, ...] = (
    Topic.CASEFILE_EVENTS,
    Topic.REFERRAL_EVENTS,
    Topic.PARTNER_EVENTS,
)
COPY_HEADER = "chaos-copy"
REPO = Path(__file__).resolve().parents[3]


@dataclass
class FaultContext:
    hub: HubSettings
    processes: HubProcesses
    partner: PatientPartner
    stream: ReferralStream
    rng: random.Random
    poison: dict[str, list[bytes]] = field(default_factory=dict)  # topic -> values injected
    notes: list[str] = field(default_factory=list)
    copier: "DuplicateCopier | None" = None
    links: dict[str, LinkGroup] = field(default_factory=dict)  # hub_demo.chaos_network


Fault = Callable[[FaultContext], Awaitable[None]]


@dataclass(frozen=True)
class Scenario:
    """A fault suite's scenario. ``cluster``: on the three-node Kafka cluster (HUB_KAFKA_NODES=3
    infra/stack.sh up) instead of the single broker; ``instances``: processes per service;
    ``links``: ``(service, "kafka" | "postgres")`` paths that go through a TCP proxy
    (`hub_demo.chaos_network`) for the network faults: the first instance's paths only."""

    name: str
    description: str
    faults: tuple[Fault, ...]
    after: tuple[Fault, ...] = ()
    cluster: bool = False
    instances: int = 1
    links: tuple[tuple[str, str], ...] = ()


# --- processes ---------------------------------------------------------------------------------


def kill9(*services: str, times: int = 3) -> Fault:
    """SIGKILL `services` in turn at `times` random moments of the stream, restarting each."""

    async def fault(ctx: FaultContext) -> None:
        moments = sorted(ctx.rng.uniform(0.1, 0.85) for _ in range(times))
        for index, moment in enumerate(moments):
            await ctx.stream.reached(moment)
            name = services[index % len(services)]
            process = ctx.processes.services[name]
            at = ctx.stream.progress
            await process.kill9()
            await asyncio.sleep(ctx.rng.uniform(0.0, 1.0))
            await process.start()
            ctx.notes.append(f"kill -9 {name} at {at:.0%} of the stream")

    return fault


def restart_infra(command: str) -> Fault:
    """`infra/stack.sh restart-kafka|restart-postgres` once, at a random moment mid-stream."""

    async def fault(ctx: FaultContext) -> None:
        moment = ctx.rng.uniform(0.25, 0.6)
        await ctx.stream.reached(moment)
        started = asyncio.get_running_loop().time()
        await run_command(str(REPO / "infra" / "stack.sh"), command)
        took = asyncio.get_running_loop().time() - started
        ctx.notes.append(f"{command} at {moment:.0%} of the stream ({took:.0f} s)")

    return fault


async def run_command(*argv: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {output.decode(errors='replace')[-500:]}")


def reset_consumer_groups(*services: str) -> Fault:
    """Stop each service in turn, commit offset 0 for every partition its group reads, start it:
    the whole history is delivered again."""

    async def fault(ctx: FaultContext) -> None:
        for index, name in enumerate(services):
            await ctx.stream.reached((index + 1) / (len(services) + 1))
            process = ctx.processes.services[name]
            await process.stop()
            await commit_offset_zero(ctx.hub, ctx.hub.topic(name), consumed_topics(ctx.hub, name))
            await process.start()
            ctx.notes.append(f"{name}: group reset to offset 0")

    return fault


def consumed_topics(hub: HubSettings, service: str) -> list[str]:
    import casefile.api
    import partner_gateway.api
    import referral.routes
    import signals.api

    consumes: dict[str, list[Topic]] = {
        "casefile": list(casefile.api.CONSUMES),
        "referral": list(referral.routes.CONSUMES),
        "partner-gateway": list(partner_gateway.api.CONSUMES),
        "signals": list(signals.api.CONSUMES),
    }
    return [hub.topic(t) for t in consumes[service]]


def consumers_of(topic: Topic) -> list[str]:
    """The services whose consumer reads `topic` (each dead-letters a poison record once)."""
    plain = HubSettings(topic_prefix="")
    names = ("casefile", "referral", "partner-gateway", "signals")
    return [name for name in names if topic.value in consumed_topics(plain, name)]


async def commit_offset_zero(
    hub: HubSettings, group: str, topics: list[str], within: float = 60
) -> None:
    """Commit offset 0 for every partition of `topics` in `group`, which must have no member:
    a service that had to be killed stays a member until its session times out, and the broker
    refuses the commit until then, so a refused commit is tried again for up to `within` s."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            await _commit_offset_zero_once(hub, group, topics)
            return
        except CommitFailedError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(1)


async def _commit_offset_zero_once(hub: HubSettings, group: str, topics: list[str]) -> None:
    consumer = AIOKafkaConsumer(
        **kafka_client_options(hub), group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p)
                for topic in topics
                for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
        consumer.assign(partitions)
        await consumer.commit(dict.fromkeys(partitions, 0))
    finally:
        await consumer.stop()


# --- the partner --------------------------------------------------------------------------------


def partner_mode(mode: Mode, seconds: float, slow_seconds: float | None = None) -> Fault:
    """The partner's endpoint DOWN (503), FAILING (500) or SLOW for a while mid-stream."""

    async def fault(ctx: FaultContext) -> None:
        moment = ctx.rng.uniform(0.2, 0.5)
        await ctx.stream.reached(moment)
        if slow_seconds is not None:
            ctx.partner.slow_seconds = slow_seconds
        ctx.partner.mode = mode
        await asyncio.sleep(seconds)
        ctx.partner.mode = Mode.UP
        ctx.notes.append(f"partner {mode.value} for {seconds:.0f} s from {moment:.0%}")

    return fault


# --- poison ------------------------------------------------------------------------------------


def poison(per_topic: int = 4) -> Fault:
    """Raw garbage and wrong-type envelopes on each event topic, at random moments."""

    async def fault(ctx: FaultContext) -> None:
        producer = make_producer(ctx.hub, client_id="chaos-poison")
        await producer.start()
        try:
            moments = sorted(ctx.rng.uniform(0.05, 0.9) for _ in range(per_topic))
            for n, moment in enumerate(moments):
                await ctx.stream.reached(moment)
                for topic in EVENT_TOPICS:
                    value = _garbage(n) if n % 2 == 0 else _wrong_type_envelope()
                    name = ctx.hub.topic(topic)
                    await producer.send_and_wait(name, value=value, key=uuid4().bytes)
                    ctx.poison.setdefault(name, []).append(value)
        finally:
            await producer.stop()
        ctx.notes.append(f"{per_topic} poison records on each of {len(EVENT_TOPICS)} topics")

    return fault


def _garbage(n: int) -> bytes:
    return f"\x00\xffnot an envelope #{n} {uuid4()}".encode()


def _wrong_type_envelope() -> bytes:
    """A well-formed envelope that says ReferralApproved but carries a bottleneck's data."""
    event_id = uuid4()
    envelope = Envelope(
        id=event_id,
        source="urn:council-hub:chaos",
        type=ReferralApproved.event_type,
        time=datetime.now(UTC),
        subject=str(uuid4()),
        dataschema=dataschema_for(ReferralApproved.event_type, 1),
        schemaversion=1,
        correlationid=event_id,
        data={"case_id": str(uuid4()), "category": "travel_documents_refused"},
    )
    return envelope.to_bytes()


# --- duplicate delivery --------------------------------------------------------------------------


class DuplicateCopier:
    """Republishes every record of the event topics once more (same partition, key, value and
    headers plus a marker), so every consumer receives every event twice."""

    def __init__(self, hub: HubSettings) -> None:
        self.hub = hub
        self.copied = 0
        self._consumer = AIOKafkaConsumer(**kafka_client_options(hub), enable_auto_commit=False)
        self._producer = make_producer(hub, client_id="chaos-duplicates")

    async def start(self) -> None:
        await self._consumer.start()
        await self._producer.start()
        await self._consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(self.hub.topic(t), p)
            for t in EVENT_TOPICS
            for p in sorted(self._consumer.partitions_for_topic(self.hub.topic(t)) or ())
        ]
        self._consumer.assign(partitions)
        await self._consumer.seek_to_beginning(*partitions)

    async def copy_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._copy_batch(timeout_ms=300)

    async def catch_up(self) -> None:
        """Copy everything up to the current end of every partition."""
        partitions = list(self._consumer.assignment())
        end = await self._consumer.end_offsets(partitions)
        while True:
            positions = {tp: await self._consumer.position(tp) for tp in partitions}
            if all(positions[tp] >= end[tp] for tp in partitions):
                return
            await self._copy_batch(timeout_ms=500)

    async def _copy_batch(self, timeout_ms: int) -> None:
        batches = await self._consumer.getmany(timeout_ms=timeout_ms)
        for partition, records in batches.items():
            for record in records:
                headers = list(record.headers or ())
                if any(key == COPY_HEADER for key, _ in headers):
                    continue
                await self._producer.send(
                    partition.topic,
                    value=record.value,
                    key=record.key,
                    partition=partition.partition,
                    headers=[*headers, (COPY_HEADER, b"1")],
                )
                self.copied += 1
        await self._producer.flush()

    async def stop(self) -> None:
        await self._consumer.stop()
        await self._producer.stop()


async def duplicate_everything(ctx: FaultContext) -> None:
    copier = DuplicateCopier(ctx.hub)
    await copier.start()
    ctx.copier = copier
    await copier.copy_until(ctx.stream.finished)


async def last_duplicates(ctx: FaultContext) -> None:
    """After the hub settled: copy what came since, so truly every event went twice."""
    if ctx.copier is None:
        return
    await ctx.copier.catch_up()
    await ctx.copier.stop()
    ctx.notes.append(f"{ctx.copier.copied} records delivered a second time")


async def resend_reports_under_new_ids(ctx: FaultContext) -> None:
    """Negative control: every PartnerStatusReportedV2 sent again under a NEW envelope id, as a
    producer without an outbox (or a partner API without idempotency keys) would. The inbox
    cannot recognise these, so the checks must report effects applied twice."""
    producer = make_producer(ctx.hub, client_id="chaos-control")
    await producer.start()
    resent = 0
    try:
        topic = ctx.hub.topic(Topic.PARTNER_EVENTS)
        for record in await read_topic(ctx.hub, topic):
            try:
                envelope = Envelope.from_bytes(record.value or b"")
            except ContractError:
                continue
            if envelope.type != PartnerStatusReportedV2.event_type:
                continue
            again = envelope.model_copy(update={"id": uuid4()})
            await producer.send_and_wait(topic, value=again.to_bytes(), key=record.key)
            resent += 1
    finally:
        await producer.stop()
    ctx.notes.append(f"control: {resent} status reports re-sent under new ids")
