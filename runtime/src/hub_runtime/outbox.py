"""The outbox relay: publishes committed events in order, at least once.

Ordering: rows are published in id order within a batch, and an advisory lock makes sure only
one relay per service database publishes at a time, so events with the same key (case id) reach
their partition in commit order. `FOR UPDATE SKIP LOCKED` keeps a second relay from blocking on
rows the first one holds. A crash after publishing but before marking the rows republishes them
on restart; consumers drop the duplicates through their inbox.
"""

import asyncio
import json
import logging
from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker
from opentelemetry.trace import SpanKind

from hub_runtime.kafka import CLOUDEVENTS_JSON
from hub_runtime.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISHED
from hub_runtime.notify import Wakeup
from hub_runtime.producer_renewal import PRODUCER_STATE_LOST, renew_producer
from hub_runtime.telemetry import current_trace_headers, span_from_carrier

log = logging.getLogger(__name__)

# Advisory lock key that elects the publishing relay of a database (held during a batch only).
RELAY_LOCK = 7_201_302

_CLAIM_BATCH = """
SELECT id, event_id, topic, message_key, payload, trace_headers
FROM hub_outbox
WHERE published_at IS NULL
ORDER BY id
LIMIT $1
FOR UPDATE SKIP LOCKED
"""


class OutboxRelay:
    """Publishes outbox rows of one service database to Kafka, through the service's broker."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        broker: KafkaBroker,
        *,
        service: str,
        topic_prefix: str = "",
        poll_seconds: float = 1.0,
        batch_size: int = 500,
    ) -> None:
        self._pool = pool
        self._broker = broker
        self._service = service
        self._topic_prefix = topic_prefix
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._wakeup = Wakeup(pool, "hub_outbox")
        self.published_total = 0

    async def run(self) -> None:
        """Publish until cancelled: at once on NOTIFY, otherwise every `poll_seconds`."""
        try:
            while True:
                try:
                    published = await self.publish_pending()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning(
                        "outbox relay pass failed", extra={"error_type": type(exc).__name__}
                    )
                    published = 0
                    await asyncio.sleep(self._poll_seconds)
                    await self._wakeup.listen()  # the listening connection may be gone too
                except Exception as exc:  # Kafka errors: the rows stay, we try again
                    log.warning("outbox publish failed", extra={"error_type": type(exc).__name__})
                    published = 0
                    if isinstance(exc, PRODUCER_STATE_LOST):
                        await self._renew_producer()
                    await asyncio.sleep(self._poll_seconds)
                if published >= self._batch_size:
                    continue  # more waiting: no sleep
                await self._wakeup.wait(self._poll_seconds)
        finally:
            await self._wakeup.close()

    async def _renew_producer(self) -> None:
        # aiokafka's producer stays broken after such an error (hub_runtime.producer_renewal):
        # without a new one this relay would fail the same batch for ever.
        try:
            await renew_producer(self._broker)
        except Exception as exc:  # Kafka down: the next failed pass tries again
            log.warning("outbox producer renewal failed", extra={"error_type": type(exc).__name__})

    async def publish_pending(self) -> int:
        """One pass: claim a batch, publish it, mark it. Returns how many were published."""
        async with self._pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", RELAY_LOCK):
                return 0  # another relay of this service is publishing
            rows = await conn.fetch(_CLAIM_BATCH, self._batch_size)
            if not rows:
                return 0
            await self._publish(rows)
            await conn.execute(
                "UPDATE hub_outbox SET published_at = now() WHERE id = ANY($1::bigint[])",
                [row["id"] for row in rows],
            )
        self.published_total += len(rows)
        OUTBOX_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def _publish(self, rows: list[asyncpg.Record]) -> None:
        """Send the whole batch, then wait for every acknowledgement (order kept per partition)."""
        deliveries: list[asyncio.Future[Any]] = []
        for row in rows:
            stored_context: dict[str, str] = json.loads(row["trace_headers"])
            topic = f"{self._topic_prefix}{row['topic']}"
            with span_from_carrier(
                self._service,
                f"{topic} publish",
                stored_context,
                SpanKind.PRODUCER,
                **{"messaging.destination.name": topic},
            ):
                headers = {"content-type": CLOUDEVENTS_JSON, **current_trace_headers()}
                deliveries.append(
                    await self._broker.publish(
                        bytes(row["payload"]),
                        topic=topic,
                        key=row["message_key"].encode(),
                        headers=headers,
                        no_confirm=True,  # sent now, acknowledged below, all at once
                    )
                )
        await asyncio.gather(*deliveries)

    async def backlog(self) -> int:
        """Rows committed but not yet published (exposed as a metric)."""
        async with self._pool.acquire() as conn:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM hub_outbox WHERE published_at IS NULL"
            )
        OUTBOX_BACKLOG.labels(self._service).set(count)
        return count
