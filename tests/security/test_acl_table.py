"""The Kafka ACL table (`hub_runtime.kafka_acls`) grants each service exactly what its own
definition publishes and consumes: a topic added to a service without its ACL would fail on
the secure stack, and an ACL without a use would be a needless permission."""

import casefile.api
import partner_gateway.api
import referral.kafka_commands
import referral.routes
import signals.routes
from hub_contracts.topics import Topic, dead_letter_topic
from hub_runtime.kafka_acls import PRINCIPALS, Operation, Resource, bindings

SERVICES: dict[str, tuple[set[str], set[str], set[str]]] = {
    # principal: (publishes, consumes, consumer groups)
    "casefile": (set(casefile.api.PUBLISHES), set(casefile.api.CONSUMES), {"casefile"}),
    "referral": (
        set(referral.routes.PUBLISHES),
        {*referral.routes.CONSUMES, *referral.kafka_commands.COMMAND_TOPICS},
        {"referral", referral.kafka_commands.COMMAND_GROUP},
    ),
    "partner-gateway": (
        set(partner_gateway.api.PUBLISHES),
        set(partner_gateway.api.CONSUMES),
        {"partner-gateway"},
    ),
    "signals": (set(signals.routes.PUBLISHES), set(signals.routes.CONSUMES), {"signals"}),
}


def _granted(principal: str, resource: Resource, operation: Operation) -> set[str]:
    return {
        b.name.removeprefix("p.")
        for b in bindings("p.")
        if b.principal == principal and b.resource == resource and b.operation == operation
    }


def test_every_service_has_a_principal_and_tools_one_more() -> None:
    assert set(PRINCIPALS) == {*SERVICES, "tools"}


def test_each_service_writes_its_topics_and_the_dead_letters_of_what_it_consumes() -> None:
    for principal, (publishes, consumes, _) in SERVICES.items():
        expected = publishes | {dead_letter_topic(t) for t in consumes}
        assert _granted(principal, Resource.TOPIC, Operation.WRITE) == expected, principal


def test_each_service_reads_exactly_what_it_consumes_in_its_own_groups() -> None:
    for principal, (_, consumes, groups) in SERVICES.items():
        assert _granted(principal, Resource.TOPIC, Operation.READ) == consumes, principal
        assert _granted(principal, Resource.GROUP, Operation.READ) == groups, principal


def test_only_the_tools_write_the_command_topic() -> None:
    writers = {
        b.principal
        for b in bindings()
        if b.operation == Operation.WRITE and b.name == Topic.REFERRAL_COMMANDS
    }
    assert writers == {"tools"}


def test_producers_may_write_idempotently() -> None:
    for principal in PRINCIPALS:
        assert _granted(principal, Resource.CLUSTER, Operation.IDEMPOTENT_WRITE) == {
            "kafka-cluster"
        }
