"""The fault suite's scenarios, by name (`python -m hub_demo.chaos --list`).

`FULL_SUITE`: the single-broker scenarios, one instance per service (`make chaos`).
`NETWORK_SUITE`: the network faults (a TCP proxy between one service and Kafka or PostgreSQL).
`CLUSTER_SUITE`: the three-node Kafka cluster with two instances of every service
(`make chaos CLUSTER=1`). `CLUSTER_NETWORK_SUITE`: the four network faults there, each hitting
the first of the service's two instances (`make chaos CLUSTER=1 CHAOS_ARGS="--network"`).
A new kind of fault is a `Fault` in a module of its own plus a `Scenario` here, and its name
in a suite.
"""

import dataclasses

from hub_contracts import Topic
from partner_gateway.simulator.app import Mode

from hub_demo.chaos_cluster import kill9_one_instance, kill_partition_leader
from hub_demo.chaos_faults import (
    Scenario,
    duplicate_everything,
    kill9,
    last_duplicates,
    partner_mode,
    poison,
    resend_reports_under_new_ids,
    reset_consumer_groups,
    restart_infra,
)
from hub_demo.chaos_network import KAFKA, POSTGRES, heal_links, latency, partition

SERVICES = ("casefile", "referral", "partner-gateway", "signals")

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in [
        Scenario("baseline", "no fault: the invariants on a quiet day", ()),
        Scenario(
            "control-new-ids",
            "negative control, must FAIL: status reports re-sent under new envelope ids",
            (),
            after=(resend_reports_under_new_ids,),
        ),
        *[
            Scenario(f"kill9-{name}", f"kill -9 of {name} at random moments", (kill9(name),))
            for name in SERVICES
        ],
        Scenario(
            "kill9-casefile-gateway",
            "kill -9 of casefile and of the gateway at random moments",
            (kill9("casefile", "partner-gateway", times=2),),
        ),
        Scenario("kafka-restart", "Kafka restarted mid-stream", (restart_infra("restart-kafka"),)),
        Scenario(
            "postgres-restart",
            "PostgreSQL restarted mid-stream",
            (restart_infra("restart-postgres"),),
        ),
        Scenario(
            "duplicate-delivery",
            "every event of the three event topics delivered twice",
            (duplicate_everything,),
            after=(last_duplicates,),
        ),
        Scenario(
            "group-reset",
            "each service stopped, its consumer group reset to offset 0, started",
            (reset_consumer_groups(*SERVICES),),
        ),
        Scenario("poison", "garbage and wrong-type envelopes on each topic", (poison(),)),
        Scenario(
            "partner-down",
            "the partner's endpoint answers 503 for a while",
            (partner_mode(Mode.DOWN, 10),),
        ),
        Scenario(
            "partner-slow",
            "the partner answers after 4 s (beyond the 3 s delivery timeout) for a while",
            (partner_mode(Mode.SLOW, 10, slow_seconds=4),),
        ),
        Scenario(
            "partner-500",
            "the partner's endpoint answers 500 for a while",
            (partner_mode(Mode.FAILING, 10),),
        ),
        # Network faults (issue 17, item 6) through hub_demo.tcp_proxy: referral is the
        # busiest Kafka client (four topics in, events out), the gateway the busiest HTTP and
        # database user (inbox, deliveries, disclosures).
        Scenario(
            "net-kafka-partition",
            "referral cut off from Kafka for 12 s under load (connections reset), then healed",
            (partition("referral", KAFKA, seconds=12),),
            links=(("referral", KAFKA),),
        ),
        Scenario(
            "net-kafka-latency",
            "200 ms added per chunk each way between the gateway and Kafka (stream and settling)",
            (latency("partner-gateway", KAFKA, ms=200),),
            after=(heal_links,),
            links=(("partner-gateway", KAFKA),),
        ),
        Scenario(
            "net-postgres-partition",
            "the gateway cut off from PostgreSQL for 12 s under load, then healed",
            (partition("partner-gateway", POSTGRES, seconds=12),),
            links=(("partner-gateway", POSTGRES),),
        ),
        Scenario(
            "net-postgres-latency",
            "50 ms added per chunk each way between referral and PostgreSQL (stream and settling)",
            (latency("referral", POSTGRES, ms=50),),
            after=(heal_links,),
            links=(("referral", POSTGRES),),
        ),
        Scenario(
            "cluster-baseline",
            "no fault, on the three-node cluster with two instances per service",
            (),
            cluster=True,
            instances=2,
        ),
        Scenario(
            "cluster-kill-leader",
            "kill -9 of the Kafka node leading a partition of casefile.events.v1, restarted"
            " after 10 s (three-node cluster, two instances per service)",
            (kill_partition_leader(Topic.CASEFILE_EVENTS, down_seconds=10),),
            cluster=True,
            instances=2,
        ),
        Scenario(
            "cluster-kill9-instances",
            "kill -9 of one of the two instances of each service, each restarted after 12 s"
            " (three-node cluster)",
            (kill9_one_instance(*SERVICES, down_seconds=12),),
            cluster=True,
            instances=2,
        ),
    ]
}

# The network faults on the cluster (issue 17): the same faults, but the path crosses the proxy
# for instance #1 of the service only (#2 keeps its direct paths, as when one of two machines
# loses its network), and a Kafka path is one proxy per node, all cut or slowed together.
CLUSTER_NETWORK = {
    "net-kafka-partition": "referral #1 of 2 cut off from all three Kafka nodes for 12 s under"
    " load (connections reset), then healed; #2 keeps its connections",
    "net-kafka-latency": "200 ms added per chunk each way between gateway #1 of 2 and all three"
    " Kafka nodes (stream and settling)",
    "net-postgres-partition": "gateway #1 of 2 cut off from PostgreSQL for 12 s under load, then"
    " healed; #2 keeps its connections",
    "net-postgres-latency": "50 ms added per chunk each way between referral #1 of 2 and"
    " PostgreSQL (stream and settling)",
}
for _name, _description in CLUSTER_NETWORK.items():
    SCENARIOS[f"cluster-{_name}"] = dataclasses.replace(
        SCENARIOS[_name],
        name=f"cluster-{_name}",
        description=f"{_description}; on the three-node cluster, two instances per service",
        cluster=True,
        instances=2,
    )

FULL_SUITE: tuple[str, ...] = (
    "kill9-casefile",
    "kill9-referral",
    "kill9-partner-gateway",
    "kill9-signals",
    "kafka-restart",
    "postgres-restart",
    "duplicate-delivery",
    "group-reset",
    "poison",
    "partner-down",
    "partner-slow",
    "partner-500",
    "net-kafka-partition",
    "net-kafka-latency",
    "net-postgres-partition",
    "net-postgres-latency",
)

# The network faults alone: `make chaos CHAOS_ARGS="--network"`.
NETWORK_SUITE: tuple[str, ...] = FULL_SUITE[-4:]

CLUSTER_SUITE: tuple[str, ...] = ("cluster-kill-leader", "cluster-kill9-instances")

# The network faults on the cluster: `make chaos CLUSTER=1 CHAOS_ARGS="--network"`.
CLUSTER_NETWORK_SUITE: tuple[str, ...] = tuple(f"cluster-{name}" for name in CLUSTER_NETWORK)
