"""The short cluster scenario, in `make test`: the broker leading a partition of a busy topic
killed (SIGKILL) under load and restarted, on the three-node Kafka cluster with two instances
of every service; the same checks as `make chaos CLUSTER=1`, on fewer referrals.

The cluster is started for this module (`infra/stack.sh cluster-up`, about a minute) and
stopped afterwards unless it was already running, so the rest of the suite keeps its two cores.
"""

import subprocess
from collections.abc import Iterator

import pytest
from hub_demo.chaos import Options, run_scenario
from hub_demo.chaos_catalogue import SCENARIOS
from hub_demo.chaos_cluster import STACK
from hub_runtime.testing import stack_env

pytestmark = pytest.mark.integration

REFERRALS = 30


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    running = bool(stack_env().get("HUB_KAFKA_CLUSTER_BOOTSTRAP"))
    if not running:
        subprocess.run([STACK, "cluster-up"], check=True, timeout=600)
    try:
        yield
    finally:
        if not running:
            subprocess.run([STACK, "cluster-down"], check=True, timeout=300)


# Beyond the suite's 300 s per test: the cluster's start, the 10 s failover and 10 s outage,
# and eight service processes on two cores (measured: see the README's fault-injection table).
@pytest.mark.timeout(900)
# The driver's own Kafka clients (leader look-ups) log "Unable connect to node" at ERROR while
# the killed node is down: the fault itself, not a server error.
@pytest.mark.expected_server_errors
async def test_killing_a_partition_leader_loses_nothing(cluster: None) -> None:
    scenario = SCENARIOS["cluster-kill-leader"]
    assert scenario.cluster
    assert scenario.instances == 2
    outcome = await run_scenario(scenario, Options(referrals=REFERRALS, settle_seconds=120))
    report = "\n".join([*outcome.notes, *outcome.problems])
    assert outcome.completed == REFERRALS, report
    assert outcome.not_exactly_once == 0, report
    assert outcome.lost == 0, report
    assert outcome.applied_twice == 0, report
    assert outcome.dlq_actual == outcome.dlq_expected, report
    assert outcome.signals_match, report
    assert outcome.passed, report
    # The fault happened: a node was killed and another took the partition's lead.
    assert any("kill -9 of Kafka node" in note and "led it" in note for note in outcome.notes)
