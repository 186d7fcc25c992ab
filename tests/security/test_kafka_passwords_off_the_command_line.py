"""Kafka's SCRAM passwords never go on a process's command line (the seventh new user's
trial: while ``make run`` formatted the broker's storage, ``ps -ef`` showed
``kafka.tools.StorageTool format ... --add-scram SCRAM-SHA-512=[name=admin,password=...]`` to
every user of the machine).

The stack runs the Java tools that take a password (the storage format, on the single broker
and on each cluster node, and the password rotation) through ``kafka_java_secret_args``
(``infra/stack_security.sh``), which hands the JVM a Java argument file (``@file``, mode 600,
removed after). These tests run that shell function with ``kafka_java`` replaced by a
recorder, and read the scripts for every tool call that carries a password.
"""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
PASSWORD = "0123456789abcdef0123456789abcdef"

# kafka_java, recorded: its arguments, then the argument file's mode and lines as the JVM reads
# them (it is gone once the function returns, so it is read while "running").
RECORDER = r"""
kafka_java() {
  printf 'argv:%s\n' "$*"
  local f=${1#@}
  printf 'mode:%s\n' "$(stat -c %a "$f")"
  sed 's/^/line:/' "$f"
}
"""


def _run(script: str, hub: Path) -> str:
    """``script`` in bash, after sourcing stack_security.sh with ``HUB=hub`` and the recorder."""
    result = subprocess.run(
        [
            "bash",
            "-c",
            f'set -euo pipefail; HUB="$1"; . "$2"; {RECORDER}\n{script}',
            "test",
            str(hub),
            str(INFRA / "stack_security.sh"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout


def test_the_password_goes_in_an_argument_file_that_is_removed(tmp_path: Path) -> None:
    (tmp_path / "secrets" / "kafka").mkdir(parents=True)
    out = _run(
        "kafka_java_secret_args kafka.tools.StorageTool format -c '/a path/with spaces' "
        f"--add-scram 'SCRAM-SHA-512=[name=admin,password={PASSWORD}]' 'q\"b\\s'",
        tmp_path,
    )
    argv = [line for line in out.splitlines() if line.startswith("argv:")]
    assert len(argv) == 1
    assert PASSWORD not in argv[0]
    assert re.fullmatch(r"argv:@\S+/secrets/kafka/java-args\.\w+", argv[0]), argv
    assert "mode:600" in out.splitlines()
    lines = [line.removeprefix("line:") for line in out.splitlines() if line.startswith("line:")]
    # One quoted argument per line (the launcher's argument-file syntax), escapes kept.
    assert lines == [
        '"kafka.tools.StorageTool"',
        '"format"',
        '"-c"',
        '"/a path/with spaces"',
        '"--add-scram"',
        f'"SCRAM-SHA-512=[name=admin,password={PASSWORD}]"',
        '"q\\"b\\\\s"',
    ]
    left = list((tmp_path / "secrets" / "kafka").iterdir())
    assert left == [], left


def test_every_tool_call_with_a_password_uses_the_argument_file() -> None:
    """The storage format (single broker and cluster nodes) and the rotation call the tools
    through ``kafka_java_secret_args``; no plain ``kafka_java`` call carries a SCRAM argument."""
    calls: list[str] = []
    for script in ("stack.sh", "stack_cluster.sh", "stack_security.sh"):
        text = (INFRA / script).read_text()
        # A call with its continuation lines, as one string.
        for match in re.finditer(r"^\s*(kafka_java\w*) (?:[^\n]*\\\n)*[^\n]*", text, re.M):
            calls.append(match.group(0))
    secret = [c for c in calls if re.search(r"scram|SCRAM|password", c)]
    assert secret, "no tool call with a password found: the pattern no longer matches the scripts"
    plain = [c for c in secret if c.lstrip().startswith("kafka_java ")]
    assert plain == [], plain
    formats = [c for c in calls if "StorageTool format" in c]
    assert len(formats) == 2, formats
    assert all(c.lstrip().startswith("kafka_java_secret_args ") for c in formats), formats
