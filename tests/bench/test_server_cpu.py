"""The benchmark's CPU count of Kafka and PostgreSQL: a server's ended and living worker
processes are counted with it, and only pid files of running processes are read."""

import os
import subprocess
import sys
from pathlib import Path

from bench.endtoend import infrastructure_pids, tree_cpu_seconds

BURN = "import time\nwhile time.process_time() < 0.3: pass\n"
"""A child that spends at least 0.3 s of CPU (process time, not wall time)."""


def test_an_ended_child_s_cpu_counts_for_its_parent() -> None:
    before = tree_cpu_seconds(os.getpid())
    subprocess.run([sys.executable, "-c", BURN], check=True)
    assert tree_cpu_seconds(os.getpid()) - before >= 0.25  # 0.3 s in clock ticks, rounded


def test_a_living_child_s_cpu_counts_for_its_parent() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", BURN + "import sys\nsys.stdin.read()\n"], stdin=subprocess.PIPE
    )
    try:
        before_child = tree_cpu_seconds(os.getpid())
        while Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R":
            pass  # burning; then it waits on stdin, alive
        assert tree_cpu_seconds(os.getpid()) - before_child > 0
        living = tree_cpu_seconds(os.getpid())
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
    assert tree_cpu_seconds(os.getpid()) >= living  # reaped: moved to cutime, not lost


def test_only_running_servers_are_found(tmp_path: Path) -> None:
    (tmp_path / "kafka.pid").write_text(f"{os.getpid()}\n")
    (tmp_path / "postgres.pid").write_text("999999999\n")  # stale: no such process
    assert infrastructure_pids(tmp_path) == {"Kafka": os.getpid()}
    assert infrastructure_pids(tmp_path / "absent") == {}
