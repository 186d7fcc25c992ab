"""Spans reach an OTLP/HTTP receiver from service processes configured only by `OTEL_*`.

The services run as OS processes started the way `make run` starts them (`python -m
<service>.main`, i.e. `run_service`), through `hub_demo.processes`, on the real Kafka and
PostgreSQL. The receiver is an HTTP server in this test accepting `POST /v1/traces` and decoding
each body with the official `opentelemetry-proto` ExportTraceServiceRequest (the Collector
cannot be installed here).
"""

import asyncio
import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import uuid4

import pytest
from hub_demo.processes import HubProcesses
from hub_runtime.auth import Role
from hub_runtime.settings import HubSettings
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

pytestmark = pytest.mark.integration

SERVICES = {"casefile", "referral", "partner-gateway", "signals"}
PERSON = {"name": "Noor Otlptest-Rahimi", "date_of_birth": "1990-05-17", "languages": ["fa"]}
# Ten minutes: no export by the timer during a test (OTEL_BSP_SCHEDULE_DELAY is in ms).
TEN_MINUTES_MS = "600000"


@dataclass
class Received:
    bodies: list[bytes] = field(default_factory=list)
    requests: list[ExportTraceServiceRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def services_in_trace(self, trace_id: int) -> set[str]:
        """service.name of every resource with a span in the trace or linked to it."""
        wanted = trace_id.to_bytes(16, "big")
        names: set[str] = set()
        with self.lock:
            for request in self.requests:
                for resource_spans in request.resource_spans:
                    attributes = {
                        a.key: a.value.string_value for a in resource_spans.resource.attributes
                    }
                    for scope in resource_spans.scope_spans:
                        for span in scope.spans:
                            linked = any(link.trace_id == wanted for link in span.links)
                            if span.trace_id == wanted or linked:
                                names.add(attributes.get("service.name", ""))
        return names


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, Received]]:
    """An OTLP/HTTP traces receiver on a free port: (base URL, what it received)."""
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if self.path != "/v1/traces":
                self.send_response(404)
                self.end_headers()
                return
            request = ExportTraceServiceRequest.FromString(body)
            with received.lock:
                received.bodies.append(body)
                received.requests.append(request)
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def hub_processes(
    hub: HubSettings, databases: dict[str, str], log_dir: Path, otel_env: dict[str, str]
) -> HubProcesses:
    """The four service processes with exactly `otel_env` as their OTEL_* environment."""
    processes = HubProcesses(hub, databases, log_dir)
    for service in processes.services.values():
        for key in [k for k in service.env if k.startswith("OTEL_")]:
            del service.env[key]
        service.env.update(otel_env)
    return processes


async def start_only(processes: HubProcesses, *names: str) -> None:
    """Start the named services (all when none is named); on a failure stop what started."""
    try:
        for name in names or tuple(processes.services):
            await processes.services[name].start()
    except BaseException:
        await processes.stop_all()
        raise


async def test_one_referral_reaches_the_receiver_from_all_four_services(
    isolated_hub: HubSettings,
    hub_databases: dict[str, str],
    span_exporter: InMemorySpanExporter,  # a recording provider here: the root span has an id
    tmp_path: Path,
) -> None:
    with otlp_receiver() as (url, received):
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": url, "OTEL_BSP_SCHEDULE_DELAY": "200"}
        processes = hub_processes(isolated_hub, hub_databases, tmp_path, env)
        await start_only(processes)
        client = processes.client()
        try:
            partner_id = await client.register_partner("IOM mission (OTLP test)")
            case_id = await client.open_case(PERSON, country_of_origin="IQ")
            await client.record_decision(case_id)
            await client.grant_consent(case_id, partner_id)
            tracer = trace.get_tracer("counsellor-tool")
            with tracer.start_as_current_span("request referral") as root:
                referral = await client.request_referral(case_id, partner_id)
            assert referral["status"] == "approved", referral
            trace_id = root.get_span_context().trace_id

            # Polled, not awaited with wait_until: the assertion below says who is missing.
            for _ in range(600):
                if received.services_in_trace(trace_id) == SERVICES:
                    break
                await asyncio.sleep(0.1)
        finally:
            await client.aclose()
            await processes.stop_all()
        services = received.services_in_trace(trace_id)
        bodies = list(received.bodies)
    assert services == SERVICES, services
    secrets = (PERSON["name"], "Otlptest", PERSON["date_of_birth"])
    leaked = [s for s in secrets for body in bodies if s.encode() in body]
    assert not leaked, f"personal data in exported spans: {leaked}"


async def _one_request_then_sigterm(processes: HubProcesses) -> int:
    """Casefile alone: one traced request (404 for an unknown case), then SIGTERM and wait.
    Returns the request's trace id."""
    await start_only(processes, "casefile")
    client = processes.client()
    try:
        with trace.get_tracer("counsellor-tool").start_as_current_span("read a case") as root:
            url = f"{client.urls.casefile}/cases/{uuid4()}"
            response = await client.call("GET", url, Role.COUNSELLOR)
        assert response.status_code == 404, response.text
    finally:
        await client.aclose()
        await processes.stop_all()
    return root.get_span_context().trace_id


async def test_spans_still_queued_at_sigterm_are_exported(
    isolated_hub: HubSettings,
    hub_databases: dict[str, str],
    span_exporter: InMemorySpanExporter,
    tmp_path: Path,
) -> None:
    """The batch processor's timer is set to ten minutes: the span can only leave the process
    through run_service's stop path (the flush at shutdown)."""
    with otlp_receiver() as (url, received):
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": url, "OTEL_BSP_SCHEDULE_DELAY": TEN_MINUTES_MS}
        processes = hub_processes(isolated_hub, hub_databases, tmp_path, env)
        trace_id = await _one_request_then_sigterm(processes)
        services = received.services_in_trace(trace_id)
    assert services == {"casefile"}, services


@pytest.mark.parametrize(
    "switch",
    [{}, {"OTEL_SDK_DISABLED": "true"}, {"OTEL_TRACES_EXPORTER": "none"}],
    ids=["no-otel-variable", "sdk-disabled", "exporter-none"],
)
async def test_nothing_is_exported_when_tracing_is_off(
    switch: dict[str, str],
    isolated_hub: HubSettings,
    hub_databases: dict[str, str],
    span_exporter: InMemorySpanExporter,
    tmp_path: Path,
) -> None:
    """Off when the standard switches say so although the endpoint is the receiver. With no
    variable at all the receiver is not named, so that case only shows the process runs and
    sends nothing here; `runtime/tests/test_otel_env.py` shows no exporter is installed."""
    with otlp_receiver() as (url, received):
        endpoint = {"OTEL_EXPORTER_OTLP_ENDPOINT": url} if switch else {}
        env = {**endpoint, **switch, "OTEL_BSP_SCHEDULE_DELAY": "50"}
        processes = hub_processes(isolated_hub, hub_databases, tmp_path, env)
        await _one_request_then_sigterm(processes)
        bodies = list(received.bodies)
    assert bodies == []
