"""The HTTP edge every service shares: errors with reasons, size limits, tracing, health.

Only `/health`, `/ready`, `/metrics` (operational figures) and the API descriptions
(`/openapi.json`, `/docs`, `/asyncapi.json`), which hold no data, are reachable without a token.
"""

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub_runtime.metrics import IN_FLIGHT_REQUESTS
from hub_runtime.telemetry import span_from_carrier

ReadinessCheck = Callable[[], Awaitable[bool]]


class DomainError(Exception):
    """A request the rules refuse. `reason` is shown to the counsellor's tool as it is."""

    status_code = 409

    def __init__(self, reason: str, *, code: str = "refused", status_code: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        if status_code is not None:
            self.status_code = status_code


class NotFoundError(DomainError):
    status_code = 404

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was not found", code="not_found")


def validation_reasons(errors: Sequence[Any]) -> list[str]:
    """Readable reasons without echoing the input (it may be personal data)."""
    reasons = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        reasons.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return reasons


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    reasons = validation_reasons(exc.errors())
    return JSONResponse(
        status_code=422,
        content={"error": "invalid_request", "detail": "; ".join(reasons), "reasons": reasons},
    )


async def _on_domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse(
        status_code=exc.status_code, content={"error": exc.code, "detail": exc.reason}
    )


class BodyLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413 before the app parses anything."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _too_large(self.max_bytes, scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
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


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        status_code=413,
        content={"error": "payload_too_large", "detail": f"the body exceeds {limit} bytes"},
    )
    await response(scope, receive, send)


class TracingMiddleware:
    """A server span per request, continuing the caller's trace when it sent `traceparent`."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
        status_holder: dict[str, int] = {}

        async def send_with_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = int(message["status"])
            await send(message)

        name = f"{scope['method']} {scope['path']}"
        in_flight = IN_FLIGHT_REQUESTS.labels(self.service)
        in_flight.inc()
        try:
            with span_from_carrier(self.service, name, carrier, SpanKind.SERVER) as span:
                await self.app(scope, receive, send_with_status)
                code = status_holder.get("status", 500)
                span.set_attribute("http.response.status_code", code)
                if code >= 500:
                    span.set_status(Status(StatusCode.ERROR))
        finally:
            in_flight.dec()


def create_app(
    *,
    service: str,
    title: str,
    description: str,
    max_body_bytes: int,
    readiness: Mapping[str, ReadinessCheck],
    asyncapi: Callable[[], dict[str, Any]] | None = None,
) -> FastAPI:
    """A FastAPI app with the shared edge behaviour; the service adds its routers."""
    app = FastAPI(title=title, description=description, version="1")
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(TracingMiddleware, service=service)
    started = time.monotonic()

    @app.get("/health", tags=["operations"], summary="Liveness: the process answers")
    async def health() -> dict[str, object]:
        return {"status": "ok", "service": service, "uptime_s": round(time.monotonic() - started)}

    @app.get("/ready", tags=["operations"], summary="Readiness: database and Kafka reachable")
    async def ready() -> JSONResponse:
        results = {name: await _safe(check) for name, check in readiness.items()}
        ok = all(results.values())
        return JSONResponse(
            status_code=200 if ok else 503,
            content={"status": "ready" if ok else "not_ready", "checks": results},
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics (no personal data)")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    if asyncapi is not None:
        document = asyncapi

        @app.get("/asyncapi.json", tags=["operations"], summary="AsyncAPI 3 document of the events")
        async def asyncapi_document() -> dict[str, Any]:
            return document()

    return app


async def _safe(check: ReadinessCheck) -> bool:
    try:
        return await check()
    except Exception:
        return False
