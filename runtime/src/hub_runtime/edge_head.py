"""``HEAD``: answered as the GET without its body, except where the GET discloses personal data.

Starlette adds HEAD to a plain route, FastAPI's routes do not; the edge answers HEAD on every
GET route itself (`HeadAsGetMiddleware`, RFC 9110 section 9.3.2: the GET's status and header
fields, no content). Answering it so runs the GET's handler. Where the GET discloses personal
data and logs that it did (a partner fetching its referral, a counsellor reading a person),
a HEAD would be a logged disclosure with nothing received (the ninth new user's trial): such a
GET is marked with `discloses_personal_data`, and a HEAD there is passed on as HEAD, which no
route takes: the router answers 405 in the hub's error shape, with an ``Allow`` that lists GET
but not HEAD (`hub_runtime.edge.allowed_methods`), and the handler never runs.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

F = TypeVar("F", bound=Callable[..., Any])

_MARK = "__hub_discloses_personal_data__"


def discloses_personal_data(endpoint: F) -> F:
    """Mark a GET endpoint whose answer holds personal data and whose every call is logged as
    a disclosure or an access: HEAD is refused there (405, see the module), so no disclosure is
    made, nor logged, for an answer whose body is never sent. Returns ``endpoint`` itself."""
    setattr(endpoint, _MARK, True)
    return endpoint


def marked(endpoint: object) -> bool:
    """True when ``endpoint`` is marked with `discloses_personal_data`."""
    return bool(getattr(endpoint, _MARK, False))


def head_refused(routes: Sequence[BaseRoute], scope: Scope) -> bool:
    """True when a GET route of ``routes`` (included routers' too) whose path matches the
    request's is marked with `discloses_personal_data`: any such route, not only the first,
    so that an answer that would disclose is never produced for a HEAD."""
    probe = {
        "type": "http",
        "method": "GET",
        "path": scope["path"],
        "root_path": scope.get("root_path", ""),
        "path_params": {},
    }
    for route in iter_route_contexts(routes):
        if "GET" not in (route.methods or ()) or not marked(route.endpoint):
            continue
        if route.matches(probe)[0] is Match.FULL:
            return True
    return False


class HeadAsGetMiddleware:
    """`HEAD` on every GET route (RFC 9110 section 9.3.2): the GET's status and headers,
    without the body; on a GET marked `discloses_personal_data`, 405 (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: a HEAD request runs as the GET and its body is dropped, unless the
        GET would disclose personal data: then it stays HEAD, which the router refuses (405,
        its body dropped too); other scope types (lifespan, websocket) pass through unchanged.
        """
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # Starlette's application puts itself in the scope before any middleware runs.
        app = scope.get("app")
        routes: Sequence[BaseRoute] = getattr(getattr(app, "router", None), "routes", ())
        method = "HEAD" if head_refused(routes, scope) else "GET"
        await self.app({**scope, "method": method}, receive, headers_only)
