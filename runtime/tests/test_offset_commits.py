"""Unit: `hub_runtime.offset_commits.OffsetCommits` spaces a consumer's offset commits and never
commits an offset it was not given (issue 16). The consumer is a stand-in that records commits;
the real broker's side is `test_offset_commits_kafka.py`."""

import asyncio
import logging

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError
from hub_runtime.offset_commits import FlushOnRevoke, OffsetCommits

P0 = TopicPartition("t", 0)
P1 = TopicPartition("t", 1)
INTERVAL = 0.05


class RecordingConsumer(AIOKafkaConsumer):  # type: ignore[misc]  # aiokafka is untyped
    """An aiokafka consumer in type only: it records the offsets it is asked to commit."""

    def __init__(self) -> None:  # no client: nothing here talks to a broker
        self.committed: list[dict[TopicPartition, int]] = []
        self.failing = False
        self.assigned = {P0, P1}

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    async def commit(self, offsets: dict[TopicPartition, int] | None = None) -> None:
        if self.failing:
            raise CommitFailedError("the group rebalanced")
        assert offsets is not None
        self.committed.append(dict(offsets))


async def test_batches_within_the_interval_share_one_commit_of_the_latest_offsets() -> None:
    consumer, commits = RecordingConsumer(), OffsetCommits(INTERVAL)
    await commits.applied(consumer, {P0: 3})
    await commits.applied(consumer, {P0: 7, P1: 2})
    assert consumer.committed == []  # not yet: spaced
    await asyncio.sleep(INTERVAL * 4)
    assert consumer.committed == [{P0: 7, P1: 2}]
    assert commits.pending == {}


async def test_a_later_batch_gets_a_commit_of_its_own() -> None:
    consumer, commits = RecordingConsumer(), OffsetCommits(INTERVAL)
    await commits.applied(consumer, {P0: 3})
    await asyncio.sleep(INTERVAL * 4)
    await commits.applied(consumer, {P0: 5})
    await asyncio.sleep(INTERVAL * 4)
    assert consumer.committed == [{P0: 3}, {P0: 5}]


async def test_close_commits_at_once_and_so_does_every_batch_after_it() -> None:
    consumer, commits = RecordingConsumer(), OffsetCommits(interval_seconds=3600)
    await commits.applied(consumer, {P0: 4})
    await commits.close()
    assert consumer.committed == [{P0: 4}]
    await commits.applied(consumer, {P0: 6})  # a batch that was in flight during the stop
    assert consumer.committed == [{P0: 4}, {P0: 6}]


async def test_a_revoked_partition_is_committed_at_once_and_the_others_wait() -> None:
    consumer, commits = RecordingConsumer(), OffsetCommits(interval_seconds=3600)
    await commits.applied(consumer, {P0: 4, P1: 9})
    await FlushOnRevoke(commits).on_partitions_revoked({P1})
    assert consumer.committed == [{P1: 9}]
    assert commits.pending == {P0: 4}
    await commits.close()


async def test_a_failed_commit_is_a_warning_and_the_next_one_goes_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    consumer, commits = RecordingConsumer(), OffsetCommits(INTERVAL)
    consumer.failing = True
    await commits.applied(consumer, {P0: 2})
    with caplog.at_level(logging.WARNING, logger="hub_runtime.offset_commits"):
        await asyncio.sleep(INTERVAL * 4)
    assert [r.getMessage() for r in caplog.records] == ["offset commit failed"]
    consumer.failing = False
    await commits.applied(consumer, {P0: 3})
    await commits.close()
    assert consumer.committed == [{P0: 3}]


async def test_a_partition_no_longer_assigned_is_left_to_its_new_owner() -> None:
    """aiokafka refuses a whole commit that names a partition this member no longer holds: the
    partitions it still holds are committed, the other is dropped."""
    consumer, commits = RecordingConsumer(), OffsetCommits(interval_seconds=3600)
    await commits.applied(consumer, {P0: 4, P1: 9})
    consumer.assigned = {P0}  # a rebalance moved P1 before its commit
    await commits.close()
    assert consumer.committed == [{P0: 4}]
    assert commits.pending == {}


async def test_an_offset_never_goes_back() -> None:
    """A partition given back to this consumer may be noted lower than before: the higher
    offset's records were applied, so it stays."""
    consumer, commits = RecordingConsumer(), OffsetCommits(interval_seconds=3600)
    await commits.applied(consumer, {P0: 8})
    await commits.applied(consumer, {P0: 5})
    await commits.close()
    assert consumer.committed == [{P0: 8}]


async def test_a_consumer_that_is_not_aiokafka_s_has_nothing_to_commit() -> None:
    """FastStream's in-memory test broker hands its own consumer object."""
    commits = OffsetCommits(INTERVAL)
    await commits.applied(object(), {P0: 1})
    assert commits.pending == {}
    await commits.close()
