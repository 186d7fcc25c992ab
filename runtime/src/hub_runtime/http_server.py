"""How uvicorn serves the HTTP edge: its parser, its own limits, and its own refusals in the
hub's error shape.

Uvicorn's parsers refuse some requests themselves, before the app runs: a request that is not
HTTP/1.1, and one whose head exceeds their limits (httptools: a request target from 64 KiB, a
fixed limit of httptools 0.9, ``MAX_URL_LENGTH``; h11: a head arriving in pieces beyond
`SERVER_HEAD_BYTES`, which the service sets). They answer a plain-text 400. The app's own
limits (`hub_runtime.edge_limits.HeadLimitMiddleware`: 414 over 8 KiB of target, 431 over
32 KiB of header fields) are lower, so the app answers first; beyond the server's, the two
protocols below still answer 400 in the hub's `ErrorBody` shape (``bad_request``), never text.
"""

from typing import Any, Literal

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hub_runtime.edge import ErrorBody

SERVER_HEAD_BYTES = 64 * 1024
"""The most bytes of a request head (request line and header fields) h11 buffers before it
refuses the request (its default, 16 KiB, would cut a head the app still answers); about
httptools' own limit on the request target, which cannot be set."""

_REFUSAL = (
    ErrorBody(
        error="bad_request",
        detail="the request is not valid HTTP/1.1, or its request target or header fields are far"
        " too long; it was not read",
    )
    .model_dump_json()
    .encode()
)


def _refusal_headers() -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_REFUSAL)).encode()),
        (b"connection", b"close"),
    ]


class HubHttpToolsProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol, whose own 400 is the hub's error shape."""

    def send_400_response(self, msg: str) -> None:
        """The parser refused the request (``msg`` is uvicorn's text, not sent): answer 400
        ``bad_request`` as JSON and close the connection."""
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in [*self.server_state.default_headers, *_refusal_headers()]:
            head.append(name + b": " + value + b"\r\n")
        self.transport.write(b"".join(head) + b"\r\n" + _REFUSAL)
        self.transport.close()


class HubH11Protocol(H11Protocol):
    """Uvicorn's h11 protocol, whose own 400 is the hub's error shape."""

    def send_400_response(self, msg: str) -> None:
        """As `HubHttpToolsProtocol.send_400_response`, through h11's state machine."""
        response = h11.Response(status_code=400, headers=_refusal_headers(), reason=b"Bad Request")
        for event in (response, h11.Data(data=_REFUSAL), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()


_PROTOCOLS = {"httptools": HubHttpToolsProtocol, "h11": HubH11Protocol}


def server_options(parser: Literal["httptools", "h11"]) -> dict[str, Any]:
    """The ``uvicorn.Config`` arguments for the HTTP/1.1 ``parser`` (``HUB_HTTP_PARSER``): its
    protocol with the hub's 400, and h11's buffer of `SERVER_HEAD_BYTES`."""
    return {"http": _PROTOCOLS[parser], "h11_max_incomplete_event_size": SERVER_HEAD_BYTES}
