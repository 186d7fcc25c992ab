"""The fault suite's TCP proxy (hub_demo.tcp_proxy) against a local echo server: pass-through,
added latency, a cut (reset), a black hole, and the heal after each; a group of links (one per
broker) failing together."""

import asyncio
import concurrent.futures
import socket
import time
from collections.abc import AsyncIterator

import pytest
from hub_demo.processes import free_port
from hub_demo.tcp_proxy import Link, LinkGroup, LinkHost


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


@pytest.fixture
async def link() -> AsyncIterator[Link]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    proxy = Link("test", free_port(), "127.0.0.1", port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()
        server.close()


async def _round_trip(link: Link, payload: bytes = b"ping") -> tuple[bytes, float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", link.listen_port)
    started = time.monotonic()
    writer.write(payload)
    answer = await asyncio.wait_for(reader.readexactly(len(payload)), 5)
    took = time.monotonic() - started
    writer.close()
    return answer, took


async def test_pass_through_counts_the_bytes(link: Link) -> None:
    answer, _ = await _round_trip(link, b"hello")
    assert answer == b"hello"
    assert (link.bytes_up, link.bytes_down, link.accepted) == (5, 5, 1)


async def test_latency_is_added_in_each_direction(link: Link) -> None:
    _, quick = await _round_trip(link)
    link.delay(150)
    answer, slow = await _round_trip(link)
    assert answer == b"ping"
    assert slow >= 0.3  # 150 ms up and 150 ms down
    assert slow > quick + 0.25
    link.restore()
    _, again = await _round_trip(link)
    assert again < 0.25


async def test_a_cut_resets_open_and_new_connections_until_restored(link: Link) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", link.listen_port)
    writer.write(b"a")
    assert await reader.readexactly(1) == b"a"
    link.cut()
    assert await reader.read(10) == b""  # the open connection was dropped
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        await _round_trip(link)  # a new one too
    assert link.reset >= 2
    link.restore()
    assert (await _round_trip(link))[0] == b"ping"


async def test_a_black_hole_answers_nothing_until_restored(link: Link) -> None:
    link.cut(black_hole=True)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(_round_trip(link), 0.5)
    link.restore()
    assert (await _round_trip(link))[0] == b"ping"


async def test_a_group_cuts_slows_and_restores_every_link_and_sums_the_counters() -> None:
    """One link per broker of a cluster: the group fails as one path."""
    servers = [await asyncio.start_server(_echo, "127.0.0.1", 0) for _ in range(3)]
    group = LinkGroup(
        "svc-kafka",
        [
            Link(f"svc-kafka-node{n}", free_port(), "127.0.0.1", s.sockets[0].getsockname()[1])
            for n, s in enumerate(servers, start=1)
        ],
    )
    await group.start()
    try:
        for link in group.links:
            assert (await _round_trip(link, b"hi"))[0] == b"hi"
        assert group.bytes_down == 6
        assert group.counters() == (
            "svc-kafka: 3 connections, 6 B up, 6 B down, 0 reset (connections per link 1/1/1)"
        )
        group.cut()
        for link in group.links:
            with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
                await _round_trip(link)
        group.restore()
        group.delay(150)
        for link in group.links:
            assert (await _round_trip(link))[1] >= 0.3
        group.restore()
        assert all(link.mode == "pass" and link.latency_ms == 0 for link in group.links)
    finally:
        await group.stop()
        for server in servers:
            server.close()


async def test_a_group_of_one_link_reports_like_the_link(link: Link) -> None:
    await _round_trip(link, b"hello")
    assert LinkGroup(link.name, [link]).counters() == link.counters()


def _blocking_round_trip(port: int, payload: bytes = b"ping") -> float:
    """A round trip over a plain socket (no event loop): seconds it took."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        started = time.monotonic()
        conn.sendall(payload)
        assert conn.recv(len(payload)) == payload
        return time.monotonic() - started


async def test_a_hosted_group_forwards_while_the_callers_loop_is_busy() -> None:
    """On a `LinkHost` the links do not wait for the caller's loop (the fault suite's driver,
    busy with the stream): a round trip completes while that loop is blocked; cut and restore
    still apply."""
    host = LinkHost()
    servers: list[asyncio.Server] = []
    echo_port = free_port()

    async def serve_echo() -> None:  # on the host's loop: it must answer while ours is blocked
        servers.append(await asyncio.start_server(_echo, "127.0.0.1", echo_port))

    await host.run(serve_echo())
    group = LinkGroup("svc-postgres", [Link("svc-postgres", free_port(), "127.0.0.1", echo_port)])
    group.host = host
    await group.start()
    try:
        port = group.listen_ports[0]
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            took = pool.submit(_blocking_round_trip, port)
            time.sleep(0.5)  # noqa: ASYNC251 - on purpose: this loop blocked, as a busy driver
            assert took.result(5) < 0.4  # an unhosted link could not forward meanwhile
        group.cut()
        await asyncio.sleep(0.1)
        with pytest.raises((OSError, AssertionError)):  # reset, or closed before an answer
            await asyncio.to_thread(_blocking_round_trip, port)
        group.restore()
        await asyncio.sleep(0.1)
        assert await asyncio.to_thread(_blocking_round_trip, port) < 1
        assert group.counters().startswith("svc-postgres: 2 connections")  # the cut one: reset
    finally:
        await group.stop()
        for server in servers:
            host.call(server.close)
        host.close()
