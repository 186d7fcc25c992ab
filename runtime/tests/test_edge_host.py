"""A request that does not name its host once (RFC 9112 section 3.2): 400 in the hub's error
shape, never 200 (a new user's trial: HTTP/1.1 without Host, and with two, answered 200 under
httptools). Through the app with a request head as a server hands it over (an ASGI test client
always sends one Host), and over a real socket with both parsers (``HUB_HTTP_PARSER``)."""

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from hub_runtime.http import create_app
from hub_runtime.service import ServiceDefinition, ServiceRuntime
from hub_runtime.settings import HubSettings
from starlette.types import Message

TYPED = b"Fatima-Haddad.example"  # what a client typed: never repeated back


def _app(name: str = "t") -> FastAPI:
    app = create_app(service=name, title="t", description="", max_body_bytes=2048, readiness={})

    @app.get("/things")
    async def things() -> dict[str, bool]:
        return {"ok": True}

    return app


async def _call(version: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
    """``GET /things`` through the app with these header fields: (status, JSON body)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/things",
        "raw_path": b"/things",
        "query_string": b"",
        "headers": headers,
        "asgi": {"version": "3.0"},
        "http_version": version,
        "scheme": "http",
        "server": ("t", 80),
        "client": ("c", 1),
        "root_path": "",
    }
    await _app()(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert TYPED not in body
    return int(sent[0]["status"]), json.loads(body)


@pytest.mark.parametrize(
    ("version", "headers", "code"),
    [
        ("1.1", [], "host_missing"),
        ("1.1", [(b"host", b"a.example"), (b"host", TYPED)], "host_repeated"),
        ("1.0", [(b"host", b"a.example"), (b"host", TYPED)], "host_repeated"),
        ("1.1", [(b"host", TYPED + b" x")], "host_invalid"),
        ("1.1", [(b"host", b"user@" + TYPED)], "host_invalid"),
    ],
)
async def test_a_request_that_does_not_name_its_host_once_is_400(
    version: str, headers: list[tuple[bytes, bytes]], code: str
) -> None:
    status, body = await _call(version, headers)
    assert status == 400
    assert set(body) == {"error", "detail", "reasons"}
    assert body["error"] == code


@pytest.mark.parametrize(
    ("version", "headers"),
    [
        ("1.0", []),  # HTTP/1.0 may leave Host out
        ("1.1", [(b"host", b"hub.example:8080")]),
        ("1.1", [(b"host", b"[::1]:80")]),
        ("1.1", [(b"host", b"")]),  # RFC 9112 section 3.2: empty when there is no authority
        ("1.1", [(b"host", b"127.0.0.1")]),
    ],
)
async def test_a_request_with_one_host_is_served(
    version: str, headers: list[tuple[bytes, bytes]]
) -> None:
    assert await _call(version, headers) == (200, {"ok": True})


@pytest.fixture(params=["httptools", "h11"])
async def served(
    request: pytest.FixtureRequest, isolated_hub: HubSettings, fresh_database: str, tmp_path: Path
) -> AsyncIterator[tuple[str, tuple[str, int]]]:
    """(parser, address) of a service running the app over a real socket."""
    definition = ServiceDefinition(
        name="hosts",
        database=fresh_database,
        migrations=tmp_path,
        publishes=[],
        consumes=[],
        handlers={},
        build_app=lambda ctx: _app(ctx.name),
    )
    runtime = ServiceRuntime(
        definition, isolated_hub.model_copy(update={"http_parser": request.param})
    )
    await runtime.start()
    try:
        host, port = runtime.base_url.removeprefix("http://").rsplit(":", 1)
        yield request.param, (host, int(port))
    finally:
        await runtime.stop()


def _exchange(address: tuple[str, int], head: bytes) -> tuple[int, Any]:
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(head)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    answer_head, _, body = answer.partition(b"\r\n\r\n")
    headers = dict(line.split(b": ", 1) for line in answer_head.split(b"\r\n")[1:])
    assert headers[b"content-type"] == b"application/json", body
    return int(answer_head.split(b" ", 2)[1]), json.loads(body)


@pytest.mark.integration
async def test_over_a_socket_both_parsers_refuse_a_missing_or_repeated_host(
    served: tuple[str, tuple[str, int]],
) -> None:
    """httptools passes the request on and the app refuses it with its own code; h11 refuses
    it itself with the server's 400 ``bad_request`` (`hub_runtime.http_server`): both in the
    hub's shape, never 200."""
    parser, address = served
    heads = {
        "host_missing": b"GET /things HTTP/1.1\r\nConnection: close\r\n\r\n",
        "host_repeated": b"GET /things HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
    }
    for code, head in heads.items():
        status, body = await asyncio.to_thread(_exchange, address, head)
        assert status == 400, (parser, code, body)
        assert body["error"] == (code if parser == "httptools" else "bad_request"), body
        assert set(body) == {"error", "detail", "reasons"}
    one = b"GET /things HTTP/1.0\r\n\r\n"
    assert await asyncio.to_thread(_exchange, address, one) == (200, {"ok": True})
