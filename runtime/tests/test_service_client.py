"""`hub_runtime.service_client` on a real socket: what a call sends, what it answers, and that a
missing answer, a slow one or a redirect never escapes as anything but its documented result."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import jwt
import pytest
from aiohttp import web
from hub_runtime.service_client import USER_AGENT, Answer, ServiceClient, ServiceUnreachableError

SECRET = "s" * 32


class _Client(ServiceClient):
    async def get(self, path: str, params: list[tuple[str, str]]) -> Answer:
        return await self._get(path, params)

    async def post(self, path: str, body: object) -> Answer:
        return await self._post(path, body)


@contextlib.asynccontextmanager
async def _server(seen: list[web.Request]) -> AsyncIterator[str]:
    async def echo(request: web.Request) -> web.Response:
        seen.append(request)
        body = await request.json() if request.can_read_body else None
        query = [[k, v] for k, v in request.query.items()]
        return web.json_response({"query": query, "body": body}, status=200)

    async def moved(request: web.Request) -> web.Response:
        seen.append(request)
        raise web.HTTPTemporaryRedirect("/echo")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.5)
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/echo", echo)
    app.router.add_route("*", "/moved", moved)
    app.router.add_get("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    await web.SockSite(runner, listening).start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


async def test_a_call_carries_a_service_token_and_returns_the_answer() -> None:
    seen: list[web.Request] = []
    async with _server(seen) as url:
        client = _Client(url, SECRET, 5, "referral")
        answer = await client.get("/echo", [("type", "A"), ("type", "B")])
        posted = await client.post("/echo", {"case_id": "c"})
        await client.close()
    assert answer.status == 200
    assert answer.json()["query"] == [["type", "A"], ["type", "B"]]
    assert posted.json()["body"] == {"case_id": "c"}
    token = seen[0].headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_aud": False})
    assert claims["sub"] == "referral"
    assert claims["role"] == "service"


async def test_a_call_names_the_hub_not_its_http_library() -> None:
    """The ninth trial: aiohttp's ``User-Agent`` (``Python/3.x aiohttp/3.y``) told the callee
    which library versions the hub runs; every call names the product instead."""
    seen: list[web.Request] = []
    async with _server(seen) as url:
        client = _Client(url, SECRET, 5, "partner-gateway")
        await client.get("/echo", [])
        await client.post("/echo", {})
        await client.close()
    assert [request.headers.getall("User-Agent") for request in seen] == [[USER_AGENT]] * 2
    assert USER_AGENT == "council-hub/1"


async def test_a_redirect_is_answered_not_followed() -> None:
    seen: list[web.Request] = []
    async with _server(seen) as url:
        client = _Client(url, SECRET, 5, "referral")
        answer = await client.get("/moved", [])
        await client.close()
    assert answer.status == 307
    assert [request.path for request in seen] == ["/moved"]  # the token went nowhere else


async def test_no_answer_is_unreachable_by_the_errors_type_only() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = _Client(f"http://127.0.0.1:{port}", SECRET, 5, "referral")
    with pytest.raises(ServiceUnreachableError) as refused:
        await client.get("/echo", [])
    assert str(refused.value) == "ClientConnectorError"
    await client.close()


async def test_a_slow_answer_is_unreachable_after_the_timeout() -> None:
    async with _server([]) as url:
        client = _Client(url, SECRET, 0.3, "referral")
        started = asyncio.get_running_loop().time()
        with pytest.raises(ServiceUnreachableError):
            await client.get("/slow", [])
        assert asyncio.get_running_loop().time() - started < 3
        await client.close()


async def test_hold_open_closes_the_session_when_the_service_stops() -> None:
    async with _server([]) as url:
        client = _Client(url, SECRET, 5, "referral")
        await client.get("/echo", [])
        session = client._session
        worker = asyncio.create_task(client.hold_open(None))
        await asyncio.sleep(0)
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
    assert session is not None
    assert session.closed


@pytest.mark.parametrize(
    "body", [b'{"categories": NaN}', b'{"x": Infinity}', b'{"a": 1, "a": 2}', b"{", b"\xff"]
)
def test_an_answer_that_is_not_strict_json_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError, match=r"invalid_json|duplicate_key"):
        Answer(200, body).json()


def test_an_answer_that_is_not_the_error_shape_has_no_code() -> None:
    assert Answer(404, b'{"error": "case_not_found"}').error_code() == "case_not_found"
    assert Answer(404, b"<html>").error_code() is None
    assert Answer(404, b"[1]").error_code() is None
    assert Answer(404, b'{"error": 3}').error_code() is None
