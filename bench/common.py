"""Shared helpers: stack settings, scratch databases, percentiles, resident memory."""

import contextlib
import math
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import asyncpg
from hub_runtime.db import dsn_for_database
from hub_runtime.settings import HubSettings
from hub_runtime.testing import stack_env, stack_transport

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / ".hub" / "bench"


class StackMissingError(RuntimeError):
    """`.hub/stack.env` is absent: `infra/stack.sh up` has not run."""


def bench_settings(prefix: str) -> HubSettings:
    """The stack's addresses with the services' production defaults and a topic prefix of
    this run (not the test settings of `stack_settings()`, which shorten poll intervals)."""
    env = stack_env()
    if "HUB_KAFKA_BOOTSTRAP" not in env or "HUB_PG_DSN" not in env:
        raise StackMissingError("the stack is not running: run `infra/stack.sh up` first")
    return HubSettings(
        kafka_bootstrap=env["HUB_KAFKA_BOOTSTRAP"],
        pg_dsn=env["HUB_PG_DSN"],
        **stack_transport(env),  # type: ignore[arg-type]
        topic_prefix=prefix,
        env="development",  # the simulated partners listen on loopback
    )


def run_prefix(tag: str) -> str:
    """A topic prefix of its own (also the consumer groups' prefix)."""
    return f"bench-{uuid.uuid4().hex[:6]}-{tag}."


@contextlib.asynccontextmanager
async def scratch_databases(hub: HubSettings, *purposes: str) -> AsyncIterator[dict[str, str]]:
    """New empty databases (purpose -> name), dropped afterwards even when the run fails."""
    names = {purpose: f"bench_{uuid.uuid4().hex[:10]}" for purpose in purposes}
    admin = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
    try:
        for name in names.values():
            # Identifiers cannot be parameters; the names are generated above.
            await admin.execute(f'CREATE DATABASE "{name}"')
        yield names
    finally:
        for name in names.values():
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def rss_of(pid: int) -> int:
    """Resident memory of a process now, in bytes (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except FileNotFoundError:
        return 0
    return 0


def mb(n_bytes: float) -> float:
    return n_bytes / (1024 * 1024)
