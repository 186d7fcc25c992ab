"""OpenTelemetry tracing: one trace from an HTTP request through the outbox to every consumer.

The trace context travels as W3C `traceparent`/`tracestate`: in HTTP headers, in the outbox row
(captured when the event is emitted) and in Kafka record headers (written by the relay).
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind

SERVICE_ATTRIBUTE = "hub.service"


def configure_tracing(service_name: str, exporter: SpanExporter | None = None) -> None:
    """Install a tracer provider once per process (a test may have installed its own first)."""
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)


def current_trace_headers() -> dict[str, str]:
    """The current context as W3C headers, to store with an outbox row or send over HTTP."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


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
    """A span whose parent is the context in `carrier`, made current for the block."""
    parent = propagate.extract(dict(carrier))
    token = otel_context.attach(parent)
    try:
        tracer = trace.get_tracer(service)
        with tracer.start_as_current_span(name, kind=kind) as span:
            span.set_attribute(SERVICE_ATTRIBUTE, service)
            for key, value in attributes.items():
                span.set_attribute(key, value)
            yield span
    finally:
        otel_context.detach(token)
