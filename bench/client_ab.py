"""CPU of one outgoing HTTP call, httpx against aiohttp, alternating in one process (issue 16).

    uv run python bench/client_ab.py [--rounds 4] [--calls 2000]

The services make two outgoing calls per referral: the gateway's disclosure POST to casefile
and its signed webhook to the partner (referral's read-your-writes check is a third, now and
then). This measures what such a call costs the CALLER: a small server (Starlette on uvicorn
with uvloop and httptools, as the services run) is started as its own process on a loopback
port; this process then sends ``--calls`` JSON POSTs of about 400 bytes from 8 concurrent
tasks on one pooled client of each library, with a bearer token and a JSON answer parsed, as
`hub_runtime.service_client` does. The figure is this process's own CPU time (user + system)
per call; the variants alternate (A B, then B A) so that a change in the machine's load hits
both alike, and the median of the rounds' ratios aiohttp / httpx (below 1 is cheaper) is what
counts. No stack needed.
"""

import argparse
import asyncio
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
import httpx
import uvloop

BODY = b'{"case_id": "7c0b8f9e-3a1d-4a55-9a55-0c9e51f7b1a2", "purpose": "return"}' * 6
HEADERS = {"content-type": "application/json", "authorization": "Bearer " + "x" * 200}
CONCURRENCY = 8

SERVER = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

async def answer(request):
    await request.body()
    return Response(b'{"categories": {"identity": {}}}', media_type="application/json")

app = Starlette(routes=[Route("/call", answer, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), loop="uvloop", http="httptools",
            access_log=False, log_level="warning")
"""


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _spread(count: int, call: Callable[[], Awaitable[None]]) -> None:
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def with_httpx(base_url: str, count: int) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:

        async def call() -> None:
            response = await client.post("/call", content=BODY, headers=HEADERS)
            assert response.status_code == 200
            response.json()

        await _spread(count, call)


async def with_aiohttp(base_url: str, count: int) -> None:
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(base_url=base_url, timeout=timeout) as session:

        async def call() -> None:
            async with session.post("/call", data=BODY, headers=HEADERS) as response:
                assert response.status == 200
                await response.json()

        await _spread(count, call)


VARIANTS: dict[str, Callable[[str, int], Coroutine[Any, Any, None]]] = {
    "httpx": with_httpx,
    "aiohttp": with_aiohttp,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the bench server did not listen on {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own interpreter, a constant script)
        [sys.executable, "-c", SERVER, str(port)]
    )
    try:
        wait_for(port)
        base_url = f"http://127.0.0.1:{port}"
        per_call: dict[str, list[float]] = {name: [] for name in VARIANTS}
        ratios: list[float] = []
        for round_number in range(args.rounds):
            order = list(VARIANTS) if round_number % 2 == 0 else list(reversed(VARIANTS))
            figures: dict[str, float] = {}
            for name in order:
                uvloop.run(VARIANTS[name](base_url, 200))  # warm-up: connections, imports
                before = cpu_seconds()
                uvloop.run(VARIANTS[name](base_url, args.calls))
                figures[name] = 1000 * (cpu_seconds() - before) / args.calls
                per_call[name].append(figures[name])
            ratios.append(figures["aiohttp"] / figures["httpx"])
            print(
                f"round {round_number + 1}: httpx {figures['httpx']:.3f} ms,"
                f" aiohttp {figures['aiohttp']:.3f} ms per call",
                file=sys.stderr,
            )
    finally:
        server.terminate()
        server.wait()
    for name, values in per_call.items():
        print(f"{name}: {statistics.median(values):.3f} ms of caller CPU per call (median)")
    print(f"aiohttp / httpx: {statistics.median(ratios):.2f} (median of {len(ratios)} rounds)")


if __name__ == "__main__":
    main()
