"""What a request's spans record: one SERVER span per request, named by its route template,
and nothing of the path or query the client typed."""

from collections.abc import Sequence
from uuid import uuid4

import httpx
from fastapi import FastAPI
from hub_runtime.http import create_app
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

TYPED = "Jan Spanprobe-Jansen"  # what a caller might type into a path or a query


def _app() -> FastAPI:
    app = create_app(
        service="spanprobe",
        title="span probe",
        description="spans of requests",
        max_body_bytes=1_000,
        readiness={},
    )

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"thing_id": "seen"}

    return app


async def _requests(span_exporter: InMemorySpanExporter, *paths: str) -> Sequence[ReadableSpan]:
    marker = uuid4().hex  # the traceparent's trace id: this test's spans only
    traceparent = f"00-{marker}-{uuid4().hex[:16]}-01"
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        for path in paths:
            await client.get(path, headers={"traceparent": traceparent})
    return [
        span
        for span in span_exporter.get_finished_spans()
        if span.context is not None and f"{span.context.trace_id:032x}" == marker
    ]


async def test_a_query_the_client_typed_is_in_no_span(
    span_exporter: InMemorySpanExporter,
) -> None:
    """FastAPI's own instrumentation recorded the query in plaintext (`url.query`), e.g. the
    portal's activation code; the hub switches it off (`NO_FRAMEWORK_TELEMETRY`)."""
    spans = await _requests(
        span_exporter,
        "/health?code=INVITE-SECRET-42&name=Jan+Spanprobe-Jansen",
        "/things/abc?name=Jan+Spanprobe-Jansen",
    )
    assert spans, "the requests made no span"
    for span in spans:
        exported = span.to_json()
        assert "INVITE-SECRET-42" not in exported
        assert "Spanprobe" not in exported
        assert "url.query" not in (span.attributes or {})


async def test_each_request_has_one_server_span_named_by_its_route(
    span_exporter: InMemorySpanExporter,
) -> None:
    spans = await _requests(span_exporter, "/things/abc", f"/things/{TYPED}", f"/nowhere/{TYPED}")
    servers = [span for span in spans if span.kind is SpanKind.SERVER]
    assert [span.name for span in servers] == ["GET /things/{thing_id}"] * 2 + ["GET"]
    for span in spans:
        assert "Spanprobe" not in span.to_json()
