"""The integration guide's examples, read from its Markdown and run in one shell session.

Every ```python and ```bash block of the guide is preceded by a marker comment:

    <!-- example: ID -->                     run it
    <!-- example: ID save-as=NAME -->        save it as NAME in the session's folder (a later
                                             block runs it, e.g. a webhook receiver)
    <!-- example: ID not-run: REASON -->     shown only; REASON says why

A block without a marker is an error (no example is skipped silently). The blocks run in order
in ONE bash process, as a reader would paste them into one terminal: a variable a bash block
exports is seen by every later block. A python block is saved as ``ID.py`` (or its
``save-as`` name) and run by that shell with ``python``, so it reads what earlier blocks
exported through ``os.environ``. ``set -eo pipefail`` makes a failing command fail its block.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import signal
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(
    r"^<!-- example: (?P<id>[a-z0-9][a-z0-9-]*)"
    r"(?: save-as=(?P<save_as>[A-Za-z0-9_.-]+)| not-run: (?P<reason>.+?))? -->$"
)
FENCE = re.compile(r"^```(?P<lang>[a-z]*)\s*$")
RUNNABLE = {"python", "bash"}


class GuideFormatError(ValueError):
    """The guide breaks the marker rules (a block without a marker, a marker without a block,
    a repeated id)."""


@dataclass(frozen=True)
class Example:
    """One fenced block of the guide: ``line`` is its fence's line number (1-based)."""

    id: str
    lang: str
    code: str
    line: int
    save_as: str | None = None
    not_run: str | None = None

    @property
    def runs(self) -> bool:
        """True for a block the session executes (not a saved file, not a shown-only one)."""
        return self.not_run is None and self.save_as is None


def examples(markdown: str) -> list[Example]:
    """The python and bash blocks of ``markdown`` in order; raises :class:`GuideFormatError`."""
    lines = markdown.splitlines()
    found: list[Example] = []
    pending: re.Match[str] | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        marker = MARKER.match(line.strip())
        fence = FENCE.match(line)
        if marker:
            if pending:
                raise GuideFormatError(f"line {index + 1}: marker {pending['id']} has no block")
            pending = marker
        elif fence and fence["lang"]:
            end = _closing_fence(lines, index)
            if fence["lang"] in RUNNABLE:
                if pending is None:
                    raise GuideFormatError(
                        f"line {index + 1}: a {fence['lang']} block without a marker"
                    )
                code = "\n".join(lines[index + 1 : end]) + "\n"
                found.append(
                    Example(
                        pending["id"],
                        fence["lang"],
                        code,
                        index + 1,
                        pending["save_as"],
                        pending["reason"],
                    )
                )
            elif pending is not None:
                raise GuideFormatError(f"line {index + 1}: marker before a {fence['lang']} block")
            pending = None
            index = end
        elif pending is not None and line.strip():
            raise GuideFormatError(
                f"line {index + 1}: marker {pending['id']} not right before a block"
            )
        index += 1
    ids = [e.id for e in found]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise GuideFormatError(f"repeated example ids: {repeated}")
    return found


def _closing_fence(lines: list[str], start: int) -> int:
    for index in range(start + 1, len(lines)):
        if lines[index].strip() == "```":
            return index
    raise GuideFormatError(f"line {start + 1}: the block is never closed")


@dataclass(frozen=True)
class Outcome:
    """What one block did: its exit status and its standard output (stderr goes to a log)."""

    example: Example
    status: int
    stdout: str


class ShellSession:
    """One ``bash`` process in ``folder`` with ``env``; blocks run in it one after another.

    Started in a session of its own, so :meth:`close` ends it and everything it started in the
    background (a webhook receiver) by its process group, and nothing else."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env
        self.stderr_log = folder / "session.stderr.log"
        self._process: asyncio.subprocess.Process | None = None
        self._nonce = secrets.token_hex(8)

    async def start(self) -> None:
        """Start bash with ``set -eo pipefail``."""
        stderr = self.stderr_log.open("ab")
        self._process = await asyncio.create_subprocess_exec(
            "bash",
            "--noprofile",
            "--norc",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            cwd=self.folder,
            env=self.env,
            start_new_session=True,
        )
        stderr.close()
        await self._send("set -eo pipefail\n")

    async def run(self, example: Example, limit_seconds: float = 120.0) -> Outcome:
        """Run one block (a python block through ``python FILE``); a block that makes the shell
        exit (``set -e``) has the shell's exit status; at most ``limit_seconds``."""
        if example.lang == "python" or example.save_as:
            path = self.folder / (example.save_as or f"{example.id}.py")
            path.write_text(example.code)
        if not example.runs:
            return Outcome(example, 0, "")
        script = f"python {example.id}.py\n" if example.lang == "python" else example.code
        done = f"__GUIDE_DONE_{self._nonce}__"
        await self._send(f"{script}\nprintf '\\n{done} %d\\n' \"$?\"\n")
        return await asyncio.wait_for(self._read_until(example, done), limit_seconds)

    async def _send(self, text: str) -> None:
        assert self._process
        assert self._process.stdin
        self._process.stdin.write(text.encode())
        await self._process.stdin.drain()

    async def _read_until(self, example: Example, done: str) -> Outcome:
        assert self._process
        assert self._process.stdout
        output: list[str] = []
        while True:
            raw = await self._process.stdout.readline()
            if not raw:  # the shell exited: a command of this block failed
                status = await self._process.wait()
                return Outcome(example, status or 1, "".join(output))
            line = raw.decode(errors="replace")
            if line.startswith(done):
                status = int(line.split()[1])
                text = "".join(output)
                return Outcome(example, status, text.rstrip("\n"))
            output.append(line)

    async def close(self) -> None:
        """End the shell and its background jobs (its process group)."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._process.wait(), 10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
