"""The edge's limits: how long a request's target and header fields may be
(`HeadLimitMiddleware`), that an HTTP/1.1 request names its host once (`HostFieldMiddleware`),
how big a body may be and how long it may take (`BodyLimitMiddleware`),
and how many requests may be in flight at once (`InFlightLimitMiddleware`)."""

import asyncio
import re

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_runtime.edge import error_response

HEALTH_PATHS = frozenset({"/health", "/metrics"})
"""Answered even when the service is saturated: an orchestrator must not kill a busy process."""


_GONE = b"\x00gone"  # sentinels compared by identity, never by value
_TOO_LARGE = b"\x00too large"

BODY_SECONDS = 20.0
"""How long a request's body may take to arrive in full (408 after): 256 KiB in 20 s is about
13 KB/s, slower than a poor mobile link; a client that trickles a body to hold the server's
capacity is cut off."""


MAX_TARGET_BYTES = 8192
"""The longest request target (path and query, as sent) answered normally; longer gets 414.
RFC 9110 section 4.1 asks recipients to support at least 8000 octets; no route of the hub
needs more (ids are UUIDs, queries a few short parameters)."""

MAX_HEADER_BYTES = 32 * 1024
"""The most header field bytes (names, values and their ``: `` and CRLF) answered normally;
more gets 431 (RFC 6585 section 5). Room for a bearer token of several kilobytes."""


class HeadLimitMiddleware:
    """Refuses a request whose target exceeds `MAX_TARGET_BYTES` (414 ``uri_too_long``) or
    whose header fields exceed `MAX_HEADER_BYTES` (431 ``headers_too_large``), in the hub's
    error shape, before anything reads the request. The server's own limits are higher, the
    backstop (see `hub_runtime.http_server`: beyond them, 400 ``bad_request``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: an over-long target answers 414, over-long header fields 431 (the
        connection is then closed: the client sent more than it should); other scope types
        (lifespan, websocket) pass through unchanged."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or str(scope["path"]).encode()
        query: bytes = scope.get("query_string") or b""
        headers = scope.get("headers") or []
        if len(raw_path) + (len(query) + 1 if query else 0) > MAX_TARGET_BYTES:
            refusal = error_response(
                414,
                "uri_too_long",
                f"the request target (path and query) exceeds {MAX_TARGET_BYTES} bytes",
                headers={"Connection": "close"},
            )
        elif sum(len(name) + len(value) + 4 for name, value in headers) > MAX_HEADER_BYTES:
            refusal = error_response(
                431,
                "headers_too_large",
                f"the request's header fields exceed {MAX_HEADER_BYTES} bytes",
                headers={"Connection": "close"},
            )
        else:
            await self.app(scope, receive, send)
            return
        await refusal(scope, receive, send)


_HOST_VALUE = re.compile(
    rb"(?:\[[0-9A-Za-z:._~!$&'()*+,;=-]+\]|[0-9A-Za-z._~!$&'()*+,;=%-]*)(?::[0-9]*)?"
)
"""RFC 9110 section 7.2: ``Host = uri-host [ ":" port ]``, the host an IP literal in brackets or
a name of RFC 3986's reg-name characters (empty too: RFC 9112 section 3.2 asks a client to send
an empty Host when the target has no authority)."""


class HostFieldMiddleware:
    """Refuses, with 400 in the hub's error shape, a request that does not name its host once
    (RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host
    header field, and to any request with more than one or with an invalid value):
    ``host_missing`` (HTTP/1.1 only: an HTTP/1.0 request may leave Host out),
    ``host_repeated`` (any version) and ``host_invalid``. The value is never repeated.

    The h11 parser refuses the first two itself, before the app runs, with the server's 400
    ``bad_request`` (`hub_runtime.http_server`); httptools passes them on, so this is where the
    rule holds for both. An ASGI test client always sends one Host."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: a request without one valid Host (see the class) answers 400;
        other scope types (lifespan, websocket) pass through unchanged."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        hosts = [value for name, value in scope.get("headers") or [] if name.lower() == b"host"]
        if len(hosts) > 1:
            refusal = error_response(
                400,
                "host_repeated",
                "send the Host header field once",
                ["header.host: is given more than once"],
            )
        elif not hosts and scope.get("http_version") == "1.1":
            refusal = error_response(
                400,
                "host_missing",
                "an HTTP/1.1 request needs a Host header field",
                ["header.host: is missing"],
            )
        elif hosts and not _HOST_VALUE.fullmatch(hosts[0].strip()):
            refusal = error_response(
                400,
                "host_invalid",
                "the Host header field is not a host name or address with an optional port",
                ["header.host: is not a host with an optional port"],
            )
        else:
            await self.app(scope, receive, send)
            return
        await refusal(scope, receive, send)


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413, and bodies that do not arrive within
    `BODY_SECONDS` with 408, before the app parses anything."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: a body over ``max_bytes`` bytes (by Content-Length or as it streams in)
        answers 413 before the app reads it, one still incomplete after `BODY_SECONDS` 408; other
        scope types (lifespan, websocket) pass through unchanged."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(self.max_bytes, scope, receive, send)
            return
        try:
            async with asyncio.timeout(BODY_SECONDS):
                body = await self._read(receive)
        except TimeoutError:
            await error_response(
                408,
                "request_timeout",
                f"the request body did not arrive within {BODY_SECONDS:.0f} seconds",
                headers={"Connection": "close"},
            )(scope, receive, send)
            return
        if body is _GONE:
            return  # the client went away: nobody to answer
        if body is _TOO_LARGE:
            await _too_large(self.max_bytes, scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        """The whole body, or `_GONE` (the client disconnected) or `_TOO_LARGE`."""
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return _GONE
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                return _TOO_LARGE
        return body


def add_inside_body_limit(app: FastAPI, middleware: Middleware) -> None:
    """Add ``middleware`` just inside `BodyLimitMiddleware`: it sees requests whose body is
    complete and bounded (Starlette builds the stack from ``user_middleware``, outermost first,
    when the first request comes)."""
    classes: list[object] = [m.cls for m in app.user_middleware]
    position = classes.index(BodyLimitMiddleware)
    app.user_middleware.insert(position + 1, middleware)


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(413, "payload_too_large", f"the body exceeds {limit} bytes")
    await response(scope, receive, send)


class InFlightLimitMiddleware:
    """Beyond `limit` requests in flight, 503 at once (with `Retry-After: 1`) instead of a
    queue without bound: the client retries when the service has room again."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: beyond ``limit`` HTTP requests in flight, 503 with ``Retry-After: 1``
        without running the app; other scope types (lifespan, websocket) pass through unchanged."""
        if scope["type"] != "http" or scope["path"] in HEALTH_PATHS:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            refusal = error_response(
                503,
                "overloaded",
                "the service is handling too many requests; try again in a moment",
                headers={"Retry-After": "1"},
            )
            await refusal(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
