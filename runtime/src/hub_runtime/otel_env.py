"""Where spans go, from the standard OpenTelemetry environment variables.

The variables are those of the OpenTelemetry SDK configuration specification
(https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/ and
.../protocol/exporter/). The SDK reads most of them itself, and is left to: the OTLP exporter
reads `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`, `_HEADERS`, `_TIMEOUT`, `_COMPRESSION` and the
certificates; the batch processor reads `OTEL_BSP_*`; `Resource.create` reads
`OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`; the tracer provider honours
`OTEL_SDK_DISABLED`. This module decides only which exporters to install:

- `OTEL_SDK_DISABLED=true`: none.
- `OTEL_TRACES_EXPORTER` (comma-separated): `otlp` (OTLP over HTTP with protobuf), `console`
  (stdout), `none`. Another name is a configuration error.
- unset: `otlp` if `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set,
  otherwise none. The specification's default is `otlp` to localhost:4318; the hub deviates so
  that a service without a collector does not retry an export to nowhere (issue 14: "off when
  none is set").

Only the `http/protobuf` OTLP protocol is installed; `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL`
naming another is a configuration error rather than a silent switch.
"""

import os

from opentelemetry.environment_variables import OTEL_TRACES_EXPORTER
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    OTEL_SDK_DISABLED,
)
from opentelemetry.sdk.resources import SERVICE_NAME, OTELResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

OTLP_PROTOCOL = "http/protobuf"


def resource_for(service_name: str) -> Resource:
    """The process's resource: the SDK's detected attributes (`OTEL_RESOURCE_ATTRIBUTES`,
    `OTEL_SERVICE_NAME`, the SDK's own) with `service.name` = `service_name` unless the
    environment names the service (the environment wins, as the SDK specification says)."""
    named_by_env = SERVICE_NAME in OTELResourceDetector().detect().attributes
    return Resource.create({} if named_by_env else {SERVICE_NAME: service_name})


def exporter_names() -> list[str]:
    """The trace exporters the environment asks for (see the module docstring), in order;
    empty when tracing is not exported. Raises ValueError for an unknown name."""
    if os.environ.get(OTEL_SDK_DISABLED, "").strip().lower() == "true":
        return []
    raw = os.environ.get(OTEL_TRACES_EXPORTER, "").strip()
    if not raw:
        endpoints = (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
        return ["otlp"] if any(os.environ.get(v, "").strip() for v in endpoints) else []
    names = [n.strip().lower() for n in raw.split(",") if n.strip()]
    unknown = sorted(set(names) - {"otlp", "console", "none"})
    if unknown:
        raise ValueError(f"{OTEL_TRACES_EXPORTER}: unsupported exporter(s) {unknown}")
    return [n for n in dict.fromkeys(names) if n != "none"]


def add_env_exporters(provider: TracerProvider) -> None:
    """Attach one BatchSpanProcessor per exporter the environment asks for (none by default).
    Raises ValueError for an unknown exporter or an OTLP protocol other than http/protobuf."""
    for name in exporter_names():
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    protocol = (
        os.environ.get(OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)
        or os.environ.get(OTEL_EXPORTER_OTLP_PROTOCOL)
        or OTLP_PROTOCOL
    ).strip()
    if protocol != OTLP_PROTOCOL:
        raise ValueError(f"OTLP protocol {protocol!r} is not installed; use {OTLP_PROTOCOL}")
    # No arguments: the exporter reads its endpoint, headers, timeout and compression itself.
    return OTLPSpanExporter()
