"""`make profile` (also the last step of `make bench`): where each service spends its CPU.

    uv run python bench/profile.py [--referrals 300] [--clients 32] [--top 15]

A run of its own, never one whose figures are reported (a sampler costs the sampled process
CPU): the four services start as processes on scratch databases, cases are prepared, and while
a closed loop of referrals runs, py-spy samples each service (`py-spy record --pid`, 100 Hz,
non-blocking, `--gil`: only the thread holding the GIL, i.e. running Python or C code called
from it; system calls that release it, such as a socket's send or the event loop's wait, are
left out). Without `--gil`, py-spy counted a thread as busy whenever the kernel had it runnable:
on an oversubscribed machine, half the "CPU" was the event loop's select and thread waits.
The profiles are written as speedscope files (open them at speedscope.app, or with
`npx speedscope FILE`) under bench/artifacts/profiles/ (git-ignored), and each service's top
functions by CPU are printed, "self" (samples in which the function itself was running) and
"total" (samples in which it was on the stack).

py-spy attaches with ptrace; where that is refused (a container without CAP_SYS_PTRACE, or
kernel.yama.ptrace_scope >= 2) the run says so and prints no profile for that service.
"""

import argparse
import asyncio
import contextlib
import json
import shutil
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
import httpx
from hub_demo.client import HubClient
from hub_demo.identities import production_identities
from hub_demo.inprocess import connect_simulated_partner
from hub_demo.processes import HubProcesses
from hub_runtime.db import dsn_for_database
from hub_runtime.kafka import delete_topics_with_prefix
from hub_runtime.settings import HubSettings
from partner_gateway.simulator.app import PartnerSimulator

from bench import endtoend
from bench.common import LOG_DIR, ROOT, bench_settings, run_prefix, scratch_databases

ARTIFACTS = ROOT / "bench" / "artifacts" / "profiles"
SAMPLE_RATE_HZ = 100


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def py_spy() -> str:
    """The py-spy executable of this environment (a dev dependency)."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy is not installed: run `make setup`")
    return found


@dataclass
class Recording:
    service: str
    output: Path
    process: asyncio.subprocess.Process
    log: Path


async def start_recording(service: str, pid: int) -> Recording:
    """py-spy attached to `pid`, sampling until `stop_recording`."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    output = ARTIFACTS / f"{service}.speedscope.json"
    log = ARTIFACTS / f"{service}.py-spy.log"
    output.unlink(missing_ok=True)
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            py_spy(), "record", "--pid", str(pid), "--rate", str(SAMPLE_RATE_HZ),
            "--nonblocking", "--gil", "--format", "speedscope", "--output", str(output),
            stdout=sink, stderr=sink,
        )  # fmt: skip
    return Recording(service, output, process, log)


async def stop_recording(recording: Recording) -> str | None:
    """Stop sampling (SIGINT makes py-spy write its file); None, or why there is no profile."""
    if recording.process.returncode is None:
        recording.process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(recording.process.wait(), timeout=60)
        except TimeoutError:
            recording.process.kill()
            await recording.process.wait()
    if recording.output.exists():
        return None
    return recording.log.read_text(errors="replace").strip()[-300:] or "py-spy wrote nothing"


@dataclass(frozen=True)
class TopFunctions:
    samples: int
    by_self: list[tuple[str, int]]
    by_total: list[tuple[str, int]]


def top_functions(speedscope: Path, top: int) -> TopFunctions:
    """Each function's samples from a py-spy speedscope file (all threads; stacks are listed
    root first): `self` counts the leaf frame, `total` each function once per stack."""
    document = json.loads(speedscope.read_text())
    frames = document["shared"]["frames"]
    names = [f"{f['name']} ({_short(f.get('file') or '?')}:{f.get('line') or 0})" for f in frames]
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for profile in document["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not stack:
                continue
            n = round(weight * SAMPLE_RATE_HZ) or 1
            samples += n
            own[names[stack[-1]]] += n
            for name in {names[i] for i in stack}:
                total[name] += n
    return TopFunctions(samples, own.most_common(top), total.most_common(top))


def _short(path: str) -> str:
    """A source path from its package on (site-packages/... or src/...)."""
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def report(service: str, found: TopFunctions) -> str:
    lines = [f"{service.upper()}: {found.samples} samples of CPU (100 Hz)"]
    for title, rows in (("self", found.by_self), ("total", found.by_total)):
        lines.append(f"  top by {title} (% of the service's CPU samples)")
        lines += [f"    {100 * n / max(found.samples, 1):5.1f}%  {name}" for name, n in rows]
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    hub = bench_settings(run_prefix("prof"))
    try:
        async with (
            scratch_databases(hub, "casefile", "referral", "partner_gateway", "signals") as dbs,
            production_identities(hub, dbs) as identities,
        ):
            failures = await profile_run(hub, dbs, identities, args)
    finally:
        await delete_topics_with_prefix(hub, hub.topic_prefix)
    for service, why in failures.items():
        print(f"{service.upper()}: no profile: py-spy failed ({why})")
    for path in sorted(ARTIFACTS.glob("*.speedscope.json")):
        print(report(path.name.split(".")[0], top_functions(path, args.top)))
    print(f"profiles (speedscope): {ARTIFACTS}")


async def profile_run(
    hub: HubSettings,
    dbs: dict[str, str],
    identities: dict[str, dict[str, str]],
    args: argparse.Namespace,
) -> dict[str, str]:
    """The closed loop under py-spy, each service under its own identity (``identities``);
    {service: why} for each service left without a profile."""
    processes = HubProcesses(
        hub, dbs, LOG_DIR / "profile", extra_env=endtoend.GATEWAY_ENV, service_env=identities
    )
    pool = await asyncpg.create_pool(
        dsn_for_database(hub.pg_dsn, dbs["casefile"]), min_size=1, max_size=2
    )
    referral_pool = await asyncpg.create_pool(
        dsn_for_database(hub.pg_dsn, dbs["referral"]), min_size=1, max_size=2
    )
    assert pool is not None
    assert referral_pool is not None
    client: HubClient | None = None
    simulators: list[PartnerSimulator] = []
    probing: asyncio.Task[None] | None = None
    try:
        say("starting the four services as processes")
        await processes.start_all()
        pids = {name: service.pid for name, service in processes.services.items()}
        client = HubClient(processes.urls(), hub.jwt_secret.get_secret_value(),
                           httpx.AsyncClient(timeout=30))  # fmt: skip
        partners = [await client.register_partner(f"Profile partner {i}") for i in range(4)]
        simulators = [await connect_simulated_partner(client, p) for p in partners]
        say(f"preparing {args.referrals} cases")
        cases = await endtoend.prepare_cases(client, partners, args.referrals)
        await endtoend.wait_for_referral_view(referral_pool, cases)
        probe = endtoend.TimelineProbe(pool)
        probing = asyncio.create_task(probe.run())
        recordings = [await start_recording(name, pid) for name, pid in pids.items()]
        await asyncio.sleep(0.5)  # py-spy attached
        say(f"profiling a closed loop of {args.referrals} referrals, {args.clients} clients")
        phase = await endtoend.closed_loop("profiled", client, probe, cases, args.clients, pids)
        say(f"{phase.completed} accepted at {phase.rate:.1f}/s (under the sampler)")
        failures: dict[str, str] = {}
        for recording in recordings:
            why = await stop_recording(recording)
            if why is not None:
                failures[recording.service] = why
        return failures
    finally:
        if probing is not None:
            probing.cancel()
        for simulator in simulators:
            await simulator.stop()
        if client is not None:
            await client.aclose()
        await pool.close()
        await referral_pool.close()
        with contextlib.suppress(Exception):
            await processes.stop_all()


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--referrals", type=int, default=300, help="closed-loop referrals")
    parser.add_argument("--clients", type=int, default=32, help="closed-loop concurrency")
    parser.add_argument("--top", type=int, default=15, help="functions listed per service")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
