"""The edge's limits against clients that send bodies slowly or walk away (a new user's trial
held every in-flight slot of a service with 260 unfinished bodies, /health included)."""

import asyncio
import json
import logging
from typing import Any

import pytest
from hub_runtime import edge_limits
from hub_runtime.edge_limits import InFlightLimitMiddleware, add_inside_body_limit
from hub_runtime.http import create_app
from starlette.middleware import Middleware
from starlette.types import Message


def _app() -> Any:
    app = create_app(service="t", title="t", description="", max_body_bytes=2048, readiness={})

    @app.post("/things")
    async def things(body: dict[str, int]) -> dict[str, int]:
        return body

    add_inside_body_limit(app, Middleware(InFlightLimitMiddleware, limit=1))
    return app


async def _call(app: Any, method: str, path: str, chunks: list[bytes], hang: bool) -> list[Message]:
    """Run one request through the ASGI app: ``chunks`` of body, then (if ``hang``) nothing
    more, ever, as a client that stops sending."""
    sent: list[Message] = []
    pending = list(chunks)

    async def receive() -> Message:
        if pending:
            return {
                "type": "http.request",
                "body": pending.pop(0),
                "more_body": bool(pending) or hang,
            }
        await asyncio.Event().wait()  # the rest of the body never comes
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"t"), (b"content-type", b"application/json")],
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "http",
        "server": ("t", 80),
        "client": ("c", 1),
        "root_path": "",
    }
    await app(scope, receive, send)
    return sent


def _status(sent: list[Message]) -> int:
    return int(next(m["status"] for m in sent if m["type"] == "http.response.start"))


async def test_a_body_that_never_finishes_holds_no_slot_and_is_cut_with_408(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(edge_limits, "BODY_SECONDS", 0.3)
    app = _app()
    slow = [
        asyncio.create_task(_call(app, "POST", "/things", [b'{"a"'], hang=True)) for _ in range(3)
    ]
    await asyncio.sleep(0.05)
    # With a limit of one request in flight, three trickling bodies do not lock others out.
    served = await _call(app, "POST", "/things", [b'{"a": 1}'], hang=False)
    assert _status(served) == 200
    health = await _call(app, "GET", "/health", [b""], hang=False)
    assert _status(health) == 200
    cut = await asyncio.gather(*slow)
    assert [_status(s) for s in cut] == [408, 408, 408]
    body = json.loads(next(m["body"] for m in cut[0] if m["type"] == "http.response.body"))
    assert body["error"] == "request_timeout"


async def test_a_client_that_walks_away_mid_body_is_not_a_server_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = _app()
    sent: list[Message] = []
    messages: list[Message] = [
        {"type": "http.request", "body": b"{", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "POST", "path": "/things", "raw_path": b"/things",
        "query_string": b"", "headers": [(b"host", b"t"), (b"content-type", b"application/json")],
        "asgi": {"version": "3.0"}, "http_version": "1.1", "scheme": "http",
        "server": ("t", 80), "client": ("c", 1), "root_path": "",
    }  # fmt: skip
    with caplog.at_level(logging.INFO):
        await app(scope, receive, send)
    assert sent == []  # nobody to answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(r.getMessage() == "client closed the request" for r in caplog.records)
