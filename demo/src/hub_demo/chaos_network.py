"""Network faults between one service and Kafka or PostgreSQL, through `hub_demo.tcp_proxy`.

A scenario names its paths, ``(service, "kafka" | "postgres")``; `make_links` makes one proxy
`LinkGroup` per path before the services start, and `link_env` points the service's FIRST
instance at the proxy while everything else connects directly. With one instance per service
that is the whole service; with two (the cluster scenarios) the fault hits instance #1 of the
service and #2 keeps its direct paths, as when one of two machines loses its network:

- PostgreSQL: one link; the instance's DSN gets the proxy's port (a free one), which forwards
  to the stack's PostgreSQL.
- Kafka: one link per broker. The instance bootstraps at the proxies' ports, each forwarding to
  one broker's CHAOS listener, which advertises that proxy's port (infra/stack.sh). So the
  connections the client opens after bootstrap (to the partition leaders, the group
  coordinator, on whichever broker) cross the proxies too, and a cut of the group cuts the
  instance off from EVERY broker. Single broker: ``HUB_KAFKA_CHAOS_BOOTSTRAP`` (the proxy's
  port) and ``HUB_KAFKA_CHAOS_UPSTREAM`` (the listener); the three-node cluster:
  ``HUB_KAFKA_CLUSTER_CHAOS_BOOTSTRAP`` and ``HUB_KAFKA_CLUSTER_CHAOS_UPSTREAM``, node by node
  (`kafka_proxy_targets`). Only one Kafka path can exist at a time (the advertised ports are
  fixed).

`partition` cuts a path for a while under load and heals it; `latency` adds a delay to every
chunk in each direction for the rest of the stream and the settling (`heal_links` ends it).
Both note the path's counters, so the table's notes show that the traffic really crossed the
proxy.
"""

import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from hub_runtime.settings import HubSettings
from hub_runtime.testing import stack_env

from hub_demo.chaos_faults import Fault, FaultContext
from hub_demo.processes import free_port
from hub_demo.tcp_proxy import Link, LinkGroup

KAFKA = "kafka"
POSTGRES = "postgres"
PROXIED_INSTANCE = 0  # the instance (0-based) whose paths cross the proxy: #1


class ChaosListenerMissingError(RuntimeError):
    """The broker (or a cluster node) has no CHAOS listener (started before it existed)."""


def link_name(service: str, backend: str) -> str:
    return f"{service}-{backend}"


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.strip().rpartition(":")
    return host, int(port)


def kafka_proxy_targets(env: Mapping[str, str], bootstrap: str) -> list[tuple[int, str, int]]:
    """The Kafka proxies for clients of ``bootstrap``: one ``(listen_port, upstream_host,
    upstream_port)`` per broker, from stack.env's CHAOS entries.

    ``bootstrap`` is the single broker's (``HUB_KAFKA_BOOTSTRAP``: one proxy) or the cluster's
    (``HUB_KAFKA_CLUSTER_BOOTSTRAP``: one proxy per node, the Nth proxy port paired with the Nth
    CHAOS listener). Raises `ChaosListenerMissingError` when the CHAOS entries are absent,
    ValueError for another bootstrap or entries that do not pair up one per broker."""
    if bootstrap == env.get("HUB_KAFKA_BOOTSTRAP"):
        keys, restart = ("HUB_KAFKA_CHAOS_BOOTSTRAP", "HUB_KAFKA_CHAOS_UPSTREAM"), "restart-kafka"
    elif bootstrap == env.get("HUB_KAFKA_CLUSTER_BOOTSTRAP"):
        keys = ("HUB_KAFKA_CLUSTER_CHAOS_BOOTSTRAP", "HUB_KAFKA_CLUSTER_CHAOS_UPSTREAM")
        restart = "cluster-down, then HUB_KAFKA_NODES=3 infra/stack.sh up"
    else:
        raise ValueError(f"a Kafka link needs the stack's broker or cluster, not {bootstrap!r}")
    if not all(env.get(key) for key in keys):
        raise ChaosListenerMissingError(
            f"no CHAOS listener in stack.env ({keys[0]}): infra/stack.sh {restart}"
        )
    proxies, upstreams = (env[key].split(",") for key in keys)
    brokers = len(bootstrap.split(","))
    if not len(proxies) == len(upstreams) == brokers:
        raise ValueError(
            f"{keys[0]} and {keys[1]} must name one address per broker ({brokers}):"
            f" {len(proxies)} and {len(upstreams)}"
        )
    targets = []
    for proxy, upstream in zip(proxies, upstreams, strict=True):
        host, port = _host_port(upstream)
        targets.append((_host_port(proxy)[1], host, port))
    return targets


def make_links(hub: HubSettings, specs: tuple[tuple[str, str], ...]) -> dict[str, LinkGroup]:
    """One (not yet started) `LinkGroup` per ``(service, backend)``, by `link_name`: for Kafka
    one `Link` per broker of ``hub.kafka_bootstrap`` (named ``<path>`` on the single broker,
    ``<path>-node<N>`` on the cluster), for PostgreSQL one `Link`.

    Raises `ChaosListenerMissingError` for a Kafka path when stack.env has no CHAOS listener,
    ValueError for an unknown backend or a second Kafka path."""
    groups: dict[str, LinkGroup] = {}
    if sum(backend == KAFKA for _, backend in specs) > 1:
        raise ValueError("one Kafka path at a time: the CHAOS listeners advertise fixed ports")
    for service, backend in specs:
        name = link_name(service, backend)
        if backend == KAFKA:
            targets = kafka_proxy_targets(stack_env(), hub.kafka_bootstrap)
            links = [
                Link(name if len(targets) == 1 else f"{name}-node{n}", listen, host, port)
                for n, (listen, host, port) in enumerate(targets, start=1)
            ]
        elif backend == POSTGRES:
            parts = urlsplit(hub.pg_dsn)
            host, port = parts.hostname or "127.0.0.1", parts.port or 5432
            links = [Link(name, free_port(), host, port)]
        else:
            raise ValueError(f"unknown backend {backend!r}")
        groups[name] = LinkGroup(name, links)
    return groups


def link_env(
    hub: HubSettings, links: dict[str, LinkGroup], pg_dsns: dict[str, str] | None = None
) -> dict[tuple[str, int], dict[str, str]]:
    """Per ``(service, instance index)``, the environment that sends that instance's Kafka or
    PostgreSQL traffic through its links (to be merged over the common environment of
    `HubProcesses`): only instance `PROXIED_INSTANCE` of each service named by a path.
    ``pg_dsns`` (service name -> DSN) gives the DSN a service logs in with (its own role); the
    proxied DSN keeps its credentials and only changes the address (``hub.pg_dsn`` otherwise)."""
    env: dict[tuple[str, int], dict[str, str]] = {}
    for group in links.values():
        service, _, backend = group.name.rpartition("-")
        instance = env.setdefault((service, PROXIED_INSTANCE), {})
        if backend == KAFKA:
            instance["HUB_KAFKA_BOOTSTRAP"] = ",".join(
                f"127.0.0.1:{port}" for port in group.listen_ports
            )
        else:
            parts = urlsplit((pg_dsns or {}).get(service, hub.pg_dsn))
            credentials, _, _ = parts.netloc.rpartition("@")
            netloc = f"{credentials}@127.0.0.1:{group.listen_ports[0]}"
            instance["HUB_PG_DSN"] = urlunsplit(parts._replace(netloc=netloc))
    return env


def _the_link(ctx: FaultContext, service: str, backend: str) -> LinkGroup:
    link = ctx.links[link_name(service, backend)]
    if link.bytes_down == 0:  # the service must have talked through it by now
        raise RuntimeError(f"{link.name}: no traffic crossed the proxy (bypassed?)")
    return link


def _which(ctx: FaultContext, service: str) -> str:
    """Which instance the path serves, for the notes ("" when the service runs once)."""
    count = len(ctx.processes.instances[service])
    return "" if count == 1 else f", instance #{PROXIED_INSTANCE + 1} of {count}"


def partition(service: str, backend: str, seconds: float, black_hole: bool = False) -> Fault:
    """Cut the path between ``service`` (its first instance) and ``backend`` (every broker of
    it) at a random moment of the stream (25 to 45%), for ``seconds``, then heal it. Open
    connections are reset (or, ``black_hole``, left hanging with nothing crossing), new ones
    reset (or never answered)."""

    async def fault(ctx: FaultContext) -> None:
        await ctx.stream.reached(ctx.rng.uniform(0.25, 0.45))
        link = _the_link(ctx, service, backend)
        at, before, open_now = ctx.stream.progress, link.counters(), link.open_connections
        link.cut(black_hole=black_hole)
        await asyncio.sleep(seconds)
        link.restore()
        how = "black hole" if black_hole else "cut"
        ctx.notes.append(
            f"{link.name} {how} for {seconds:.0f} s at {at:.0%} of the stream"
            f"{_which(ctx, service)} ({open_now} connections open; before: {before})"
        )

    return fault


def latency(service: str, backend: str, ms: float) -> Fault:
    """Add ``ms`` to every chunk in each direction between ``service`` (its first instance)
    and ``backend`` (every broker of it) from 10% of the stream on, through the rest of the
    stream and the settling, until the `heal_links` hook (put it in the scenario's ``after``)."""

    async def fault(ctx: FaultContext) -> None:
        await ctx.stream.reached(0.1)
        link = _the_link(ctx, service, backend)
        at, before = ctx.stream.progress, link.counters()
        link.delay(ms)
        ctx.notes.append(
            f"{link.name} +{ms:.0f} ms per chunk each way from {at:.0%}{_which(ctx, service)}"
            f" ({before})"
        )

    return fault


async def heal_links(ctx: FaultContext) -> None:
    """After the hub settled: every link back to pass-through."""
    for link in ctx.links.values():
        link.restore()
