"""Child processes of the failover tests, killed by SIGKILL.

A child (``consume_until_killed.py``, ``relay_until_killed.py``) is a real process on the stack,
as a service instance is; SIGKILL ends it with no clean-up at all (no offset commit, no leaving
the group, no lock released by the process itself), which is what those tests are about.
"""

import asyncio
import os
import signal
import sys
from pathlib import Path

from hub_runtime.settings import HubSettings

READY = b"ready"
"""What a child prints (one line) once it consumes or relays."""


def child_env(settings: HubSettings, database: str, **extra: str) -> dict[str, str]:
    """This process's environment with the stack's settings for a child (development mode,
    ``settings``' PostgreSQL and Kafka with its credentials and CA), ``TEST_DB`` = ``database``
    and ``extra`` variables (e.g. ``HUB_TOPIC_PREFIX``)."""
    env = {
        **os.environ,
        "HUB_ENV": "development",
        "HUB_PG_DSN": settings.pg_dsn,
        "HUB_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "HUB_KAFKA_SECURITY_PROTOCOL": settings.kafka_security_protocol,
        "HUB_KAFKA_USERNAME": settings.kafka_username,
        "HUB_KAFKA_PASSWORD": settings.kafka_password.get_secret_value(),
        "TEST_DB": database,
        **extra,
    }
    if settings.kafka_ca_file is not None:
        env["HUB_KAFKA_CA_FILE"] = str(settings.kafka_ca_file)
    return env


async def start_child(script: Path, *args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    """``python script args...`` with ``env``, its stdout a pipe; call :func:`until_ready`
    next, and :func:`reap` in a ``finally``."""
    return await asyncio.create_subprocess_exec(
        sys.executable, str(script), *args, env=env, stdout=asyncio.subprocess.PIPE
    )


async def until_ready(child: asyncio.subprocess.Process, within: float = 60) -> None:
    """Wait (at most ``within`` seconds) for the child's ``ready`` line; fails on another."""
    assert child.stdout is not None
    assert (await asyncio.wait_for(child.stdout.readline(), within)).strip() == READY


def sigkill(child: asyncio.subprocess.Process) -> None:
    """Kill the child by SIGKILL now (:func:`died_by_sigkill` checks it is gone)."""
    child.send_signal(signal.SIGKILL)


async def died_by_sigkill(child: asyncio.subprocess.Process) -> None:
    """Wait for the child; fails unless SIGKILL ended it (not an exit of its own)."""
    assert await child.wait() == -signal.SIGKILL


async def reap(child: asyncio.subprocess.Process) -> None:
    """Kill the child if it still runs (a test that failed first) and wait for it."""
    if child.returncode is None:
        child.kill()
        await child.wait()
