"""A small TCP proxy for network faults: one `Link` per (service, backend) connection path.

A link listens on 127.0.0.1:<port> and forwards every connection to its upstream. Modes:

- pass-through (the default, and `restore()`);
- added latency (`delay(ms)`): each chunk read from either side is written to the other side
  `ms` milliseconds after it arrived. Chunks stay in order and are pipelined (a chunk waits only
  for what is left of its own delay), so the link is slower, not narrower, like a long cable;
- cut (`cut()`): a partition. Every open connection is aborted (a TCP reset on both sides) and
  new connections are reset as soon as they are accepted: the client sees "connection reset"
  at once, as behind a firewall that rejects;
- black hole (`cut(black_hole=True)`): the open connections stay open but nothing crosses them
  any more, and new connections are accepted and then never answered: the client hangs until
  its own timeout, as behind a firewall that drops packets.

The counters (`bytes_up`, `bytes_down`, `accepted`, `reset`) show that a client's traffic
really goes through the link. A `LinkGroup` is several links that fail together (one per broker
of a Kafka cluster). Used in-process by the fault suite (`hub_demo.chaos_network`);
`python -m hub_demo.tcp_proxy LISTEN_PORT UPSTREAM_HOST:PORT` runs one pass-through link.
"""

import asyncio
import contextlib
import functools
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

CHUNK = 65536


@dataclass(eq=False)
class _Pair:
    """One proxied connection: the client's side and the upstream side."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list["asyncio.Task[None]"] = field(default_factory=list)

    def abort(self) -> None:
        for writer in (self.client, self.upstream):
            if writer is not None:
                writer.transport.abort()


@dataclass(eq=False)
class Link:
    """A proxied path 127.0.0.1:``listen_port`` -> ``upstream_host``:``upstream_port``."""

    name: str
    listen_port: int
    upstream_host: str
    upstream_port: int
    latency_ms: float = 0.0
    mode: str = "pass"  # "pass" | "cut" | "black_hole"
    bytes_up: int = 0  # client -> upstream
    bytes_down: int = 0  # upstream -> client
    accepted: int = 0  # connections forwarded upstream
    reset: int = 0  # connections aborted by a cut (open ones and new ones)
    _pairs: set[_Pair] = field(default_factory=set)
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        """Listen; raises OSError when the port is taken."""
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.listen_port, reuse_address=True
        )

    async def stop(self) -> None:
        """Stop listening and abort every connection."""
        if self._server is not None:
            self._server.close()
        for pair in list(self._pairs):
            pair.abort()
            for task in pair.tasks:
                task.cancel()
        self._pairs.clear()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    def delay(self, latency_ms: float) -> None:
        """Add ``latency_ms`` to every chunk in each direction (0: none)."""
        self.latency_ms = latency_ms
        self.mode = "pass"

    def cut(self, black_hole: bool = False) -> None:
        """Partition: reset every open and every new connection, or (``black_hole``) keep them
        and let nothing through."""
        self.mode = "black_hole" if black_hole else "cut"
        if not black_hole:
            for pair in list(self._pairs):
                pair.abort()
                self.reset += 1

    def restore(self) -> None:
        """Back to pass-through: no latency, no cut."""
        self.mode = "pass"
        self.latency_ms = 0.0

    @property
    def open_connections(self) -> int:
        return len(self._pairs)

    def counters(self) -> str:
        return (
            f"{self.name}: {self.accepted} connections, {self.bytes_up} B up,"
            f" {self.bytes_down} B down, {self.reset} reset"
        )

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pair = _Pair(writer)
        if self.mode == "cut":
            self.reset += 1
            pair.abort()
            return
        self._pairs.add(pair)
        try:
            if self.mode == "black_hole":
                await _drain_forever(reader)
                return
            try:
                up_reader, pair.upstream = await asyncio.open_connection(
                    self.upstream_host, self.upstream_port
                )
            except OSError:
                pair.abort()
                return
            self.accepted += 1
            pair.tasks = [
                asyncio.ensure_future(self._pump(reader, pair.upstream, up=True)),
                asyncio.ensure_future(self._pump(up_reader, writer, up=False)),
            ]
            # Either side closing closes the other: the proxy holds no half-open pair.
            await asyncio.wait(pair.tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._pairs.discard(pair)
            for task in pair.tasks:
                task.cancel()
            pair.abort()

    async def _pump(
        self, source: asyncio.StreamReader, target: asyncio.StreamWriter, up: bool
    ) -> None:
        """Copy ``source`` to ``target``, each chunk written ``latency_ms`` after it arrived."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        writer = asyncio.ensure_future(self._write_delayed(queue, target, up))
        try:
            while chunk := await source.read(CHUNK):
                if self.mode == "black_hole":
                    continue  # swallowed: nothing crosses a black hole
                await queue.put((time.monotonic() + self.latency_ms / 1000, chunk))
            await queue.put((0.0, b""))  # end of stream
            await writer
        except (ConnectionError, OSError):
            pass
        finally:
            writer.cancel()

    async def _write_delayed(
        self, queue: "asyncio.Queue[tuple[float, bytes]]", target: asyncio.StreamWriter, up: bool
    ) -> None:
        while True:
            due, chunk = await queue.get()
            if not chunk:
                return
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if self.mode == "black_hole":
                continue
            target.write(chunk)
            await target.drain()
            if up:
                self.bytes_up += len(chunk)
            else:
                self.bytes_down += len(chunk)


class LinkHost:
    """An event loop of its own, in a daemon thread, for links whose forwarding must not wait
    for their caller's loop. In the fault suite the driver's loop also runs the referral
    stream, the simulated partner and the checks: under load, links on it added 90-120 ms
    (median; up to 1.7 s) to every PostgreSQL round trip in pass-through (a separate proxy
    process: under 1 ms), a latency fault of their own. On the host's loop a chunk waits at
    most for the GIL, not for the driver's coroutines."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="tcp-proxy", daemon=True)
        self._thread.start()

    async def run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run ``coroutine`` on the host's loop and wait for it (from the caller's loop)."""
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    def call(self, function: Callable[[], None]) -> None:
        """Have the host's loop call ``function`` soon (cut, delay, restore: they touch its
        transports, which belong to that loop)."""
        self.loop.call_soon_threadsafe(function)

    def close(self) -> None:
        """Stop the loop and its thread (stop the links first)."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self.loop.close()


@dataclass(eq=False)
class LinkGroup:
    """Several links that fail together: one path from a client to a backend that the client
    reaches at several addresses (a Kafka client connects to every broker of a cluster, each
    through a link of its own). `cut`, `delay` and `restore` apply to every link, so a partition
    cuts the client from every broker and latency slows all its connections; the counters are
    the sums. A group of one link behaves, and reports, like that link."""

    name: str
    links: list[Link]
    host: LinkHost | None = None  # None: the links run on the caller's loop

    async def start(self) -> None:
        """Start every link; raises OSError when a port is taken (the started ones are stopped)."""
        try:
            for link in self.links:
                await self._on_host(link.start())
        except OSError:
            await self.stop()
            raise

    async def stop(self) -> None:
        for link in self.links:
            await self._on_host(link.stop())

    def delay(self, latency_ms: float) -> None:
        """Every link's `Link.delay` (on a host: applied by its loop within moments)."""
        for link in self.links:
            self._call(functools.partial(link.delay, latency_ms))

    def cut(self, black_hole: bool = False) -> None:
        """Every link's `Link.cut` (on a host: applied by its loop within moments)."""
        for link in self.links:
            self._call(functools.partial(link.cut, black_hole=black_hole))

    def restore(self) -> None:
        for link in self.links:
            self._call(link.restore)

    async def _on_host(self, coroutine: Coroutine[Any, Any, None]) -> None:
        if self.host is None:
            await coroutine
        else:
            await self.host.run(coroutine)

    def _call(self, function: Callable[[], None]) -> None:
        if self.host is None:
            function()
        else:
            self.host.call(function)

    @property
    def listen_ports(self) -> list[int]:
        return [link.listen_port for link in self.links]

    @property
    def open_connections(self) -> int:
        return sum(link.open_connections for link in self.links)

    @property
    def bytes_down(self) -> int:
        return sum(link.bytes_down for link in self.links)

    def counters(self) -> str:
        """``name: N connections, U B up, D B down, R reset`` summed over the links; with more
        than one link, then the connections per link (in the order of `links`)."""
        total = (
            f"{self.name}: {sum(x.accepted for x in self.links)} connections,"
            f" {sum(x.bytes_up for x in self.links)} B up, {self.bytes_down} B down,"
            f" {sum(x.reset for x in self.links)} reset"
        )
        if len(self.links) == 1:
            return total
        return f"{total} (connections per link {'/'.join(str(x.accepted) for x in self.links)})"


async def _drain_forever(reader: asyncio.StreamReader) -> None:
    """Read and drop until the client gives up."""
    with contextlib.suppress(ConnectionError, OSError):
        while await reader.read(CHUNK):
            pass


async def _serve_forever(listen_port: int, upstream: str) -> None:
    host, _, port = upstream.rpartition(":")
    link = Link("cli", listen_port, host, int(port))
    await link.start()
    print(f"127.0.0.1:{listen_port} -> {upstream}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_serve_forever(int(sys.argv[1]), sys.argv[2]))
