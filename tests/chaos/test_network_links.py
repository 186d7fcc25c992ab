"""Which proxy serves which broker, and which instance crosses it (hub_demo.chaos_network):
the mapping from stack.env's CHAOS entries to links, without a stack."""

import pytest
from hub_demo.chaos import suite_of
from hub_demo.chaos_catalogue import CLUSTER_NETWORK_SUITE, NETWORK_SUITE, SCENARIOS
from hub_demo.chaos_network import (
    KAFKA,
    POSTGRES,
    ChaosListenerMissingError,
    kafka_proxy_targets,
    link_env,
    make_links,
)
from hub_runtime.settings import HubSettings

SINGLE = "127.0.0.1:9001"
CLUSTER = "127.0.0.1:9101,127.0.0.1:9102,127.0.0.1:9103"
ENV = {
    "HUB_KAFKA_BOOTSTRAP": SINGLE,
    "HUB_KAFKA_CHAOS_BOOTSTRAP": "127.0.0.1:9002",
    "HUB_KAFKA_CHAOS_UPSTREAM": "127.0.0.1:9003",
    "HUB_KAFKA_CLUSTER_BOOTSTRAP": CLUSTER,
    "HUB_KAFKA_CLUSTER_CHAOS_BOOTSTRAP": "127.0.0.1:9201,127.0.0.1:9202,127.0.0.1:9203",
    "HUB_KAFKA_CLUSTER_CHAOS_UPSTREAM": "127.0.0.1:9301,127.0.0.1:9302,127.0.0.1:9303",
}
DSN = "postgresql://hub:secret@127.0.0.1:5999/postgres?sslmode=disable"


def test_the_single_broker_has_one_proxy_in_front_of_its_chaos_listener() -> None:
    assert kafka_proxy_targets(ENV, SINGLE) == [(9002, "127.0.0.1", 9003)]


def test_the_cluster_has_one_proxy_per_node_paired_in_order() -> None:
    assert kafka_proxy_targets(ENV, CLUSTER) == [
        (9201, "127.0.0.1", 9301),
        (9202, "127.0.0.1", 9302),
        (9203, "127.0.0.1", 9303),
    ]


def test_a_stack_without_chaos_listeners_is_named() -> None:
    env = {k: v for k, v in ENV.items() if "CLUSTER_CHAOS" not in k}
    with pytest.raises(ChaosListenerMissingError, match="HUB_KAFKA_CLUSTER_CHAOS_BOOTSTRAP"):
        kafka_proxy_targets(env, CLUSTER)
    assert kafka_proxy_targets(env, SINGLE)  # the single broker's are still there


def test_entries_that_do_not_pair_up_one_per_node_are_refused() -> None:
    env = {**ENV, "HUB_KAFKA_CLUSTER_CHAOS_UPSTREAM": "127.0.0.1:9301,127.0.0.1:9302"}
    with pytest.raises(ValueError, match="one address per broker"):
        kafka_proxy_targets(env, CLUSTER)


def test_another_bootstrap_is_refused() -> None:
    with pytest.raises(ValueError, match="broker or cluster"):
        kafka_proxy_targets(ENV, "127.0.0.1:1234")


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():  # stack_env() lets HUB_* variables override the file
        monkeypatch.setenv(key, value)


def _hub(bootstrap: str) -> HubSettings:
    return HubSettings(kafka_bootstrap=bootstrap, pg_dsn=DSN)


@pytest.mark.usefixtures("stack")
def test_on_the_cluster_the_first_instance_bootstraps_at_every_nodes_proxy() -> None:
    hub = _hub(CLUSTER)
    links = make_links(hub, (("referral", KAFKA), ("partner-gateway", POSTGRES)))
    kafka = links["referral-kafka"]
    assert [link.name for link in kafka.links] == [f"referral-kafka-node{n}" for n in (1, 2, 3)]
    assert [(x.listen_port, x.upstream_port) for x in kafka.links] == [
        (9201, 9301),
        (9202, 9302),
        (9203, 9303),
    ]
    postgres = links["partner-gateway-postgres"].links
    assert [(x.upstream_host, x.upstream_port) for x in postgres] == [("127.0.0.1", 5999)]
    env = link_env(hub, links)
    assert set(env) == {("referral", 0), ("partner-gateway", 0)}  # instance #1 only
    assert env["referral", 0] == {
        "HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9201,127.0.0.1:9202,127.0.0.1:9203"
    }
    port = postgres[0].listen_port
    assert env["partner-gateway", 0] == {
        "HUB_PG_DSN": f"postgresql://hub:secret@127.0.0.1:{port}/postgres?sslmode=disable"
    }
    # A service under its own role keeps that role's login through the proxy.
    own = {"partner-gateway": "postgresql://gateway_app:pw@127.0.0.1:5999/partner_gateway"}
    assert link_env(hub, links, own)["partner-gateway", 0] == {
        "HUB_PG_DSN": f"postgresql://gateway_app:pw@127.0.0.1:{port}/partner_gateway"
    }


@pytest.mark.usefixtures("stack")
def test_on_the_single_broker_the_path_is_one_link_named_like_the_path() -> None:
    hub = _hub(SINGLE)
    links = make_links(hub, (("referral", KAFKA),))
    assert [link.name for link in links["referral-kafka"].links] == ["referral-kafka"]
    assert link_env(hub, links) == {("referral", 0): {"HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9002"}}


@pytest.mark.usefixtures("stack")
def test_one_kafka_path_at_a_time() -> None:
    with pytest.raises(ValueError, match="one Kafka path"):
        make_links(_hub(CLUSTER), (("referral", KAFKA), ("signals", KAFKA)))


def test_the_cluster_network_suite_is_the_network_suite_on_the_cluster() -> None:
    assert suite_of(cluster=True, network=True) == CLUSTER_NETWORK_SUITE
    assert suite_of(cluster=False, network=True) == NETWORK_SUITE
    for single, clustered in zip(NETWORK_SUITE, CLUSTER_NETWORK_SUITE, strict=True):
        on_cluster, alone = SCENARIOS[clustered], SCENARIOS[single]
        assert (on_cluster.cluster, on_cluster.instances) == (True, 2)
        assert (alone.cluster, alone.instances) == (False, 1)
        assert on_cluster.links == alone.links
        assert on_cluster.faults == alone.faults
        assert "#1 of 2" in on_cluster.description
