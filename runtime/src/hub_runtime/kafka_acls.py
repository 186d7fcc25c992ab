"""The hub's Kafka ACL table: which principal may write, read and join what.

One principal per service (named like the service), ``tools`` for the counsellors' tools and
``admin`` (a super user in the broker's configuration: topic administration, tests, replay).
A service writes only the topics it publishes and the dead-letter topics of what it consumes,
reads only what it consumes, and joins only its own consumer groups; ``tools`` alone writes the
command topic. The table follows `hub_contracts.topics` and each service's definition
(``publishes``/``consumes``/subscriptions); a test holds them together.

``python -m hub_runtime.kafka_acls apply`` (run by ``infra/stack.sh up`` as admin) creates the
hub's topics and these ACLs; tests apply them for their own topic prefix (`apply_acls`).
ACL semantics: Kafka's StandardAuthorizer (KIP-801), deny when no ACL allows.
"""

import argparse
import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import (
    CreateAclsRequest_v1,
    DeleteAclsRequest_v1,
    DescribeAclsRequest,
)
from aiokafka.protocol.api import Request
from hub_contracts.topics import ALL_TOPICS, Topic, dead_letter_topic

from hub_runtime.kafka import ensure_topics
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings


class Resource(IntEnum):
    """Kafka's ResourceType codes (AclBinding wire format)."""

    TOPIC = 2
    GROUP = 3
    CLUSTER = 4


class Operation(IntEnum):
    """Kafka's AclOperation codes."""

    READ = 3
    WRITE = 4
    DESCRIBE = 8
    IDEMPOTENT_WRITE = 12


_LITERAL = 3
_ALLOW = 3
_ANY_HOST = "*"
_CLUSTER = "kafka-cluster"


@dataclass(frozen=True)
class Access:
    """What one principal may do. Topic and group names are logical (without prefix)."""

    writes: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    dead_letters: tuple[str, ...] = ()
    """Topics whose dead-letter topic it writes (the ones it consumes)."""


def _service(
    publishes: Sequence[Topic], consumes: Sequence[Topic], groups: Sequence[str]
) -> Access:
    return Access(
        writes=tuple(publishes),
        reads=tuple(consumes),
        groups=tuple(groups),
        dead_letters=tuple(consumes),
    )


PRINCIPALS: dict[str, Access] = {
    "casefile": _service(
        [Topic.CASEFILE_EVENTS], [Topic.REFERRAL_EVENTS, Topic.PARTNER_EVENTS], ["casefile"]
    ),
    "referral": _service(
        [Topic.REFERRAL_EVENTS],
        [Topic.CASEFILE_EVENTS, Topic.PARTNER_EVENTS, Topic.REFERRAL_COMMANDS],
        ["referral", "referral-commands"],
    ),
    "partner-gateway": _service(
        [Topic.PARTNER_EVENTS], [Topic.REFERRAL_EVENTS, Topic.CASEFILE_EVENTS], ["partner-gateway"]
    ),
    "signals": _service(
        [Topic.SIGNALS_PUBLISHED],
        [Topic.CASEFILE_EVENTS, Topic.REFERRAL_EVENTS, Topic.PARTNER_EVENTS],
        ["signals"],
    ),
    # The counsellors' tools: the only writer of the command topic.
    "tools": Access(writes=(Topic.REFERRAL_COMMANDS,)),
}


def sole_writer(topic: Topic) -> str:
    """The one principal the ACL table lets write ``topic``, as Kafka names it (``User:tools``).

    What a consumer of that topic can say about who produced a record: Kafka hands the
    consumer no producer identity, but under `StandardAuthorizer` only this principal (and the
    broker's super users, i.e. ``admin``) can have written it. Raises ValueError when no
    principal or several may write it (then a record cannot be attributed this way)."""
    writers = [name for name, access in PRINCIPALS.items() if topic in access.writes]
    if len(writers) != 1:
        raise ValueError(f"{topic} has {len(writers)} writers in the ACL table, not exactly one")
    return f"User:{writers[0]}"


@dataclass(frozen=True)
class Binding:
    """One ALLOW ACL: principal may do operation on a resource (literal name), from any host."""

    principal: str
    resource: Resource
    name: str
    operation: Operation

    def wire(self) -> tuple[int, str, int, str, str, int, int]:
        """The binding as CreateAcls/DeleteAcls v1 fields."""
        return (
            int(self.resource),
            self.name,
            _LITERAL,
            f"User:{self.principal}",
            _ANY_HOST,
            int(self.operation),
            _ALLOW,
        )


def bindings(prefix: str = "") -> list[Binding]:
    """Every ACL of the table for topics and groups named with ``prefix``."""
    out: list[Binding] = []
    for principal, access in PRINCIPALS.items():
        add = out.append
        named = {*access.writes, *access.reads, *(dead_letter_topic(t) for t in access.writes)}
        for topic in access.writes:
            add(Binding(principal, Resource.TOPIC, prefix + topic, Operation.WRITE))
        for topic in access.reads:
            add(Binding(principal, Resource.TOPIC, prefix + topic, Operation.READ))
        for topic in access.dead_letters:
            dlq = dead_letter_topic(topic)
            named.add(dlq)
            add(Binding(principal, Resource.TOPIC, prefix + dlq, Operation.WRITE))
        # DESCRIBE (metadata only) on every topic it names, so a starting service sees that
        # its topics exist, e.g. the dead-letter topic of what it publishes.
        for topic in sorted(named):
            add(Binding(principal, Resource.TOPIC, prefix + topic, Operation.DESCRIBE))
        for group in access.groups:
            add(Binding(principal, Resource.GROUP, prefix + group, Operation.READ))
        if access.writes:
            add(Binding(principal, Resource.CLUSTER, _CLUSTER, Operation.IDEMPOTENT_WRITE))
    return out


# aiokafka ships no type information: its Request base is Any to mypy.
class _CreateAcls(Request[CreateAclsRequest_v1]):  # type: ignore[misc]  # untyped aiokafka
    API_KEY = 30

    def __init__(self, items: Iterable[Binding]) -> None:
        self._items = [b.wire() for b in items]

    def build(self, request_struct_class: type[CreateAclsRequest_v1]) -> CreateAclsRequest_v1:
        return request_struct_class(self._items)


class _DeleteAcls(Request[DeleteAclsRequest_v1]):  # type: ignore[misc]  # untyped aiokafka
    API_KEY = 31

    def __init__(self, items: Iterable[Binding]) -> None:
        self._items = [b.wire() for b in items]

    def build(self, request_struct_class: type[DeleteAclsRequest_v1]) -> DeleteAclsRequest_v1:
        return request_struct_class(self._items)


class AclError(RuntimeError):
    """The broker refused to create or delete an ACL (code and message in the text)."""


_ANY = 1  # the ANY code of resource type, pattern type, operation and permission filters


async def _send(settings: HubSettings, request: object) -> Any:
    admin = AIOKafkaAdminClient(**kafka_client_options(settings), client_id="hub-acl-admin")
    await admin.start()
    try:
        return await admin._send_request(request)  # aiokafka has no public ACL API
    finally:
        await admin.close()


async def _present(settings: HubSettings) -> set[tuple[int, str, str, int]]:
    """Every ALLOW ACL the broker's authorizer holds: (resource, name, principal, operation)."""
    everything = DescribeAclsRequest(_ANY, None, _ANY, None, None, _ANY, _ANY)
    response = await _send(settings, everything)
    if response.error_code:
        raise AclError(f"ACL listing refused: error {response.error_code}")
    return {
        (resource_type, name, principal, operation)
        for resource_type, name, _pattern, acls in response.resources
        for principal, _host, operation, permission in acls
        if permission == _ALLOW
    }


async def _wait_effective(
    settings: HubSettings, wanted: list[Binding], within_seconds: float = 15.0
) -> None:
    """Wait until the broker authorizes by ``wanted``: new ACLs travel through the metadata
    log and reach the authorizer a moment after CreateAcls answers."""
    keys = {(int(b.resource), b.name, f"User:{b.principal}", int(b.operation)) for b in wanted}
    deadline = asyncio.get_running_loop().time() + within_seconds
    while not keys <= await _present(settings):
        if asyncio.get_running_loop().time() > deadline:
            raise AclError(f"ACLs not effective within {within_seconds:.0f} s")
        await asyncio.sleep(0.1)


async def apply_acls(settings: HubSettings, prefix: str = "") -> None:
    """Create the table's ACLs for ``prefix`` as ``settings``' principal (admin). Idempotent.

    Raises `AclError` naming the first refused binding."""
    wanted = bindings(prefix)
    response = await _send(settings, _CreateAcls(wanted))
    for binding, (code, message) in zip(wanted, response.creation_responses, strict=True):
        if code:
            raise AclError(f"ACL {binding} refused: error {code} {message}")
    await _wait_effective(settings, wanted)


async def remove_acls(settings: HubSettings, prefix: str) -> None:
    """Delete the table's ACLs for ``prefix`` (test clean-up; never the hub's own, prefix "")."""
    if not prefix:
        raise ValueError("refusing to delete the hub's own ACLs")
    response = await _send(settings, _DeleteAcls(bindings(prefix)))
    for code, message, _matches in response.filter_responses:
        if code:
            raise AclError(f"ACL deletion refused: error {code} {message}")


async def provision(settings: HubSettings, prefix: str = "") -> None:
    """The hub's topics (with dead-letter topics) and ACLs for ``prefix``, as admin: services
    hold no CREATE permission, so their topics must exist before they start."""
    await ensure_topics(settings, [prefix + t for t in ALL_TOPICS], settings.topic_partitions)
    await apply_acls(settings, prefix)


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["apply", "show"])
    args = parser.parse_args()
    if args.action == "show":
        for b in bindings():
            print(f"User:{b.principal}\t{b.operation.name}\t{b.resource.name}:{b.name}")
        return
    settings = HubSettings()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(provision(settings, settings.topic_prefix))


if __name__ == "__main__":
    _main()
