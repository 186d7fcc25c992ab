"""Which Kafka headers a hub consumer accepts (unit; on the real Kafka in
test_delivery_guarantees): the ones the hub's own producers send, each in its shape."""

import uuid

import pytest
from hub_runtime.record_headers import unexpected_header
from hub_runtime.telemetry import current_trace_headers, span_from_carrier
from opentelemetry import baggage, context, trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags, TraceState

TRACEPARENT = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize(
    "headers",
    [
        None,
        [],
        # The outbox relay through FastStream: its content type, trace context, FastStream's id.
        [
            ("content-type", b"application/cloudevents+json"),
            ("correlation_id", str(uuid.uuid4()).encode()),
            ("traceparent", TRACEPARENT),
        ],
        [("content-type", b"")],  # FastStream's publish of a body it has no type for
        [("content-type", b"application/cloudevents+json; charset=UTF-8")],  # the guide's
        [("traceparent", TRACEPARENT), ("dlq-replayed-from", b"2:17")],  # a replay
        [("traceparent", TRACEPARENT)],  # the bench's preload
        [("chaos-copy", b"1")],  # the chaos run's duplicate copies
    ],
)
def test_what_the_hub_sends_is_accepted(headers: list[tuple[str, bytes]] | None) -> None:
    assert unexpected_header(headers) is None


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([("x-person", b"Amina Testperson")], "a header the hub does not send (name not shown)"),
        ([("Amina Testperson", b"")], "a header the hub does not send (name not shown)"),
        (
            [("tracestate", b"k=Amina Testperson")],
            "a header the hub does not send (name not shown)",
        ),
        ([("baggage", b"name=Amina")], "a header the hub does not send (name not shown)"),
        ([("", b""), ("dlq-error", b"forged")], "a header the hub does not send (name not shown)"),
        ([("traceparent", b"00-Amina-Testperson-01")], "traceparent is not in its standard shape"),
        ([("traceparent", b"\xff\xfe")], "traceparent is not in its standard shape"),
        ([("correlation_id", b"Amina")], "correlation_id is not in its standard shape"),
        ([("content-type", b"text/Amina")], "content-type is not in its standard shape"),
        ([("chaos-copy", b"Amina")], "chaos-copy is not in its standard shape"),
    ],
)
def test_anything_else_is_refused_with_a_closed_reason(
    headers: list[tuple[str, bytes]], reason: str
) -> None:
    refused = unexpected_header(headers)
    assert refused == f"unexpected_header: {reason}"
    assert "Amina" not in refused


def test_the_hub_propagates_traceparent_only_never_tracestate_or_baggage() -> None:
    """A caller's `tracestate` or `baggage` (free text) is not carried into outbox rows, Kafka
    headers or the hub's own HTTP calls: a consumer would refuse the record."""
    parent = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
        trace_state=TraceState([("vendor", "Amina")]),
    )
    ctx = baggage.set_baggage("name", "Amina", trace.set_span_in_context(NonRecordingSpan(parent)))
    token = context.attach(ctx)
    try:
        carried = current_trace_headers()
    finally:
        context.detach(token)
    assert carried == {"traceparent": TRACEPARENT.decode()}
    assert unexpected_header([(k, v.encode()) for k, v in carried.items()]) is None


def test_a_callers_tracestate_and_baggage_do_not_reach_the_hubs_span() -> None:
    """The HTTP edge's server span continues the caller's trace from ``traceparent`` but reads
    neither ``tracestate`` nor ``baggage`` (free text that would be exported with the span)."""
    carrier = {
        "traceparent": TRACEPARENT.decode(),
        "tracestate": "vendor=Amina",
        "baggage": "name=Amina",
    }
    with span_from_carrier("test", "GET /", carrier, SpanKind.SERVER) as span:
        assert baggage.get_all() == {}
        carried = current_trace_headers()
    assert span.get_span_context().trace_id == 0x0AF7651916CD43DD8448EB211C80319C
    assert "Amina" not in str(span.get_span_context().trace_state)
    assert carried["traceparent"].split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
