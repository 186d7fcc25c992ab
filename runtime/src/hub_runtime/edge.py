"""The hub's one error shape, and what the edge refuses before a route sees the request.

Every 4xx and 5xx the services answer is an `ErrorBody`: `{"error": code, "detail": sentence,
"reasons": [...]}`, whether a route, a dependency, Starlette's router (404, 405) or a middleware
(413, 415, malformed JSON) refused the request. A request whose content has a content coding
(``Content-Encoding: gzip``) is refused with 415 ``unsupported_content_encoding``.

JSON bodies are parsed here once, strictly (`hub_runtime.strict_json`: RFC 8259 and RFC 7493,
the I-JSON profile; the same rules the Kafka consumers apply to records): UTF-8 only, no
duplicate member names, no `NaN`/`Infinity`, no unpaired surrogate escapes.
(U+0000 and other control characters are the contracts' text and code types' to refuse, field
by field.)
"""

import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_runtime import strict_json
from hub_runtime.edge_head import head_refused


class ErrorBody(BaseModel):
    """What every refused request gets back (also the 422 of validation errors)."""

    # Documented as it is sent: `reasons` is always there (empty when there is none to give).
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    error: str = Field(description="A stable machine code (snake_case)", examples=["not_found"])
    detail: str = Field(description="One sentence for people; never echoes submitted data")
    reasons: list[str] = Field(
        default_factory=list,
        description="For invalid input: one reason per fault, as `field.path: what is wrong`",
    )


# The code a status gets when whoever refused it gave none (Starlette's router, the auth
# dependency, a plain HTTPException).
STATUS_CODES: Mapping[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    503: "unavailable",
}


def error_response(
    status: int,
    code: str,
    detail: str,
    reasons: Sequence[str] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, object] | None = None,
) -> JSONResponse:
    """The one error answer: `status` with an `ErrorBody`; `extra` adds fields a client can act
    on (ids, never submitted data), e.g. the open referral a duplicate request collides with."""
    body = ErrorBody(error=code, detail=detail, reasons=list(reasons))
    content = {**(extra or {}), **body.model_dump()}
    return JSONResponse(status_code=status, content=content, headers=headers)


# The hub's sentences for the router's own refusals, in place of Starlette's default detail,
# the status's reason phrase ("Not Found", "Method Not Allowed"; the seventh trial).
ROUTER_DETAILS: Mapping[int, str] = {
    404: (
        "there is no resource at this path (see the service's API description at /docs or"
        " /openapi.json)"
    ),
    405: "this path does not take this method: the Allow header lists the ones it takes",
}


def code_for(status: int) -> str:
    """The default machine code of an HTTP status (`error_<status>` for an unusual one)."""
    return STATUS_CODES.get(status, f"error_{status}")


async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's and FastAPI's `HTTPException` (404/405 of the router, 401/403 of auth,
    429 of a rate limit) in the hub's shape, keeping their headers (WWW-Authenticate,
    Retry-After). A 405's ``Allow`` lists every method the path takes (`allowed_methods`):
    Starlette's names only the first route whose path matched. A 404 or 405 with Starlette's
    default detail (its reason phrase) gets the hub's sentence (`ROUTER_DETAILS`); a route's
    own detail is kept."""
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    if detail in (None, HTTPStatus(exc.status_code).phrase):
        detail = ROUTER_DETAILS.get(exc.status_code, detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
    return error_response(
        exc.status_code,
        code_for(exc.status_code),
        detail or HTTPStatus(exc.status_code).phrase.lower(),
        headers=headers or None,
    )


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """Every method a route of ``routes`` takes on the request's path, sorted, with ``HEAD``
    wherever ``GET`` is (`hub_runtime.edge_head.HeadAsGetMiddleware`) unless that GET discloses
    personal data (`hub_runtime.edge_head.head_refused`): what a 405's ``Allow`` lists (RFC 9110
    section 10.2.1: the methods the target resource supports; section 15.5.6: a 405 carries
    it). Each service adds one route per method, so the path's methods are spread over
    several routes; Starlette's own ``Allow`` named the first route's only."""
    # Only what matching reads: FastAPI keeps its routing state in the request's scope.
    probe = {
        "type": "http",
        "method": scope["method"],
        "path": scope["path"],
        "root_path": scope.get("root_path", ""),
        "path_params": {},
    }
    methods: set[str] = set()
    # Every route, those of included routers too (FastAPI keeps them inside the router).
    for route in iter_route_contexts(routes):
        route_methods = route.methods
        if route_methods and route.matches(probe)[0] is not Match.NONE:
            methods.update(route_methods)
    if "GET" in methods and not head_refused(routes, scope):
        methods.add("HEAD")
    return sorted(methods)


class BodyRefusedError(ValueError):
    """A JSON body the edge refuses: `code` and a reason that quotes nothing of the body."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


_JSON_MEDIA = re.compile(r"application/(?:[a-z0-9.+-]+\+)?json", re.ASCII)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_json_media_type(content_type: str) -> bool:
    """`application/json` or `application/<x>+json`, with at most a UTF-8 charset parameter."""
    media, _, params = content_type.partition(";")
    if not _JSON_MEDIA.fullmatch(media.strip().lower()):
        return False
    charset = params.strip().lower().removeprefix("charset=").strip('"')
    return not params.strip() or charset in {"utf-8", "utf8"}


def parse_json_body(raw: bytes) -> Any:
    """The body as Python values; raises `BodyRefusedError` for anything RFC 7493 rules out
    (the rules and codes of `hub_runtime.strict_json`, shared with the Kafka consumers)."""
    try:
        return strict_json.loads(raw)
    except strict_json.StrictJsonError as refused:
        raise BodyRefusedError(refused.code, f"body: {refused.problem}") from None


class JsonBodyMiddleware:
    """Refuses, before routing, a body that is not JSON (415) or not strict JSON (422).

    An empty body passes: the route's own validation says whether it needed one. Runs inside
    `BodyLimitMiddleware`, so the body is already bounded and buffered. On a path under one of
    ``form_prefixes`` (a route that takes JSON or a form: RFC 6749's token endpoint) or
    ``page_prefixes`` (staff pages, whose forms are the only bodies they take) an HTML form's
    body (``application/x-www-form-urlencoded``) passes too: the routes there parse it
    themselves (an HTML form cannot send JSON). Another body's 415 names what the path takes:
    a form only (:data:`FORM_ONLY`) under a page prefix, JSON or a form under a form prefix,
    JSON elsewhere.
    """

    def __init__(
        self,
        app: ASGIApp,
        form_prefixes: tuple[str, ...] = (),
        page_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.form_prefixes = form_prefixes
        self.page_prefixes = page_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: a POST, PUT or PATCH body that is not JSON answers 415, one that is not
        strict JSON (duplicate keys, ...) 422, in the hub's error shape; other scope types
        (lifespan, websocket) pass through unchanged."""
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        path = str(scope.get("path", ""))
        page_path = under_prefixes(path, self.page_prefixes)
        form_path = page_path or under_prefixes(path, self.form_prefixes)
        if form_path and _is_form(scope):
            refusal = None
        else:
            sentence = FORM_ONLY if page_path else NOT_JSON_NOR_FORM if form_path else NOT_JSON
            refusal = _refusal(scope, body, sentence)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def under_prefixes(path: str, prefixes: Sequence[str]) -> bool:
    """True when ``path`` is under one of ``prefixes`` (`hub_runtime.http.create_app`'s
    ``form_prefixes`` or ``page_prefixes``): everything below ``/dashboard/``, and
    ``/dashboard`` itself, the page the prefix is named after."""
    return any(path.startswith(prefix) or path == prefix.rstrip("/") for prefix in prefixes)


FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
NOT_JSON = "the body must be JSON in UTF-8, sent with Content-Type: application/json"
NOT_JSON_NOR_FORM = (
    "the body must be JSON in UTF-8 (Content-Type: application/json) or a form"
    " (Content-Type: application/x-www-form-urlencoded)"
)
FORM_ONLY = (
    "a page's form is sent as a form (Content-Type: application/x-www-form-urlencoded), as a"
    " browser sends it"
)
"""The 415's sentence on a staff page's path, for JSON (`hub_runtime.staff_pages`) or any
other body (`JsonBodyMiddleware`)."""


def is_form_media_type(content_type: str) -> bool:
    """``application/x-www-form-urlencoded``, whatever its parameters (a staff page's form)."""
    return content_type.split(";")[0].strip().lower() == FORM_MEDIA_TYPE


def _is_form(scope: Scope) -> bool:
    content_type: bytes = dict(scope.get("headers") or []).get(b"content-type", b"")
    return is_form_media_type(content_type.decode("latin-1"))


def _refusal(scope: Scope, body: bytes, not_json: str) -> JSONResponse | None:
    """415 with the sentence ``not_json`` for a body that is not JSON, 422 for JSON that is
    not strict; None when the body passes."""
    if not body:
        return None
    content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
    if not is_json_media_type(content_type.decode("latin-1")):
        return error_response(415, "unsupported_media_type", not_json)
    try:
        parse_json_body(body)
    except BodyRefusedError as refused:
        return error_response(422, refused.code, refused.reason, [refused.reason])
    return None


IDENTITY = "identity"
"""The one content coding the edge reads: none (RFC 9110 section 8.4.1)."""


class ContentEncodingMiddleware:
    """Refuses a request that declares a content coding other than ``identity`` (gzip,
    deflate, br, ...) with 415 ``unsupported_content_encoding`` and ``Accept-Encoding:
    identity``, in the hub's error shape (RFC 9110 section 8.4: a server that cannot decode a
    request's content coding answers 415; section 15.5.16: the Accept-Encoding response field
    says which codings it would accept). Without this, a gzip body would be read as if it were
    plain (and refused as "not UTF-8", or worse, a coded form read as fields). The request's
    coding is never repeated: a header value is whatever the client wrote."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: any ``Content-Encoding`` field naming a coding other than
        ``identity`` answers 415 before the body is read; other scope types (lifespan,
        websocket) pass through unchanged."""
        if scope["type"] != "http" or not _coded(scope):
            await self.app(scope, receive, send)
            return
        refusal = error_response(
            415,
            "unsupported_content_encoding",
            "the request's content must be sent without a content coding (no Content-Encoding,"
            " or Content-Encoding: identity); gzip, deflate, br and others are not accepted",
            headers={"Accept-Encoding": IDENTITY},
        )
        await refusal(scope, receive, send)


def _coded(scope: Scope) -> bool:
    """True when a ``Content-Encoding`` field (each of them; a list of codings, RFC 9110
    section 8.4, case-insensitive) names a coding other than ``identity``."""
    for name, value in scope.get("headers") or []:
        if name.lower() != b"content-encoding":
            continue
        codings = (c.strip().lower() for c in value.decode("latin-1").split(","))
        if any(coding and coding != IDENTITY for coding in codings):
            return True
    return False
