"""A hosted consumer's offset commits: at most one per interval, never ahead of the effects.

Why not one per poll (issue 16): every commit is an ``OffsetCommit`` request, which the group
coordinator writes to ``__consumer_offsets``. Committed after every poll, that was 4.5 requests
per referral, as many as the fetches, on a broker that spent as much CPU per referral as the
four services. Kafka's own consumer commits every ``auto.commit.interval.ms`` (5 s by default)
for the same reason; the hub keeps its manual commits and only spaces them.

Why it keeps the guarantee: an offset is noted here only after its records' transaction
committed (`hub_runtime.consumer.RecordApplier`: inbox row, effect and outbox rows together), so
a commit is never ahead of an effect. Spacing them only widens what a group re-reads after a
crash or a lost partition, by at most ``interval_seconds`` of records, and the inbox drops
those (the effect stays exactly once). Partitions a rebalance takes away are committed first
(`FlushOnRevoke`); a stopping consumer commits what it applied (`close`), and every batch that
finishes after that is committed at once.
"""

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

log = logging.getLogger(__name__)

COMMIT_INTERVAL_SECONDS = 1.0
"""The longest an applied offset waits to be committed (seconds)."""


class OffsetCommits:
    """The offsets one consumer group has applied and not yet committed.

    ``applied`` notes a batch's offsets and schedules a commit ``interval_seconds`` later (one
    commit for every batch noted meanwhile); ``flush`` commits now; ``close`` commits and makes
    every later ``applied`` commit at once. A failed commit is logged as a warning and dropped:
    the partition's next owner re-reads from the last commit, and the inbox drops what was
    applied already."""

    def __init__(self, interval_seconds: float = COMMIT_INTERVAL_SECONDS) -> None:
        self._interval_seconds = interval_seconds
        self._pending: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._timer: asyncio.Task[None] | None = None
        self._closing = False
        self._lock = asyncio.Lock()  # one commit at a time, in the order offsets were noted

    @property
    def pending(self) -> dict[TopicPartition, int]:
        """Applied but not yet committed: the next offset to read, per partition."""
        return dict(self._pending)

    async def applied(self, consumer: object, offsets: dict[TopicPartition, int]) -> None:
        """Note ``offsets`` (the next offset to read, per partition) of records whose effects
        have committed. ``consumer`` is the aiokafka consumer that read them; anything else
        (FastStream's in-memory test consumer) has nothing to commit."""
        if not isinstance(consumer, AIOKafkaConsumer):
            return
        self._consumer = consumer
        for partition, offset in offsets.items():
            self._pending[partition] = max(offset, self._pending.get(partition, offset))
        if self._closing:
            await self.flush()
        elif self._timer is None:
            self._timer = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        try:
            await asyncio.sleep(self._interval_seconds)
        finally:
            self._timer = None
        await self.flush()

    async def flush(self, partitions: Iterable[TopicPartition] | None = None) -> None:
        """Commit what is pending now (only ``partitions``' offsets, when given)."""
        async with self._lock:
            consumer = self._consumer
            wanted = self._pending.keys() if partitions is None else set(partitions)
            offsets = {p: self._pending.pop(p) for p in list(wanted) if p in self._pending}
            if consumer is None:
                return
            # A partition no longer assigned is another member's now (its new owner re-reads
            # from the last commit); aiokafka would refuse the whole commit for it.
            assigned = consumer.assignment()
            offsets = {p: offset for p, offset in offsets.items() if p in assigned}
            if not offsets:
                return
            try:
                await consumer.commit(offsets)
            except Exception as exc:  # a rebalance took the partition, or the broker is gone
                log.warning("offset commit failed", extra={"error_type": type(exc).__name__})

    async def close(self) -> None:
        """Commit what is pending; from now on every ``applied`` commits at once."""
        self._closing = True
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        await self.flush()


class FlushOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    """Commits the applied offsets of partitions a rebalance is taking away, before they go
    (aiokafka calls this before the group rejoins, while the commit is still accepted)."""

    def __init__(self, commits: OffsetCommits) -> None:
        self._commits = commits

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._commits.flush(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Nothing to do: a new partition starts from its committed offset."""
