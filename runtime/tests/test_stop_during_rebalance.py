"""Stopping a service while its consumer group rebalances is bounded, and leaves nothing of it
running (found by CI at eea7bb9: a teardown waited 300 s in the broker's stop during a
rebalance, and the instance's Kafka clients kept running through later tests).

On the real Kafka: another member of the service's group holds the group's rebalance up (its
``on_partitions_revoked`` waits, with a rebalance timeout of two minutes), the service joins
and so waits in the rebalance, and is stopped there. Its stop returns while the other member
still holds the rebalance, and no task of the service's Kafka clients is left running."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from hub_contracts import Topic
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until

from ._echo import echo_definition

# aiokafka logs ERRORs for the JoinGroup requests the held rebalance times out: on purpose.
pytestmark = [pytest.mark.integration, pytest.mark.expected_server_errors]

HELD_FOR_SECONDS = 120
"""How long the other member can hold the rebalance (its rebalance timeout, and its wait)."""
STOP_GRACE_SECONDS = 2.0
STOP_RETURNS_WITHIN = 20.0
"""Far below ``HELD_FOR_SECONDS`` and the 44 s such a stop took before the bound, and far above
the grace: what is checked is that the stop does not wait for the rebalance (and for the
JoinGroup's request timeout, 15 s, after it), not how fast it is."""


class _HoldsTheRebalance(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka is untyped
    """Keeps its partitions until released: the group's rebalance cannot complete before."""

    def __init__(self) -> None:
        self.assigned = asyncio.Event()
        self.revoking = asyncio.Event()
        self.release = asyncio.Event()

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        if revoked:
            self.revoking.set()
            await asyncio.wait_for(self.release.wait(), HELD_FOR_SECONDS)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        if assigned:
            self.assigned.set()


async def _join(hub: HubSettings, listener: _HoldsTheRebalance | None) -> AIOKafkaConsumer:
    """A member of the ``echo`` service's group (subscribed after its start, so that its start
    does not wait for an assignment), polling in the background."""
    consumer = AIOKafkaConsumer(
        group_id=hub.topic("echo"),
        enable_auto_commit=False,
        session_timeout_ms=30_000,
        rebalance_timeout_ms=HELD_FOR_SECONDS * 1000,
        **kafka_client_options(hub),
    )
    await consumer.start()
    if listener is None:
        consumer.subscribe([hub.topic(Topic.CASEFILE_EVENTS)])
    else:
        consumer.subscribe([hub.topic(Topic.CASEFILE_EVENTS)], listener=listener)
    return consumer


@pytest.fixture
async def members(isolated_hub: HubSettings) -> AsyncIterator[list[AIOKafkaConsumer]]:
    """The other members the test adds to the group; stopped after it."""
    started: list[AIOKafkaConsumer] = []
    polling: list[asyncio.Task[None]] = []
    yield started
    for consumer in started:
        polling.append(asyncio.create_task(_poll(consumer)))
    for consumer in started:
        await consumer.stop()
    for task in polling:
        task.cancel()


async def _poll(consumer: AIOKafkaConsumer) -> None:
    while True:
        await consumer.getmany(timeout_ms=200)


async def test_a_stop_in_the_middle_of_a_rebalance_is_bounded_and_complete(
    isolated_hub: HubSettings,
    fresh_database: str,
    tmp_path: Path,
    members: list[AIOKafkaConsumer],
) -> None:
    definition = echo_definition(fresh_database, tmp_path)
    settings = isolated_hub.model_copy(update={"kafka_stop_grace_seconds": STOP_GRACE_SECONDS})
    before = asyncio.all_tasks()
    runtime = ServiceRuntime(definition, settings)
    await runtime.start()  # alone in its group: it has every partition
    service_tasks = asyncio.all_tasks() - before
    holder = _HoldsTheRebalance()
    members.append(await _join(isolated_hub, holder))
    await asyncio.wait_for(holder.assigned.wait(), STOP_RETURNS_WITHIN)
    # A third member joins: the holder must give its partitions back, and holds on to them.
    members.append(await _join(isolated_hub, None))
    await asyncio.wait_for(holder.revoking.wait(), STOP_RETURNS_WITHIN)
    await asyncio.sleep(1.0)  # the service's heartbeat learns of the rebalance and rejoins
    await asyncio.wait_for(runtime.stop(), STOP_RETURNS_WITHIN)

    assert not holder.release.is_set()  # the stop did not wait for the rebalance to end
    holder.release.set()

    # Every task the service started (its consumer's coordination and fetch, its Kafka
    # clients' metadata sync, its relay and gauges) has ended, or ends at once.
    async def nothing_of_the_service_runs() -> bool:
        return all(t.done() for t in service_tasks)

    await wait_until(nothing_of_the_service_runs, within=5.0)
