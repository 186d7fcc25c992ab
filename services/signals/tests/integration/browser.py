"""Headless Chromium driven over the DevTools protocol on a pipe (no extra library).

``--remote-debugging-pipe`` makes Chromium read commands from its fd 3 and write answers and
events to its fd 4, each a JSON message ending in a NUL byte. A test can then do what a user
does: open a page, type into a form, submit, wait, read the DOM and take a screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shlex
import tempfile
from collections.abc import AsyncIterator
from typing import Any


class Page:
    """One tab, attached with ``flatten`` (commands carry its session id)."""

    def __init__(self, reader: asyncio.StreamReader, write_fd: int) -> None:
        self._reader = reader
        self._write_fd = write_fd
        self._next_id = 0
        self.session_id: str | None = None

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command; returns its result (events that arrive meanwhile are skipped)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session_id is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session_id
        os.write(self._write_fd, json.dumps(message).encode() + b"\0")
        while True:
            raw = await asyncio.wait_for(self._reader.readuntil(b"\0"), timeout=60)
            answer = json.loads(raw[:-1])
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        return result["result"].get("value")

    async def wait_for(self, expression: str, within: float = 30) -> None:
        deadline = asyncio.get_running_loop().time() + within
        while not await self.evaluate(expression):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the page never satisfied: {expression}")
            await asyncio.sleep(0.2)

    async def screenshot(self) -> bytes:
        return base64.b64decode((await self.send("Page.captureScreenshot"))["data"])


@contextlib.asynccontextmanager
async def chromium_page(
    chromium: str, url: str, accept_language: str | None = None
) -> AsyncIterator[Page]:
    """A headless Chromium showing ``url``, loaded; closed afterwards. ``accept_language``:
    the ``Accept-Language`` header of every request, as a browser set to that language sends."""
    profile = tempfile.TemporaryDirectory(prefix="chromium-", ignore_cleanup_errors=True)
    commands_read, commands_write = os.pipe()
    events_read, events_write = os.pipe()
    # The browser must find the pipes at fds 3 and 4; the shell puts them there.
    command = " ".join(
        [
            "exec",
            shlex.quote(chromium),
            "--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1200",
            f"--remote-debugging-pipe --user-data-dir={shlex.quote(profile.name)} about:blank",
            f"3<&{commands_read} 4>&{events_write} {commands_read}<&- {events_write}>&-",
        ]
    )
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        command,
        pass_fds=(commands_read, events_write),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    os.close(commands_read)
    os.close(events_write)
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(events_read, "rb")
    )
    page = Page(reader, commands_write)
    try:
        target = await page.send("Target.createTarget", {"url": "about:blank"})
        attached = await page.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
        )
        page.session_id = attached["sessionId"]
        await page.send("Page.enable")
        if accept_language is not None:
            await page.send("Network.enable")
            await page.send(
                "Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": accept_language}}
            )
        await page.send("Page.navigate", {"url": url})
        await page.wait_for("location.href !== 'about:blank' && document.readyState === 'complete'")
        yield page
    finally:
        with contextlib.suppress(Exception):
            await page.send("Browser.close")
        transport.close()
        os.close(commands_write)
        try:
            await asyncio.wait_for(process.wait(), timeout=15)
        except TimeoutError:
            process.kill()
            await process.wait()
        profile.cleanup()  # helper processes may still be writing: errors are ignored
