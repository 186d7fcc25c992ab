"""`make profile` (also the last step of `make bench`): where each service spends its CPU.

    uv run python bench/profile.py [--referrals 300] [--clients 32] [--top 15]

A run of its own, never one whose figures are reported (a sampler costs the sampled process
CPU): the four services start as processes, cases are prepared (`bench.loaded_hub`), and while
a closed loop of referrals runs, py-spy samples each service (`py-spy record --pid --native`,
100 Hz), its native frames included. A sample counts as CPU only when the thread was running:
samples whose innermost frame is a system call that waits or moves bytes (`write`, `send`,
`epoll_wait`, a lock or condition wait, ...) and idle worker threads are left out, and their
share is printed. That matters: py-spy reads stacks by wall clock, and on a saturated 2-core
machine a service writing to PostgreSQL or Kafka over loopback is often preempted inside
`write` (the kernel runs the woken reader at once), so the earlier `--gil` profiles billed that
wait to asyncpg's `execute` (30-40% "self"), while `perf` showed 73% of the gateway's CPU in the
interpreter and 4% in asyncpg's Cython code (see the README, issue 16). Each service's samples
are first divided by activity (`activity`: each HTTP route's endpoint, the rest of the HTTP
edge, the consumer, the delivery worker, the relay, the Kafka client's own tasks); then its top
functions are printed by "self" (samples whose innermost Python frame is the function: time in
the C code it calls is its own), by "total" (samples with the function anywhere on the stack),
and by package (the innermost Python frame's). The profiles are written as speedscope files
(speedscope.app, or `npx speedscope FILE`) under bench/artifacts/profiles/ (git-ignored).

py-spy attaches with ptrace; where that is refused (a container without CAP_SYS_PTRACE, or
kernel.yama.ptrace_scope >= 2) the run says so and prints no profile for that service.
"""

import argparse
import asyncio
import json
import shutil
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable as a package
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import endtoend
from bench.common import ROOT
from bench.loaded_hub import loaded_hub, say

ARTIFACTS = ROOT / "bench" / "artifacts" / "profiles"
SAMPLE_RATE_HZ = 100


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
            "--native", "--format", "speedscope", "--output", str(output),
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


WAITS_AND_IO = frozenset({
    "write", "writev", "send", "sendto", "sendmsg", "read", "readv", "recv", "recvfrom",
    "recvmsg", "epoll_wait", "epoll_pwait", "poll", "ppoll", "select", "pselect",
    "PyThread_acquire_lock_timed", "pthread_cond_wait", "pthread_cond_timedwait",
    "sem_wait", "sem_timedwait", "sem_clockwait", "nanosleep", "clock_nanosleep",
})  # fmt: skip
"""Native frames of a thread that waits or moves bytes in a system call: such a sample is not
the service's CPU (a thread preempted inside `write` shows there too)."""


@dataclass(frozen=True)
class TopFunctions:
    samples: int
    waiting: int
    by_self: list[tuple[str, int]]
    by_total: list[tuple[str, int]]
    by_package: list[tuple[str, int]]
    by_activity: list[tuple[str, int]]


ACTIVITIES = (
    ("apply_poll", "Kafka consumer: a poll's records validated and applied"),
    ("RecordApplier.process_batch", "Kafka consumer: a poll's records validated and applied"),
    ("_run_consume_loop", "Kafka consumer: FastStream's loop around the polls"),
    ("DeliveryWorker", "webhook delivery worker"),
    ("OutboxRelay", "outbox relay"),
    ("Fetcher.", "Kafka client: fetching"),
    ("AIOKafka", "Kafka client: sending, group protocol, metadata"),
    ("GroupCoordinator", "Kafka client: sending, group protocol, metadata"),
    ("Sender.", "Kafka client: sending, group protocol, metadata"),
)
"""What a sample outside an HTTP request was doing: the first of these frame names (by
substring) found from the root of its stack."""


def activity(names: list[str], files: list[str]) -> str:
    """A sample's activity, from its Python frames (root first): a route's endpoint (the frame
    FastAPI's `run_endpoint_function` calls) by its source and name; the rest of a request
    (server, middleware, routing, dependencies such as the token check, the response) as
    "HTTP edge"; else the first of `ACTIVITIES`; else "other"."""
    for index, name in enumerate(names):
        if name.endswith("run_endpoint_function") and index + 1 < len(names):
            endpoint = names[index + 1].rsplit(".", 1)[-1]
            return f"HTTP route {_short(files[index + 1])}: {endpoint}"
    if any(name.endswith("run_asgi") for name in names):
        return "HTTP edge: server, middleware, routing, dependencies, response"
    for marker, label in ACTIVITIES:
        if any(marker in name for name in names):
            return label
    return "other: event loop, timers, gauges"


def top_functions(speedscope: Path, top: int) -> TopFunctions:
    """Each function's on-CPU samples from a py-spy speedscope file recorded with `--native`
    (all threads; stacks are listed root first): a sample with a frame of `WAITS_AND_IO` among
    its innermost four is counted as waiting and left out; of the others, `self` counts the
    innermost Python frame, `total` each Python function once per stack, `package` the
    innermost Python frame's package."""
    document = json.loads(speedscope.read_text())
    frames = document["shared"]["frames"]
    names = [f"{f['name']} ({_short(f.get('file') or '?')}:{f.get('line') or 0})" for f in frames]
    python = [(f.get("file") or "").endswith(".py") for f in frames]
    packages = [_package(f.get("file") or "?") for f in frames]
    waits = [f["name"] in WAITS_AND_IO for f in frames]
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    package: Counter[str] = Counter()
    activities: Counter[str] = Counter()
    samples = waiting = 0
    for profile in document["profiles"]:
        for stack, weight in zip(profile["samples"], profile["weights"], strict=True):
            n = round(weight * SAMPLE_RATE_HZ) or 1
            if not stack or any(waits[i] for i in stack[-4:]):
                waiting += n
                continue
            in_python = [i for i in stack if python[i]]
            innermost = in_python[-1] if in_python else stack[-1]
            samples += n
            own[names[innermost]] += n
            package[packages[innermost]] += n
            for name in {names[i] for i in in_python}:
                total[name] += n
            labels = [frames[i]["name"] for i in in_python]
            activities[activity(labels, [frames[i].get("file") or "?" for i in in_python])] += n
    return TopFunctions(
        samples,
        waiting,
        own.most_common(top),
        total.most_common(top),
        package.most_common(top),
        activities.most_common(top),
    )


def _short(path: str) -> str:
    """A source path from its package on (site-packages/... or src/...)."""
    for marker in ("site-packages/", "/src/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _package(path: str) -> str:
    """The top-level package of a source path ("stdlib" for the standard library's)."""
    if "site-packages/" in path or "/src/" in path:
        return _short(path).split("/", 1)[0]
    return "stdlib" if "lib/python3.11/" in path else "native"


def report(service: str, found: TopFunctions) -> str:
    share = 100 * found.waiting / max(found.samples + found.waiting, 1)
    lines = [
        f"{service.upper()}: {found.samples} samples on CPU (100 Hz); {found.waiting} more"
        f" ({share:.0f}%) waiting or in I/O system calls, left out"
    ]
    titles = (
        ("activity", found.by_activity),
        ("self", found.by_self),
        ("total", found.by_total),
        ("package", found.by_package),
    )
    for title, rows in titles:
        lines.append(f"  top by {title} (% of the service's samples on CPU)")
        lines += [f"    {100 * n / max(found.samples, 1):5.1f}%  {name}" for name, n in rows]
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    failures: dict[str, str] = {}
    async with loaded_hub("prof", args.referrals) as hub:
        recordings = [await start_recording(name, pid) for name, pid in hub.pids.items()]
        await asyncio.sleep(0.5)  # py-spy attached
        say(f"profiling a closed loop of {args.referrals} referrals, {args.clients} clients")
        phase = await endtoend.closed_loop(
            "profiled", hub.client, hub.probe, hub.cases, args.clients, hub.pids
        )
        say(f"{phase.completed} accepted at {phase.rate:.1f}/s (under the sampler)")
        for recording in recordings:
            why = await stop_recording(recording)
            if why is not None:
                failures[recording.service] = why
    for service, why in failures.items():
        print(f"{service.upper()}: no profile: py-spy failed ({why})")
    for path in sorted(ARTIFACTS.glob("*.speedscope.json")):
        print(report(path.name.split(".")[0], top_functions(path, args.top)))
    print(f"profiles (speedscope): {ARTIFACTS}")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--referrals", type=int, default=300, help="closed-loop referrals")
    parser.add_argument("--clients", type=int, default=32, help="closed-loop concurrency")
    parser.add_argument("--top", type=int, default=15, help="functions listed per service")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
