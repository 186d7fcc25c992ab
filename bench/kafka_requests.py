"""The broker's request counts by type, read over JMX while a benchmark runs (issue 16).

`KafkaRequestCounter` starts ``bench/kafka_jmx/KafkaRequests.java`` once (the JDK runs the
source file; it attaches to the broker's JVM by pid), and each `snapshot` returns Kafka's own
``RequestMetrics`` counts (``Fetch``, ``Produce``, ``OffsetCommit``, ...) since the broker
started; two snapshots around a phase give its requests. The reader is started before the
phase, so the JVM's start-up is not billed to it; a snapshot itself is one JMX query.
"""

import asyncio
import contextlib
import shutil
from pathlib import Path

READER = Path(__file__).with_name("kafka_jmx") / "KafkaRequests.java"
SUBSETS = frozenset({"FetchConsumer", "FetchFollower"})
"""Kafka's meters of the consumers' and the followers' share of ``Fetch``: left out of the
figures, where they would count those fetches twice."""


class KafkaRequestCounter:
    """Request counts of the broker with pid ``pid``; `snapshot` answers None when the reader
    could not attach (no JDK, another user's broker, a broker started with attach disabled)."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        java = shutil.which("java")
        if java is None:
            return
        self._process = await asyncio.create_subprocess_exec(
            java,
            str(READER),
            str(self._pid),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def snapshot(self) -> dict[str, int] | None:
        """Requests by type since the broker started (type -> count)."""
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            return None
        try:
            process.stdin.write(b"\n")
            await process.stdin.drain()
            counts: dict[str, int] = {}
            while (
                line := (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            ) != ".\n":
                if not line:
                    return None  # the reader ended: it could not attach
                name, count = line.split()
                counts[name] = int(count)
        except (OSError, TimeoutError, ValueError):
            return None
        return counts

    async def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


def per_referral(
    before: dict[str, int] | None, after: dict[str, int] | None, referrals: int
) -> dict[str, float]:
    """Requests per referral by type between two snapshots, most frequent first (types the
    phase did not send left out); empty when either snapshot is missing."""
    if before is None or after is None or referrals <= 0:
        return {}
    sent = {name: count - before.get(name, 0) for name, count in after.items()}
    return {
        name: count / referrals
        for name, count in sorted(sent.items(), key=lambda item: -item[1])
        if count > 0 and name not in SUBSETS
    }
