"""Faults at scale: the three-node Kafka cluster and two instances of every service.

`kill_partition_leader` SIGKILLs the Kafka node that leads a partition of a busy topic and starts
it again (`infra/stack.sh kill-kafka-node N` / `start-kafka-node N`); `kill9_one_instance`
SIGKILLs one of the two instances of each service and restarts it after the survivor has taken
over its partitions. `cluster_settings` points a scenario's clients at the cluster.
"""

import asyncio
import contextlib
import time

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from hub_contracts import Topic
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings
from hub_runtime.testing import stack_env

from hub_demo.chaos_faults import REPO, Fault, FaultContext, run_command
from hub_demo.processes import ServiceProcess

STACK = str(REPO / "infra" / "stack.sh")


class ClusterNotRunningError(RuntimeError):
    """A cluster scenario needs the three-node cluster, which is not in .hub/stack.env."""


def cluster_settings(base: HubSettings) -> HubSettings:
    """``base`` with the cluster's bootstrap list and replication factor (from stack.env).

    Raises `ClusterNotRunningError` when the cluster is not running."""
    env = stack_env()
    bootstrap = env.get("HUB_KAFKA_CLUSTER_BOOTSTRAP", "")
    if not bootstrap:
        raise ClusterNotRunningError(
            "the three-node Kafka cluster is not running: HUB_KAFKA_NODES=3 infra/stack.sh up"
        )
    replicas = int(env.get("HUB_KAFKA_CLUSTER_REPLICATION_FACTOR", "3"))
    return base.model_copy(
        update={"kafka_bootstrap": bootstrap, "kafka_replication_factor": replicas}
    )


async def _describe(hub: HubSettings, topics: list[str] | None = None) -> list[dict[str, object]]:
    admin = AIOKafkaAdminClient(**kafka_client_options(hub), client_id="chaos-cluster")
    await admin.start()
    try:
        if topics is None:
            topics = [t for t in await admin.list_topics() if t.startswith(hub.topic_prefix)]
        described: list[dict[str, object]] = await admin.describe_topics(topics)
        return described
    finally:
        await admin.close()


async def partition_leader(hub: HubSettings, topic: str, partition: int) -> int:
    """The node id leading ``topic``'s ``partition`` (-1 while it has no leader)."""
    for entry in await _describe(hub, [topic]):
        for item in entry["partitions"]:  # type: ignore[attr-defined]  # aiokafka's untyped dicts
            if item["partition"] == partition:
                return int(item["leader"])
    raise LookupError(f"{topic} has no partition {partition}")


async def wait_fully_replicated(hub: HubSettings, within: float) -> float | None:
    """Seconds until every partition of the scenario's topics has all its replicas in sync
    again (None if not within ``within`` seconds)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            entries = await _describe(hub)
        except (KafkaError, OSError):  # a node still joining: ask again
            entries = []
        partitions = [p for e in entries for p in e["partitions"]]  # type: ignore[attr-defined]
        if partitions and all(len(p["isr"]) == len(p["replicas"]) for p in partitions):
            return time.monotonic() - started
        await asyncio.sleep(1)
    return None


def kill_partition_leader(topic: Topic = Topic.CASEFILE_EVENTS, down_seconds: float = 10) -> Fault:
    """SIGKILL the Kafka node leading a random partition of ``topic`` at a random moment of the
    stream; wait until another node leads it (the controller fences the dead node after the
    broker session timeout, 9 s by default); start the node again ``down_seconds`` after that;
    note when all replicas are in sync again. Raises when no other node takes the lead."""

    async def fault(ctx: FaultContext) -> None:
        await ctx.stream.reached(ctx.rng.uniform(0.25, 0.5))
        name = ctx.hub.topic(topic)
        partition = ctx.rng.randrange(ctx.hub.topic_partitions)
        node = await partition_leader(ctx.hub, name, partition)
        at = ctx.stream.progress
        killed = time.monotonic()
        await run_command(STACK, "kill-kafka-node", str(node))
        successor = await _new_leader(ctx.hub, name, partition, node, within=60)
        failover = time.monotonic() - killed
        await asyncio.sleep(down_seconds)
        await run_command(STACK, "start-kafka-node", str(node))
        in_sync = await wait_fully_replicated(ctx.hub, within=180)
        ctx.notes.append(
            f"kill -9 of Kafka node {node} (leader of {topic.value}[{partition}]) at"
            f" {at:.0%} of the stream; node {successor} led it {failover:.0f} s later; node"
            f" {node} back {down_seconds:.0f} s after that, all replicas in sync "
            + (f"{in_sync:.0f} s later" if in_sync is not None else "NOT within 180 s")
        )
        if in_sync is None:
            raise RuntimeError(f"Kafka node {node} did not catch up within 180 s")

    return fault


async def _new_leader(hub: HubSettings, topic: str, partition: int, old: int, within: float) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(KafkaError, OSError):
            leader = await partition_leader(hub, topic, partition)
            if leader not in (old, -1):
                return leader
        await asyncio.sleep(0.5)
    raise RuntimeError(f"no node took the lead of {topic}[{partition}] within {within:.0f} s")


def kill9_one_instance(*services: str, down_seconds: float = 12) -> Fault:
    """SIGKILL one of the instances of each of ``services``, in turn at random moments of the
    stream, and restart each after ``down_seconds`` (longer than the consumers' 10 s session
    timeout, so the surviving instance takes over the killed one's partitions first)."""

    async def fault(ctx: FaultContext) -> None:
        moments = sorted(ctx.rng.uniform(0.1, 0.6) for _ in services)
        restarts = []
        for name, moment in zip(services, moments, strict=True):
            await ctx.stream.reached(moment)
            instances = ctx.processes.instances[name]
            index = ctx.rng.randrange(len(instances))
            at = ctx.stream.progress
            await instances[index].kill9()
            restarts.append(asyncio.ensure_future(_restart_later(instances[index], down_seconds)))
            ctx.notes.append(f"kill -9 {name} #{index + 1} of {len(instances)} at {at:.0%}")
        await asyncio.gather(*restarts)
        ctx.notes.append(f"each restarted {down_seconds:.0f} s after its kill")

    return fault


async def _restart_later(process: ServiceProcess, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await process.start()
