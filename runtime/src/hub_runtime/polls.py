"""A consumer's poll applied in one transaction across its partitions (issue 16, item 3).

A poll of a consumer group holds the records of every partition it reached: each hub topic has
three partitions and a group reads several topics, so one poll under load spans up to a dozen
partitions. Applied partition by partition (`RecordApplier.process_batch`, concurrently), each
partition's records cost a transaction, an inbox statement, a batch-handler call and a commit
of their own. `apply_poll` first applies the poll's records in ONE transaction, all partitions
merged; only what that transaction did not apply goes through the per-partition path, which is
unchanged (its own optimistic transaction, then savepoints, retries and dead letters).

Why the merge keeps every guarantee:
- order within a partition: the partitions' records are put one partition after the other,
  each in its own order; records of different partitions never had an order (the per-partition
  path applies them concurrently). The partitions go in the order of their first record's
  timestamp, and each stays whole, so a batch route's runs of one kind (a topic's records) stay
  as long as on the per-partition path: merged by timestamp, the types of a poll interleaved
  and casefile's and referral's consumers ran at about 0.85 and 0.7 of before (`bench/run.py
  --consumers`, alternating runs, 2026-12-02);
- what one transaction applies is a prefix of the merged list (`RecordApplier.apply_at_once`:
  the records before the first that does not decode, all or nothing), hence a prefix of each
  partition: what is left of each partition is its tail, applied in order after it;
- a failure inside the merged transaction (a refused event, a lost deadlock, a record waiting
  for another service) rolls it back whole: the per-partition path then does exactly what it
  did before this module, at the cost of one transaction that committed nothing.
"""

import asyncio
from collections import Counter
from collections.abc import Sequence

from hub_runtime.consumer import RecordApplier
from hub_runtime.decoding import Record


def _first_timestamp(records: list[Record]) -> int:
    return int(records[0].timestamp)


async def apply_poll(applier: RecordApplier, partitions: Sequence[list[Record]]) -> None:
    """Apply one poll: ``partitions`` holds each partition's records in offset order.

    Returns once every record is applied, a duplicate, skipped or dead-lettered; raises what the
    per-partition path raises (the host then seeks every partition back to the poll's start)."""
    pending = [records for records in partitions if records]
    if len(pending) > 1 and applier.batch_transactions:
        merged = [r for records in sorted(pending, key=_first_timestamp) for r in records]
        done = await applier.apply_at_once(merged)
        taken = Counter((record.topic, record.partition) for record in merged[:done])
        tails = (records[taken[(records[0].topic, records[0].partition)] :] for records in pending)
        pending = [tail for tail in tails if tail]
    if len(pending) == 1:
        await applier.process_batch(pending[0])
        return
    # A task group: if one partition's work fails, the others are cancelled and waited for, so
    # no partition is still being applied when its records are read again.
    async with asyncio.TaskGroup() as group:
        for records in pending:
            group.create_task(applier.process_batch(records))
