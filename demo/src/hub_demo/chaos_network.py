"""Network faults between one service and Kafka or PostgreSQL, through `hub_demo.tcp_proxy`.

A scenario names its links, ``(service, "kafka" | "postgres")``; `make_links` makes one proxy
`Link` per name before the services start, and `link_env` points that service (every instance
of it) at the proxy while the others connect directly:

- PostgreSQL: the service's DSN gets the proxy's port (a free one), which forwards to the stack's
  PostgreSQL.
- Kafka: the service bootstraps at ``HUB_KAFKA_CHAOS_BOOTSTRAP``, the proxy's port, which
  forwards to the broker's CHAOS listener (``HUB_KAFKA_CHAOS_UPSTREAM``; infra/stack.sh). That
  listener advertises the proxy's port, so the connections the client opens after bootstrap
  (to the partition leaders, the group coordinator) cross the proxy too. Only one Kafka link can
  exist at a time (the advertised port is fixed), and only on the single broker (the cluster's
  nodes have no CHAOS listener); PostgreSQL links work in cluster scenarios too.

`partition` cuts a link for a while under load and heals it; `latency` adds a delay to every
chunk in each direction for the rest of the stream and the settling (`heal_links` ends it).
Both note the link's counters, so the table's notes show that the service's traffic really
crossed the proxy.
"""

import asyncio
from urllib.parse import urlsplit, urlunsplit

from hub_runtime.settings import HubSettings
from hub_runtime.testing import stack_env

from hub_demo.chaos_faults import Fault, FaultContext
from hub_demo.processes import free_port
from hub_demo.tcp_proxy import Link

KAFKA = "kafka"
POSTGRES = "postgres"


class ChaosListenerMissingError(RuntimeError):
    """The broker has no CHAOS listener (a stack started before it existed)."""


def link_name(service: str, backend: str) -> str:
    return f"{service}-{backend}"


def _host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def make_links(hub: HubSettings, specs: tuple[tuple[str, str], ...]) -> dict[str, Link]:
    """One (not yet started) `Link` per ``(service, backend)``, by `link_name`.

    Raises `ChaosListenerMissingError` for a Kafka link when stack.env has no CHAOS listener,
    ValueError for an unknown backend, a second Kafka link or a Kafka link on the cluster."""
    links: dict[str, Link] = {}
    if sum(backend == KAFKA for _, backend in specs) > 1:
        raise ValueError("one Kafka link at a time: the CHAOS listener advertises one port")
    for service, backend in specs:
        name = link_name(service, backend)
        if backend == KAFKA:
            if hub.kafka_bootstrap != stack_env().get("HUB_KAFKA_BOOTSTRAP"):
                # Each cluster node would need a CHAOS listener and a proxy of its own.
                raise ValueError("a Kafka link needs the single broker (not the cluster)")
            env = stack_env()
            if "HUB_KAFKA_CHAOS_BOOTSTRAP" not in env:
                raise ChaosListenerMissingError(
                    "the broker has no CHAOS listener: infra/stack.sh restart-kafka"
                )
            _, listen = _host_port(env["HUB_KAFKA_CHAOS_BOOTSTRAP"])
            host, port = _host_port(env["HUB_KAFKA_CHAOS_UPSTREAM"])
        elif backend == POSTGRES:
            parts = urlsplit(hub.pg_dsn)
            listen, host, port = free_port(), parts.hostname or "127.0.0.1", parts.port or 5432
        else:
            raise ValueError(f"unknown backend {backend!r}")
        links[name] = Link(name, listen, host, port)
    return links


def link_env(hub: HubSettings, links: dict[str, Link]) -> dict[str, dict[str, str]]:
    """Per service, the environment that sends its Kafka or PostgreSQL traffic through its
    links (to be merged over the common environment of `HubProcesses`)."""
    env: dict[str, dict[str, str]] = {}
    for link in links.values():
        service, _, backend = link.name.rpartition("-")
        if backend == KAFKA:
            env.setdefault(service, {})["HUB_KAFKA_BOOTSTRAP"] = f"127.0.0.1:{link.listen_port}"
        else:
            parts = urlsplit(hub.pg_dsn)
            credentials, _, _ = parts.netloc.rpartition("@")
            netloc = f"{credentials}@127.0.0.1:{link.listen_port}"
            env.setdefault(service, {})["HUB_PG_DSN"] = urlunsplit(parts._replace(netloc=netloc))
    return env


def _the_link(ctx: FaultContext, service: str, backend: str) -> Link:
    link = ctx.links[link_name(service, backend)]
    if link.bytes_down == 0:  # the service must have talked through it by now
        raise RuntimeError(f"{link.name}: no traffic crossed the proxy (bypassed?)")
    return link


def partition(service: str, backend: str, seconds: float, black_hole: bool = False) -> Fault:
    """Cut the link between ``service`` and ``backend`` at a random moment of the stream
    (25 to 45%), for ``seconds``, then heal it. Open connections are reset (or, ``black_hole``,
    left hanging with nothing crossing), new ones reset (or never answered)."""

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
            f" ({open_now} connections open; before: {before})"
        )

    return fault


def latency(service: str, backend: str, ms: float) -> Fault:
    """Add ``ms`` to every chunk in each direction between ``service`` and ``backend`` from
    10% of the stream on, through the rest of the stream and the settling, until the
    `heal_links` hook (put it in the scenario's ``after``)."""

    async def fault(ctx: FaultContext) -> None:
        await ctx.stream.reached(0.1)
        link = _the_link(ctx, service, backend)
        at, before = ctx.stream.progress, link.counters()
        link.delay(ms)
        ctx.notes.append(f"{link.name} +{ms:.0f} ms per chunk each way from {at:.0%} ({before})")

    return fault


async def heal_links(ctx: FaultContext) -> None:
    """After the hub settled: every link back to pass-through."""
    for link in ctx.links.values():
        link.restore()
