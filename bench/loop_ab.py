"""CPU per HTTP request of one service process under each event loop and HTTP parser (issue 16).

    uv run python bench/loop_ab.py [--rounds 3] [--requests 400]

Casefile runs as its own OS process (`python -m casefile.main`, as `make run` starts it) on a
scratch database, once per variant and round, the variants alternating (A B B A ...) so that a
change in the machine's load hits both alike. Each time, after a warm-up, `--requests` requests
of two kinds are sent from 16 clients: `GET /health` (the edge alone: parser, middleware, event
loop) and `POST /cases` (a real write: validation, encryption, one transaction, an outbox row,
the relay's publish). The figure is the process's own CPU time (user + system, from /proc) per
request, which a busy machine inflates far less than wall-clock rates; the ratio of the two
variants' medians is what counts.
"""

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from hub_demo.client import HubClient
from hub_demo.processes import HubProcesses
from hub_runtime.kafka import delete_topics_with_prefix

from bench.common import LOG_DIR, bench_settings, run_prefix, scratch_databases
from bench.endtoend import PERSON, cpu_seconds

VARIANTS = {
    "uvloop + httptools": {"HUB_EVENT_LOOP": "uvloop", "HUB_HTTP_PARSER": "httptools"},
    "asyncio + h11": {"HUB_EVENT_LOOP": "asyncio", "HUB_HTTP_PARSER": "h11"},
}
CONCURRENCY = 16


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def _cpu_per_request(pid: int, count: int, send: Callable[[], Awaitable[object]]) -> float:
    """CPU ms of process `pid` per request, over `count` requests from CONCURRENCY clients."""
    remaining = count

    async def client() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await send()

    before = cpu_seconds(pid)
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    await asyncio.sleep(0.5)  # the relay publishes what the last requests wrote
    return 1000 * (cpu_seconds(pid) - before) / count


async def one_round(
    variant: str, requests: int, databases: dict[str, str], prefix: str
) -> dict[str, float]:
    hub = bench_settings(prefix)
    processes = HubProcesses(hub, databases, LOG_DIR / "loop-ab", extra_env=VARIANTS[variant])
    casefile = processes.services["casefile"]
    await casefile.start()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            client = HubClient(processes.urls(), hub.jwt_secret.get_secret_value(), http)

            async def health() -> object:
                return (await http.get(f"{casefile.url}/health")).raise_for_status()

            opened = itertools.count()

            async def open_case() -> object:
                # Each case another person: casefile refuses a second open case for one person.
                person = {**PERSON, "name": f"{PERSON['name']} {next(opened)}"}
                return await client.open_case(person, household=[])

            await _cpu_per_request(casefile.pid, 100, health)  # warm-up
            await _cpu_per_request(casefile.pid, 50, open_case)
            return {
                "GET /health": await _cpu_per_request(casefile.pid, requests, health),
                "POST /cases": await _cpu_per_request(casefile.pid, requests // 2, open_case),
            }
    finally:
        await casefile.stop()


async def main(args: argparse.Namespace) -> None:
    prefix = run_prefix("loop")
    hub = bench_settings(prefix)
    figures: dict[str, dict[str, list[float]]] = {v: {} for v in VARIANTS}
    try:
        async with scratch_databases(
            hub, "casefile", "referral", "partner_gateway", "signals"
        ) as dbs:
            order = list(VARIANTS)
            for round_no in range(args.rounds):
                for variant in order if round_no % 2 == 0 else reversed(order):
                    say(f"round {round_no + 1}: {variant}")
                    result = await one_round(variant, args.requests, dbs, prefix)
                    for kind, ms in result.items():
                        figures[variant].setdefault(kind, []).append(ms)
    finally:
        await delete_topics_with_prefix(hub, hub.topic_prefix)
    new, base = list(VARIANTS)
    print(f"casefile process CPU ms per request, median of {args.rounds} rounds (each round's)")
    for kind in figures[new]:
        a, b = statistics.median(figures[new][kind]), statistics.median(figures[base][kind])
        print(
            f"  {kind:<12} {new}: {a:.2f} {_each(figures[new][kind])}"
            f"  {base}: {b:.2f} {_each(figures[base][kind])}  ratio {a / b:.2f}"
        )


def _each(values: list[float]) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in values) + ")"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs of each variant")
    parser.add_argument("--requests", type=int, default=400, help="GET /health per run")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
