"""OpenTelemetry tracing: one trace from an HTTP request through the outbox to every consumer.

The trace context travels as the W3C `traceparent` (only): in HTTP headers, in the outbox row
(captured when the event is emitted) and in Kafka record headers (written by the relay).
Where the spans go is decided by the standard `OTEL_*` variables (`hub_runtime.otel_env`).

Spans carry codes, ids, topics and statuses, never personal data: an exception is recorded by
its type only (`error.type`), because a message can quote input (a validation error does).
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Protocol

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Link, Span, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from hub_runtime.otel_env import add_env_exporters, resource_for

SERVICE_ATTRIBUTE = "hub.service"
MAX_LINKS = 128
"""Links kept on one span (OpenTelemetry's default `OTEL_SPAN_LINK_COUNT_LIMIT`)."""


def configure_tracing(service_name: str, exporter: SpanExporter | None = None) -> None:
    """Install a tracer provider once per process (a test may have installed its own first).

    `service_name` is the resource's `service.name` unless `OTEL_SERVICE_NAME` or
    `OTEL_RESOURCE_ATTRIBUTES` names one (the OpenTelemetry SDK specification's precedence).
    Spans are exported as the `OTEL_*` variables say (`hub_runtime.otel_env.add_env_exporters`):
    by default nowhere. `exporter`, if given, receives every span too (synchronously; tests).
    Raises ValueError for an exporter or protocol this process cannot speak.
    """
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    # No atexit hook: run_service flushes through shutdown_tracing, the one way out (tested).
    provider = TracerProvider(resource=resource_for(service_name), shutdown_on_exit=False)
    add_env_exporters(provider)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)


def shutdown_tracing() -> None:
    """Export the spans still queued and stop the exporters (a process's last step; blocks at
    most the exporters' timeouts, `OTEL_BSP_EXPORT_TIMEOUT` for the batch processor)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()


def current_trace_headers() -> dict[str, str]:
    """The current context as W3C headers, to store with an outbox row or send over HTTP:
    ``traceparent`` only. ``tracestate`` and ``baggage`` (which the default propagators would
    copy from an incoming request) are free text a caller chooses, so the hub does not carry
    them on (into outbox rows, Kafka headers, its own HTTP calls); a hub consumer refuses a
    record carrying them (`hub_runtime.record_headers`)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return {k: v for k, v in carrier.items() if k == "traceparent"}


def headers_from_kafka(headers: Sequence[tuple[str, bytes]] | None) -> dict[str, str]:
    """Kafka record headers as a str mapping (only the ones that decode as UTF-8)."""
    result: dict[str, str] = {}
    for key, value in headers or ():
        try:
            result[key] = value.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return result


@contextmanager
def span_from_carrier(
    service: str, name: str, carrier: Mapping[str, str], kind: SpanKind, **attributes: str | int
) -> Iterator[Span]:
    """A span whose parent is the ``traceparent`` in `carrier` (W3C Trace Context), made
    current for the block. A caller's ``tracestate`` and ``baggage`` are not read: they are
    free text the caller chooses, and the span (exported to the telemetry backend) and
    everything the block sends would carry them."""
    parent = propagate.extract({k: v for k, v in carrier.items() if k.lower() == "traceparent"})
    token = otel_context.attach(parent)
    try:
        tracer = trace.get_tracer(service)
        with tracer.start_as_current_span(
            name, kind=kind, record_exception=False, set_status_on_exception=False
        ) as span:
            span.set_attribute(SERVICE_ATTRIBUTE, service)
            for key, value in attributes.items():
                span.set_attribute(key, value)
            with _failure_by_type(span):
                yield span
    finally:
        otel_context.detach(token)


@contextmanager
def _failure_by_type(span: Span) -> Iterator[None]:
    """An exception marks the span failed with its type (semantic convention `error.type`).
    The SDK's default would record the message as an event and in the status description."""
    try:
        yield
    except Exception as exc:
        span.set_attribute("error.type", type(exc).__qualname__)
        span.set_status(Status(StatusCode.ERROR))
        raise


class _HasHeaders(Protocol):
    @property
    def topic(self) -> str: ...

    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


@contextmanager
def batch_span(service: str, records: Sequence[_HasHeaders]) -> Iterator[Span]:
    """One CONSUMER span for records applied together (OpenTelemetry's messaging convention for
    batches): linked to the context each record carries, and parented by it when the batch holds
    a single record, so that a lone event stays inside its trace."""
    contexts: list[SpanContext] = []
    for record in records:
        if len(contexts) == MAX_LINKS:
            break  # the SDK would drop the rest (its default span limit)
        context = _record_context(record.headers)
        if context is not None:
            contexts.append(context)
    parent = None
    if len(records) == 1 and contexts:
        parent = trace.set_span_in_context(trace.NonRecordingSpan(contexts[0]))
    tracer = trace.get_tracer(service)
    with tracer.start_as_current_span(
        f"{records[0].topic} process",
        context=parent,
        kind=SpanKind.CONSUMER,
        links=[Link(c) for c in contexts],
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        span.set_attribute(SERVICE_ATTRIBUTE, service)
        span.set_attribute("messaging.destination.name", records[0].topic)
        span.set_attribute("messaging.batch.message_count", len(records))
        with _failure_by_type(span):
            yield span


def _record_context(headers: Sequence[tuple[str, bytes]] | None) -> SpanContext | None:
    """The W3C `traceparent` of a Kafka record as a remote span context (None if absent or
    malformed). Parsed here rather than through the propagator: this runs once per record on
    the consumer's hottest path."""
    for key, value in headers or ():
        if key == "traceparent":
            return _parse_traceparent(value)
    return None


def _parse_traceparent(value: bytes) -> SpanContext | None:
    parts = value.split(b"-")
    if len(parts) < 4 or parts[0] == b"ff" or len(parts[1]) != 32 or len(parts[2]) != 16:
        return None
    try:
        trace_id, span_id, flags = int(parts[1], 16), int(parts[2], 16), int(parts[3][:2], 16)
    except ValueError:
        return None
    if trace_id == 0 or span_id == 0:
        return None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(flags))
