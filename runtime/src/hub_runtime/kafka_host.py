"""The hub's consumers and publishers, hosted on FastStream (``faststream[kafka]``, aiokafka).

What FastStream does here: it owns the Kafka clients of a service (one `KafkaBroker`: the
producer, and one aiokafka consumer per subscriber), runs each consumer group as a
``@broker.subscriber(..., batch=True)`` in the service's event loop, starts and stops them with
the broker, and publishes the outbox and the dead letters (``broker.publish``).

What it deliberately does not do: acknowledge. The broker and every subscriber use
``AckPolicy.MANUAL``; FastStream's own ``ack()`` commits every offset the consumer has read and
``nack()`` seeks back with no backoff, neither of which keeps the hub's guarantee. Instead the
batch handler below applies the records with `hub_runtime.consumer.RecordApplier` (inbox row,
effect and outbox rows in one transaction for the poll, `hub_runtime.polls`; bounded retries
with backoff, then dead letters) and only then commits, per partition, exactly the offset after
the last record it applied (spaced, at most one commit a second: `hub_runtime.offset_commits`).
If the handler fails anyway (a bug, a shutdown in the middle), it seeks each partition back to
the first record of the batch, so nothing is skipped: FastStream logs and swallows a handler's
exception and would otherwise read on. Ordering per case holds because a case's records share a
key, hence a partition, and one partition's records are applied in order.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from faststream.kafka import KafkaBroker
from faststream.kafka.message import FAKE_CONSUMER as _NO_CONSUMER
from faststream.kafka.message import KafkaMessage as KafkaMessageClass
from faststream.kafka.subscriber.usecase import BatchSubscriber
from faststream.middlewares import AckPolicy

from hub_runtime.consumer import RecordApplier
from hub_runtime.kafka_security import broker_security
from hub_runtime.metrics import CONSUMER_LAG
from hub_runtime.offset_commits import COMMIT_INTERVAL_SECONDS, FlushOnRevoke, OffsetCommits
from hub_runtime.polls import apply_poll
from hub_runtime.settings import HubSettings

log = logging.getLogger(__name__)
_framework_log = logging.getLogger(f"{__name__}.faststream")
# FastStream's own lines: per-batch "Received/Processed" (the hub counts what it applies in its
# metrics) and a warning per subscriber that it does not create topics (the runtime does, with
# their partition count). Its errors still show.
_framework_log.setLevel(logging.ERROR)

MAX_RECORDS = 500
POLL_TIMEOUT_MS = 50
"""FastStream's batch subscriber waits this long for records, and sleeps as long again after an
empty poll: the most a record arriving to an idle consumer waits beyond Kafka's own fetch."""


def bootstrap_servers(settings: HubSettings) -> list[str]:
    """``HUB_KAFKA_BOOTSTRAP`` ("host:port[,host:port...]") as a list of ``host:port``."""
    return [address.strip() for address in settings.kafka_bootstrap.split(",") if address.strip()]


def new_broker(settings: HubSettings, *, client_id: str) -> KafkaBroker:
    """A service's broker, logged in as ``settings``' Kafka principal: idempotent producer with
    ``acks=all`` (a retried send never duplicates or reorders within a partition), manual
    acknowledgement everywhere."""
    return KafkaBroker(
        # A list: FastStream hands a string to aiokafka as ONE host, so "a:1,b:2,c:3" (the
        # cluster's bootstrap list) would not connect.
        bootstrap_servers(settings),
        security=broker_security(settings),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        request_timeout_ms=15_000,
        ack_policy=AckPolicy.MANUAL,
        allow_auto_create_topics=False,  # the runtime creates them, with their partition count
        logger=_framework_log,
    )


async def _undecoded(message: Any) -> Any:
    """The message itself as the handler's body: the records are decoded by the applier
    (envelope and registered payload), not here (FastStream's own batch decoder would parse
    every record's headers again, as UTF-8). Handing the message over as the body, rather than
    as a `Context` parameter, matters for speed: FastStream resolves a context parameter with a
    plain function, which fast_depends runs in a worker thread, once per poll (issue 16)."""
    return message


def _parser_for(
    consumer: Callable[[], Any],
) -> Callable[[Any], Awaitable[KafkaMessageClass]]:
    """FastStream's batch parser decodes every header as UTF-8 and fails the whole poll on one
    record with a binary header (its handler never runs, and the next commit would skip that
    poll). This one decodes nothing: the records go to the applier as they came, where a bad
    record is dead-lettered with its cause."""

    async def parse(
        polled: Sequence[ConsumerRecord[bytes, bytes]],
    ) -> KafkaMessageClass:
        records = tuple(polled)  # a tuple from the consumer, a list from TestKafkaBroker
        first, last = records[0], records[-1]
        return KafkaMessageClass(
            raw_message=records,
            body=b"",
            message_id=f"{first.topic}-{first.partition}-{first.offset}-{last.offset}",
            consumer=consumer(),
        )

    return parse


class HostedConsumer:
    """One consumer group of a service: a FastStream batch subscriber that applies each batch
    with a `RecordApplier` and then commits exact offsets (see the module docstring).

    ``group_id`` and ``topics`` are full Kafka names (prefix included). Register before
    ``broker.start()``; the broker starts and stops it."""

    def __init__(
        self,
        broker: KafkaBroker,
        *,
        group_id: str,
        topics: Sequence[str],
        applier: RecordApplier,
        commit_interval_seconds: float = COMMIT_INTERVAL_SECONDS,
    ) -> None:
        self.applier = applier
        self.group_id = group_id
        self.commits = OffsetCommits(commit_interval_seconds)
        self._lag_reported: set[TopicPartition] = set()
        self.subscriber: BatchSubscriber = broker.subscriber(
            *topics,
            group_id=group_id,
            batch=True,
            max_records=MAX_RECORDS,
            batch_timeout_ms=POLL_TIMEOUT_MS,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            decoder=_undecoded,
            parser=_parser_for(lambda: self.subscriber.consumer or _NO_CONSUMER),
            listener=FlushOnRevoke(self.commits),
        )
        self.subscriber(self.on_batch)

    async def on_batch(self, body: Any) -> None:
        """Apply one poll's records (`body`: the poll's message, see `_undecoded`) in one
        transaction where they succeed (`hub_runtime.polls`), then note their offsets for the
        next commit (`OffsetCommits`)."""
        message: KafkaMessageClass = body
        raw = message.raw_message
        records: tuple[ConsumerRecord[bytes, bytes], ...] = (
            raw if isinstance(raw, tuple) else (raw,)
        )
        batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] = {}
        for record in records:
            batches.setdefault(TopicPartition(record.topic, record.partition), []).append(record)
        try:
            await apply_poll(self.applier, list(batches.values()))
        except BaseException:
            for partition, partition_records in batches.items():
                message.consumer.seek(partition, partition_records[0].offset)
            raise
        await self.commits.applied(
            message.consumer,
            {partition: rs[-1].offset + 1 for partition, rs in batches.items()},
        )

    async def stop(self, grace_seconds: float) -> None:
        """Stop consuming and leave the group, waiting at most ``grace_seconds``; then close
        the consumer hard. A stop can otherwise wait as long as a rebalance that another member
        holds up (its JoinGroup waits for every member), and a stop that was given up on would
        leave the consumer's background tasks running. Offsets are noted by `on_batch` only
        after its transaction, and what was noted is committed before the leave, so a hard
        close loses nothing: the next owner reads on from the
        last commit and the inbox drops what was applied."""
        consumer = self.kafka_consumer
        try:
            await asyncio.wait_for(self._leave(), grace_seconds)
            return
        except TimeoutError:
            log.warning(
                "consumer did not leave its group in time; closing it",
                extra={"group": self.group_id},
            )
        except Exception as exc:  # e.g. the broker went away during the leave
            log.warning(
                "consumer did not stop cleanly; closing it",
                extra={"group": self.group_id, "error_type": type(exc).__name__},
            )
        if consumer is None:
            return
        try:
            await _close_hard(consumer)
        except Exception as exc:  # a stop must go on to the producer and the pool
            log.warning(
                "consumer could not be closed hard",
                extra={"group": self.group_id, "error_type": type(exc).__name__},
            )

    async def _leave(self) -> None:
        # What was applied is committed before the group is left; a batch that finishes during
        # the leave commits at once (`OffsetCommits.close`).
        await self.commits.close()
        await self.subscriber.stop()

    @property
    def kafka_consumer(self) -> AIOKafkaConsumer | None:
        """The aiokafka consumer while the broker runs (for lag and dead-letter gauges)."""
        consumer: AIOKafkaConsumer | None = self.subscriber.consumer
        return consumer

    async def record_lag(self, service: str) -> None:
        """Update the lag gauge of every assigned partition, and drop the gauges of partitions no
        longer assigned (called periodically)."""
        consumer = self.kafka_consumer
        assigned = set() if consumer is None else consumer.assignment()
        # A partition a rebalance moved to another instance is that instance's to report: its
        # last value here would stay frozen and could raise a lag alert for ever.
        for partition in self._lag_reported - assigned:
            with contextlib.suppress(KeyError):  # already gone (another consumer in-process)
                CONSUMER_LAG.remove(service, partition.topic, str(partition.partition))
        self._lag_reported = set()
        if consumer is None:
            return
        for partition in assigned:
            end = consumer.highwater(partition)
            if end is None:
                continue
            position = await consumer.position(partition)
            CONSUMER_LAG.labels(service, partition.topic, str(partition.partition)).set(
                max(0, end - position)
            )
            self._lag_reported.add(partition)


async def stop_clients(
    broker: KafkaBroker, hosted: Sequence[HostedConsumer], grace_seconds: float
) -> None:
    """Stop a service's Kafka clients: each consumer group leaves (`HostedConsumer.stop`), then
    the producer flushes; every step waits at most ``grace_seconds``, so a rebalance or an
    unreachable broker never keeps a stopping service waiting. Nothing is lost by giving up:
    what is unsent stays in the outbox, what is unapplied is read again by the group."""
    await asyncio.gather(*(consumer.stop(grace_seconds) for consumer in hosted))
    try:
        # The consumers are stopped already: what is left is the producer's flush.
        await asyncio.wait_for(broker.stop(), grace_seconds)
    except TimeoutError:
        log.warning("kafka producer did not flush in time")
    except Exception as exc:
        log.warning("kafka clients did not stop cleanly", extra={"error_type": type(exc).__name__})


async def _close_hard(consumer: AIOKafkaConsumer) -> None:
    """End every background task of ``consumer`` and cut its connections, without the group
    protocol. aiokafka has no public way to do this: ``stop()`` marks the consumer closed
    before it waits for the group coordinator, so once that wait is cancelled a second
    ``stop()`` returns at once and the coordinator's, fetcher's and client's tasks would keep
    running (aiokafka 0.14's attributes, pinned in uv.lock; `test_stop_during_rebalance`
    fails if they change)."""
    coordinator = consumer._coordinator
    if coordinator is not None:
        for task in (
            coordinator._coordination_task,
            coordinator._heartbeat_task,
            coordinator._commit_refresh_task,
        ):
            if task is not None:
                task.cancel()
    await consumer._fetcher.close()
    client = consumer._client
    for connection in client._conns.values():
        # Cut, not closed: a TLS close waits for the broker's close_notify, and the broker
        # reads nothing more from a connection until it has answered the request in flight
        # there (the JoinGroup the rebalance holds).
        if connection._writer is not None:
            connection._writer.transport.abort()
    await client.close()
