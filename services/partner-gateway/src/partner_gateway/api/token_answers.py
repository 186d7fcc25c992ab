"""What every answer of ``POST /partner/token`` carries, whoever answered it (the route, the
edge's size, media type and strict-JSON checks, the router's 405, the in-flight limit).

RFC 6749 section 5.1: a token response, and section 5.2 an error response, is sent with
``Cache-Control: no-store`` and ``Pragma: no-cache`` (a cache between the client and the hub
must not keep a token). Section 5.2: an error answer names its code in ``error`` and may
explain it in ``error_description`` (ASCII ``%x20-21 / %x23-5B / %x5D-7E``: no ``"`` nor
``\\``); the hub's shape already has ``error`` as its code, so ``error_description`` is added
beside ``detail`` (the same sentence). Section 5.2 has no 422: a request the edge found to be
malformed JSON (strict JSON, RFC 8259 and RFC 7493) is a 400 ``invalid_request`` here, its
reasons kept. The route itself answers 400 and 401 with RFC 6749's codes
(`partner_gateway.api.token_request`).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NO_STORE = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))
_REPLACED = frozenset({b"cache-control", b"pragma", b"content-length"})


def oauth_description(detail: str) -> str:
    """``detail`` as RFC 6749 section 5.2 allows an ``error_description``: printable ASCII
    without ``"`` and ``\\`` (a quote becomes ``'``, anything else outside the set ``?``)."""
    text = detail.replace('"', "'").replace("\\", "/")
    return "".join(c if " " <= c <= "~" else "?" for c in text)


class TokenAnswersMiddleware:
    """Adds RFC 6749 section 5's headers and error members to every answer on ``path``."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: an answer on ``path`` gets ``Cache-Control: no-store`` and
        ``Pragma: no-cache``; a JSON refusal is held and answered as section 5.2 says; other
        paths and scope types pass unchanged."""
        if scope["type"] != "http" or scope.get("path") != self.path:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        chunks: list[bytes] = []

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _REPLACED]
                kept = [h for h in message.get("headers", []) if h[0].lower() == b"content-length"]
                start = {**message, "headers": [*headers, *NO_STORE]}
                refusal = int(message["status"]) >= 400 and _is_json(headers)
                if refusal and scope["method"] != "HEAD":  # HEAD: no body to add to
                    held.append(start)
                    return
                await send({**start, "headers": [*start["headers"], *kept]})
                return
            if message["type"] != "http.response.body" or not held:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                status, body = _as_oauth_error(int(held[0]["status"]), b"".join(chunks))
                length = (b"content-length", str(len(body)).encode())
                await send({**held[0], "status": status, "headers": [*held[0]["headers"], length]})
                await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, answer)


def _is_json(headers: list[Any]) -> bool:
    media = dict(headers).get(b"content-type", b"").split(b";")[0].strip().lower()
    return bool(media == b"application/json")


def _as_oauth_error(status: int, raw: bytes) -> tuple[int, bytes]:
    """The hub's error body with ``error_description``; a 422 (only the edge's strict-JSON
    refusal reaches here) becomes 400 ``invalid_request``."""
    try:
        body = json.loads(raw)
    except ValueError:
        return status, raw
    if not isinstance(body, dict):
        return status, raw
    if status == 422:
        status, body["error"] = 400, "invalid_request"
    body["error_description"] = oauth_description(str(body.get("detail", "")))
    return status, json.dumps(body, separators=(",", ":")).encode()
