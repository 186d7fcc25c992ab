"""The HTTP edge every service shares: errors with reasons, size limits, tracing, health.

Only `/health`, `/ready`, `/metrics` (operational figures) and the API descriptions
(`/openapi.json`, `/docs`, `/asyncapi.json`), which hold no data, are reachable without a token.
"""

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.telemetry import TelemetryConfig
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_runtime import errors, openapi_errors
from hub_runtime.api_docs import install_docs
from hub_runtime.edge import (
    ContentEncodingMiddleware,
    JsonBodyMiddleware,
    error_response,
    on_http_exception,
)
from hub_runtime.edge_head import HeadAsGetMiddleware
from hub_runtime.edge_limits import BodyLimitMiddleware, HeadLimitMiddleware, HostFieldMiddleware
from hub_runtime.edge_pages import ErrorPage, ErrorPagesMiddleware
from hub_runtime.edge_shape import refuse_on_descriptions, refuse_what_is_not_taken
from hub_runtime.health import Health, HealthJSONResponse, ReadinessCheck, liveness
from hub_runtime.health import readiness as readiness_report
from hub_runtime.metrics import IN_FLIGHT_REQUESTS
from hub_runtime.telemetry import span_from_carrier
from hub_runtime.validation_reasons import validation_reasons

log = logging.getLogger(__name__)

HTTP_STATUS: dict[errors.Refusal, int] = {
    errors.Refusal.INVALID: 422,
    errors.Refusal.BAD_REQUEST: 400,
    errors.Refusal.UNAUTHENTICATED: 401,
    errors.Refusal.FORBIDDEN: 403,
    errors.Refusal.NOT_FOUND: 404,
    errors.Refusal.CONFLICT: 409,
    errors.Refusal.GONE: 410,
    errors.Refusal.NOT_YET_KNOWN: 409,
    errors.Refusal.UNAVAILABLE: 503,
    errors.Refusal.TOO_LARGE: 413,
    errors.Refusal.UNSUPPORTED_MEDIA_TYPE: 415,
}
"""The one mapping from a domain error's kind to its HTTP status (RFC 9110 §15)."""


def status_of(error: errors.DomainError) -> int:
    """The HTTP status a domain error answers."""
    return HTTP_STATUS[error.refusal]


async def on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's `RequestValidationError` (a body, path or query that does not validate) as
    422 ``invalid_request`` in the hub's shape, its reasons `validation_reasons`' (the field
    and what it takes, never the value sent). Installed by `create_app`, and by an app that is
    not a service (the partner simulator)."""
    assert isinstance(exc, RequestValidationError)
    reasons = validation_reasons(exc.errors())
    return error_response(422, "invalid_request", "; ".join(reasons), reasons)


UNAVAILABLE_RETRY_AFTER_SECONDS = 2
"""What a 503 for a dependency that failed mid-request asks the client to wait (RFC 9110
section 10.2.3): a database restart or a network cut usually heals within seconds."""


def headers_of(error: errors.DomainError) -> dict[str, str]:
    """The header fields a domain error's answer carries beside its body: ``Retry-After``
    (`UNAVAILABLE_RETRY_AFTER_SECONDS`) on a 503, as on every other 503 of the hub (RFC 9110
    section 15.6.4: a 503 may say how long to wait; section 10.2.3), none otherwise."""
    if status_of(error) == 503:
        return {"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)}
    return {}


async def _on_domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    return error_response(
        status_of(exc),
        exc.code,
        exc.reason,
        exc.reasons,
        headers=headers_of(exc) or None,
        extra=exc.extra,
    )


async def _on_infrastructure_error(request: Request, exc: Exception) -> JSONResponse:
    """The database or the broker failed under a request (a restart, a network cut, a lost
    deadlock): the request itself was fine, so 503 ``unavailable`` with ``Retry-After``, the
    same answer as for backpressure, never a 500. The unit of work was rolled back (nothing
    half done); an Idempotency-Key claim of that transaction went with it, so a retry with the
    same key is applied once. Logged as a WARNING with the error's type, never its message."""
    route = request.scope.get("route")
    log.warning(
        "dependency failed under a request",
        extra={
            "method": request.method,
            "path": getattr(route, "path", "(no route)"),
            "error_type": type(exc).__name__,
        },
    )
    return error_response(
        503,
        "unavailable",
        "A service the hub depends on (its database or Kafka) did not answer; the request was"
        " not applied. Try again in a moment.",
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_SECONDS)},
    )


CLIENT_CLOSED_REQUEST = 499
"""The span status of a request the client abandoned before the answer (nginx's convention)."""

NO_FRAMEWORK_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}
"""FastAPI's own OpenTelemetry instrumentation (0.165 and later), switched off in every app.

On by default, it records each request's query string in plaintext as `url.query` (the
portal's activation and reset codes, or anything a caller typed), a second SERVER span beside
`TracingMiddleware`'s, and, with `FASTAPI_OTEL_AUTO_CONFIGURE=true`, exception messages to
OTLP. The hub's request spans are `TracingMiddleware`'s alone."""

_KNOWN_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)


def server_span_name(scope: Scope) -> str:
    """A request span's name, `{method} {route template}` or `{method}` when no route matched
    (OpenTelemetry semantic conventions, HTTP spans, "Name"; an unknown method is `HTTP`).

    Never the path itself: a path can hold whatever the client typed."""
    method = scope["method"] if scope["method"] in _KNOWN_METHODS else "HTTP"
    route = getattr(scope.get("route"), "path", None)
    return f"{method} {route}" if isinstance(route, str) else method


class TracingMiddleware:
    """A server span per request, continuing the caller's trace when it sent `traceparent`."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point: each HTTP request runs in a server span, child of the caller's
        ``traceparent`` when given; other scope types (lifespan, websocket) pass through
        unchanged."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
        status_holder: dict[str, int] = {}

        async def send_with_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = int(message["status"])
            await send(message)

        gone: list[bool] = []

        async def receive_watched() -> Message:
            message = await receive()
            if message["type"] == "http.disconnect":
                gone.append(True)
            return message

        in_flight = IN_FLIGHT_REQUESTS.labels(self.service)
        in_flight.inc()
        try:
            with span_from_carrier(
                self.service, server_span_name(scope), carrier, SpanKind.SERVER
            ) as span:
                try:
                    await self.app(scope, receive_watched, send_with_status)
                except Exception as exc:
                    _log_server_error(self.service, scope, 500, type(exc).__name__)
                    raise
                finally:
                    span.update_name(server_span_name(scope))  # the route is known by now
                if "status" not in status_holder and gone:
                    # The client left before an answer (nginx logs this as 499): not our fault.
                    span.set_attribute("http.response.status_code", CLIENT_CLOSED_REQUEST)
                    log.info("client closed the request", extra={"method": scope["method"]})
                    return
                code = status_holder.get("status", 500)
                span.set_attribute("http.response.status_code", code)
                if code >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                if code == 500:
                    _log_server_error(self.service, scope, code, None)
        finally:
            in_flight.dec()


def _log_server_error(service: str, scope: Scope, status: int, error_type: str | None) -> None:
    """One ERROR line per 500: a request the hub failed (a deliberate 502/503, a dependency
    down or not ready, is not one). The route's template, never the path: a path can hold
    whatever the client typed."""
    route = scope.get("route")
    log.error(
        "server error answered",
        extra={
            "service": service,
            "method": scope["method"],
            "path": getattr(route, "path", "(no route)"),
            "status": status,
            "error_type": error_type or "none",
        },
    )


def create_app(
    *,
    service: str,
    title: str,
    description: str,
    max_body_bytes: int,
    readiness: Mapping[str, ReadinessCheck],
    asyncapi: Callable[[], dict[str, Any]] | None = None,
    form_prefixes: tuple[str, ...] = (),
    page_prefixes: tuple[str, ...] = (),
) -> FastAPI:
    """A FastAPI app with the shared edge behaviour; the service adds its routers.

    Every refusal answers the hub's `ErrorBody` (see `hub_runtime.edge`); bodies are strict
    JSON (415 otherwise, 422 for duplicate keys) without a content coding (415
    ``unsupported_content_encoding``), except HTML form bodies
    (``application/x-www-form-urlencoded``) on paths under ``form_prefixes`` (a route that
    takes JSON or a form: the gateway's token endpoint) and ``page_prefixes`` (server-rendered
    pages, e.g. signals' ``/dashboard/``, which take a form only, and whose 415 says so),
    where a browser gets the service's error page instead of JSON once it adds one
    (`hub_runtime.edge_pages.add_error_page`); HEAD works on every GET route but those
    marked `hub_runtime.edge_head.discloses_personal_data` (405 there: a HEAD must not
    disclose); a domain error's 503 carries ``Retry-After`` (`headers_of`); the OpenAPI
    document lists each route's error statuses (see `hub_runtime.openapi_errors`).

    A request that does not name its host once is 400 ``host_missing``, ``host_repeated`` or
    ``host_invalid`` (`hub_runtime.edge_limits.HostFieldMiddleware`, RFC 9112 section 3.2).
    A body, a query parameter or a repeated scalar query parameter the operation does not take
    is 400 (`hub_runtime.edge_shape`), except under ``form_prefixes`` and ``page_prefixes``,
    whose routes read their own forms and query (a page's query parameter given twice is
    still 400 ``query_parameter_repeated``, the page's own error page for a browser). A path
    without its route is the hub's 404, never Starlette's 307 to the path with or without a
    final slash (``redirect_slashes=False``): that redirect copied the query, which may hold
    personal data, into ``Location`` (a page that wants such a redirect has a route of its
    own, e.g. the portal's ``/portal`` to ``/portal/``)."""
    app = FastAPI(
        title=title,
        description=description,
        version="1",
        redirect_slashes=False,
        telemetry=NO_FRAMEWORK_TELEMETRY,
        docs_url=None,  # served by `install_docs`, without a CDN
        redoc_url=None,
        dependencies=[Depends(refuse_what_is_not_taken(form_prefixes, page_prefixes))],
    )
    install_docs(app)
    refuse_on_descriptions(app)  # /openapi.json; the pages of `install_docs` are routes
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(errors.DomainError, _on_domain_error)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    for infrastructure_error in errors.INFRASTRUCTURE_ERRORS:
        if issubclass(infrastructure_error, Exception):  # all are; Starlette takes Exceptions
            app.add_exception_handler(infrastructure_error, _on_infrastructure_error)
    # Outermost last: tracing sees everything; the size limit runs before JSON is parsed.
    app.add_middleware(JsonBodyMiddleware, form_prefixes=form_prefixes, page_prefixes=page_prefixes)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(ContentEncodingMiddleware)  # before the body is read
    app.add_middleware(HostFieldMiddleware)  # RFC 9112 section 3.2, inside the head's limits
    app.add_middleware(HeadLimitMiddleware)
    # Outside the limits, so their refusals too become a service's page (`add_error_page`).
    pages: dict[str, ErrorPage] = {}
    app.state.error_pages = pages
    app.add_middleware(ErrorPagesMiddleware, pages=pages)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(TracingMiddleware, service=service)
    openapi_errors.install(app)
    started = time.monotonic()

    # Health Check Response Format (draft-inadarei-api-health-check-06), see hub_runtime.health.
    @app.get(
        "/health",
        tags=["operations"],
        summary="Liveness: the process answers (application/health+json)",
        response_model=Health,
        response_class=HealthJSONResponse,
    )
    async def health() -> HealthJSONResponse:
        return liveness(service, started)

    @app.get(
        "/ready",
        tags=["operations"],
        summary="Readiness: database and Kafka reachable (application/health+json)",
        response_model=Health,
        response_class=HealthJSONResponse,
        responses={503: {"model": Health, "description": "A check failed: not ready"}},
    )
    async def ready() -> HealthJSONResponse:
        return await readiness_report(service, readiness, UNAVAILABLE_RETRY_AFTER_SECONDS)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics (no personal data)",
        # Documented as what it is: the Prometheus text exposition format, not JSON.
        response_class=PlainTextResponse,
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    if asyncapi is not None:
        document = asyncapi

        @app.get("/asyncapi.json", tags=["operations"], summary="AsyncAPI 3 document of the events")
        async def asyncapi_document() -> dict[str, Any]:
            return document()

    return app
