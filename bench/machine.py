"""The machine a run came from: a figure without it means little."""

import asyncio
import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from hub_runtime.db import dsn_for_database
from hub_runtime.settings import HubSettings
from hub_runtime.testing import stack_env


@dataclass(frozen=True)
class Machine:
    date: str
    cpus: int
    cpu_model: str
    memory_gb: float
    kernel: str
    python: str
    kafka: str
    postgres: str

    def lines(self) -> list[tuple[str, str]]:
        return [
            ("date (UTC)", self.date),
            ("CPUs (nproc)", str(self.cpus)),
            ("CPU model", self.cpu_model),
            ("memory", f"{self.memory_gb:.1f} GB"),
            ("kernel", self.kernel),
            ("Python", self.python),
            ("Kafka", self.kafka),
            ("PostgreSQL", self.postgres),
        ]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / (1024 * 1024)
    return 0.0


def _jiffies() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


async def busy_percent(seconds: float = 2.0) -> float:
    """How busy all CPUs are before the run starts (other work skews every figure)."""
    busy0, total0 = _jiffies()
    await asyncio.sleep(seconds)
    busy1, total1 = _jiffies()
    return 100 * (busy1 - busy0) / max(1, total1 - total0)


# Command-line markers of work that competes with a run: hub services, test suites, brokers.
_COMPETITORS = (
    "casefile.main",
    "referral.main",
    "partner_gateway.main",
    "signals.main",
    "partner_gateway.simulator",
    "hub_demo.chaos",
    "pytest",
    "bench/run.py",
    "kafka.Kafka",
)


def _cmdline_and_parent(pid: str) -> tuple[str, int]:
    base = Path("/proc") / pid
    cmd = base.joinpath("cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    parent = int(base.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
    return cmd, parent


def _ancestors(pid: int) -> set[int]:
    chain = {pid}
    while pid > 1:
        try:
            pid = _cmdline_and_parent(str(pid))[1]
        except (OSError, IndexError, ValueError):
            break
        chain.add(pid)
    return chain


def competitors() -> dict[str, set[int]]:
    """Processes of the kinds above that this run did not start (marker -> pids)."""
    me = os.getpid()
    ours = _ancestors(me)  # this process and whatever started it (make, uv, a shell)
    found: dict[str, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in ours:
            continue
        try:
            cmd, parent = _cmdline_and_parent(entry.name)
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile, or a kernel thread
        if parent == me or Path(cmd.split(" ", 1)[0]).name in ("uv", "timeout", "make"):
            continue  # our own service processes; wrappers are counted by their child
        for marker in _COMPETITORS:
            if marker in cmd:
                found.setdefault(marker, set()).add(int(entry.name))
    return found


class CompetitorWatch:
    """Samples competing processes every few seconds for the whole run."""

    def __init__(self) -> None:
        self.seen: dict[str, set[int]] = {}

    def sample(self) -> None:
        for marker, pids in competitors().items():
            self.seen.setdefault(marker, set()).update(pids)

    async def run(self, interval: float = 5.0) -> None:
        while True:
            self.sample()
            await asyncio.sleep(interval)

    def summary(self) -> str:
        # One Kafka broker is the stack's own; more are someone else's.
        seen = {m: len(p) - (1 if m == "kafka.Kafka" else 0) for m, p in self.seen.items()}
        parts = [f"{m} x{n}" for m, n in sorted(seen.items()) if n > 0]
        return ", ".join(parts)


async def describe(hub: HubSettings) -> Machine:
    conn = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
    try:
        postgres = str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
    return Machine(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        cpus=os.cpu_count() or 0,
        cpu_model=_cpu_model(),
        memory_gb=_memory_gb(),
        kernel=platform.release(),
        python=platform.python_version(),
        kafka=stack_env().get("HUB_KAFKA_VERSION", "unknown") + " (KRaft, single broker)",
        postgres=postgres,
    )
