"""An over-long request target or header fields, sent over a real socket to a running service:
the hub's error shape, never the server's plain text (a new user's trial sent a 100 KB query and
got uvicorn's text 400). The app refuses first (414, 431); beyond the server's own limits, its
400 is in the hub's shape too (`hub_runtime.http_server`). Both parsers (``HUB_HTTP_PARSER``)."""

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from hub_runtime.edge_limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES
from hub_runtime.http import create_app
from hub_runtime.http_server import SERVER_HEAD_BYTES
from hub_runtime.service import ServiceContext, ServiceDefinition, ServiceRuntime
from hub_runtime.settings import HubSettings

pytestmark = pytest.mark.integration


def build_app(ctx: ServiceContext) -> FastAPI:
    app = create_app(
        service=ctx.name, title="echo", description="", max_body_bytes=4096, readiness={}
    )

    @app.get("/echo")
    async def echo(q: str = "") -> dict[str, int]:
        # A route that takes ?q= (an unknown query parameter is 400 unknown_query_parameter).
        return {"length": len(q)}

    return app


@pytest.fixture(params=["httptools", "h11"])
async def address(
    request: pytest.FixtureRequest, isolated_hub: HubSettings, fresh_database: str, tmp_path: Path
) -> AsyncIterator[tuple[str, int]]:
    definition = ServiceDefinition(
        name="echo",
        database=fresh_database,
        migrations=tmp_path,
        publishes=[],
        consumes=[],
        handlers={},
        build_app=build_app,
    )
    runtime = ServiceRuntime(
        definition, isolated_hub.model_copy(update={"http_parser": request.param})
    )
    await runtime.start()
    try:
        host, port = runtime.base_url.removeprefix("http://").rsplit(":", 1)
        yield host, int(port)
    finally:
        await runtime.stop()


async def _ask(address: tuple[str, int], target: bytes, fields: bytes = b"") -> tuple[int, Any]:
    """Send ``GET target`` with extra header ``fields`` in 4 KiB pieces (as a slow network
    would: h11 buffers a head that arrives in pieces only up to its limit); the status and the
    JSON body of the answer (a body that is not JSON fails the test: the server's own refusal was
    plain text)."""
    head = b"GET " + target + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + fields + b"\r\n"
    answer = await asyncio.to_thread(_exchange, address, head)
    answer_head, _, body = answer.partition(b"\r\n\r\n")
    status = int(answer_head.split(b" ", 2)[1])
    headers = dict(line.split(b": ", 1) for line in answer_head.split(b"\r\n")[1:])
    assert headers[b"content-type"] in {b"application/json", b"application/health+json"}, body
    assert len(body) == int(headers[b"content-length"])
    return status, json.loads(body)


def _exchange(address: tuple[str, int], head: bytes) -> bytes:
    """A blocking socket (not asyncio's streams, which drop an answer already received once a
    write fails): the server may answer and close before it has read the whole head."""
    with socket.create_connection(address, timeout=10) as connection:
        try:
            for start in range(0, len(head), 4096):
                connection.sendall(head[start : start + 4096])
                time.sleep(0.001)
        except OSError:
            pass  # refused before the rest was read: the answer is already on its way
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


def _fields(total: int) -> bytes:
    """Header fields of about ``total`` bytes, 4 KiB each."""
    return b"".join(b"X-Filler-%d: %s\r\n" % (i, b"a" * 4000) for i in range(total // 4096 + 1))


async def test_a_target_over_the_limit_answers_414_in_the_hub_shape(
    address: tuple[str, int],
) -> None:
    status, body = await _ask(address, b"/health?q=" + b"a" * MAX_TARGET_BYTES)
    assert status == 414
    assert body == {
        "error": "uri_too_long",
        "detail": f"the request target (path and query) exceeds {MAX_TARGET_BYTES} bytes",
        "reasons": [],
    }
    assert "aaaa" not in json.dumps(body)


async def test_header_fields_over_the_limit_answer_431_in_the_hub_shape(
    address: tuple[str, int],
) -> None:
    status, body = await _ask(address, b"/health", _fields(MAX_HEADER_BYTES))
    assert (status, body["error"]) == (431, "headers_too_large")


async def test_a_head_under_the_limits_is_served_even_in_pieces(address: tuple[str, int]) -> None:
    # 24 KiB of head: over h11's default buffer (16 KiB), under the app's limits.
    status, body = await _ask(address, b"/echo?q=" + b"a" * 7000, _fields(16 * 1024))
    assert (status, body) == (200, {"length": 7000})


async def test_a_target_beyond_the_servers_own_limit_still_answers_the_hub_shape(
    address: tuple[str, int],
) -> None:
    # The trial's 100 KB query: the parser refuses it before the app runs (httptools at 64 KiB
    # of target, h11 at SERVER_HEAD_BYTES of head), with the hub's 400, not text.
    assert SERVER_HEAD_BYTES < 100_000
    status, body = await _ask(address, b"/health?q=" + b"a" * 100_000)
    assert status == 400
    assert body["error"] == "bad_request"
    assert set(body) == {"error", "detail", "reasons"}
