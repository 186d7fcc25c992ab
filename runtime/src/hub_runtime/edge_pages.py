"""Error pages for people: under a prefix of server-rendered pages (the partner portal's
``/portal``, the signals dashboard's ``/dashboard``), a refusal the edge or the router answers
as JSON (404 for an unknown path, 405, 408, 413, 414, 415, 431, 503 ``overloaded``) becomes the
service's own HTML page, in the reader's language, for a browser.

A browser is a request whose ``Accept`` names ``text/html`` (or XHTML): every browser sends it
for a page and a form; an API client, a script or ``curl`` does not, and keeps the hub's JSON
`hub_runtime.edge.ErrorBody`. Paths outside the prefixes always answer JSON. The page is the
service's (`ErrorPage`, added with `add_error_page`); it gets the status and the hub's error code
and keeps the status. The refusal's sentence is not shown (it is English and written for a
developer); the service chooses its own words for the code. Headers a client acts on (Allow,
Retry-After, Accept-Encoding, Connection) are kept.

Not covered: a 500 (answered by Starlette outside every middleware, with no data) and the
server's own 400 for a request it could not read at all (`hub_runtime.http_server`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_runtime.edge import code_for

ErrorPage = Callable[[Request, int, str], Response]
"""``(request, status, code) -> page``: the service's HTML page for a refusal, e.g. ``(…, 404,
"not_found")``; it answers with ``status``."""

KEPT_HEADERS = frozenset({b"allow", b"retry-after", b"accept-encoding", b"connection"})
"""The refusal's headers the page keeps: what a client acts on (RFC 9110 sections 10.2.1,
10.2.3, 12.5.3; the edge closes the connection after a head it did not read whole)."""

_PAGE_MEDIA = frozenset({"text/html", "application/xhtml+xml"})


def add_error_page(app: FastAPI, prefix: str, page: ErrorPage) -> None:
    """Answer ``page`` instead of the JSON refusal for browsers on paths under ``prefix``
    (``/portal``: the path itself and everything below ``/portal/``). The app must come from
    `hub_runtime.http.create_app` (which installs `ErrorPagesMiddleware`)."""
    pages: dict[str, ErrorPage] = app.state.error_pages
    pages[prefix.rstrip("/")] = page


def wants_a_page(scope: Scope) -> bool:
    """True when the request's ``Accept`` names ``text/html`` or XHTML with a weight above 0
    (RFC 9110 section 12.5.1), as a browser's does; ``*/*`` alone is not a page."""
    for name, value in scope.get("headers") or []:
        if name.lower() != b"accept":
            continue
        for item in value.decode("latin-1").split(","):
            media, *params = (part.strip().lower() for part in item.split(";"))
            if media in _PAGE_MEDIA and not any(_zero_weight(p) for p in params):
                return True
    return False


def _zero_weight(param: str) -> bool:
    name, _, weight = param.partition("=")
    if name.strip() != "q":
        return False
    try:
        return float(weight.strip()) == 0
    except ValueError:
        return False


class ErrorPagesMiddleware:
    """Turns a JSON refusal (status 400 or more) under one of ``pages``' prefixes into the
    prefix's page, for a browser (`wants_a_page`). ``pages`` is read per request: routers added
    after the app was built register theirs with `add_error_page`."""

    def __init__(self, app: ASGIApp, pages: Mapping[str, ErrorPage]) -> None:
        self.app = app
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: a browser's request under a page prefix runs with its refusal held
        back and answered as the page; every other request (and scope type) passes unchanged."""
        page = self._page_for(scope)
        if page is None:
            await self.app(scope, receive, send)
            return
        held: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def send_or_hold(message: Message) -> None:
            if message["type"] == "http.response.start" and _json_refusal(message):
                held["start"] = message
                return
            if message["type"] != "http.response.body" or "start" not in held:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await _answer_page(page, scope, receive, send, held["start"], b"".join(chunks))

        await self.app(scope, receive, send_or_hold)

    def _page_for(self, scope: Scope) -> ErrorPage | None:
        if scope["type"] != "http" or not self.pages or not wants_a_page(scope):
            return None
        path = str(scope.get("path", ""))
        for prefix, page in self.pages.items():
            if path == prefix or path.startswith(prefix + "/"):
                return page
        return None


def _json_refusal(start: Message) -> bool:
    if int(start["status"]) < 400:
        return False
    headers: dict[bytes, bytes] = dict(start.get("headers") or [])
    media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    return media == b"application/json"


async def _answer_page(
    page: ErrorPage, scope: Scope, receive: Receive, send: Send, start: Message, body: bytes
) -> None:
    status = int(start["status"])
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        error = None
    code = error if isinstance(error, str) and error else code_for(status)
    response = page(Request(scope, receive), status, code)
    response.status_code = status
    for name, value in start.get("headers") or []:
        if name.lower() in KEPT_HEADERS:
            response.headers[name.decode("latin-1")] = value.decode("latin-1")
    await response(scope, receive, send)
