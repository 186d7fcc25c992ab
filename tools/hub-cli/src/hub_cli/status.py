"""``hub status``: Kafka, PostgreSQL and each service's ``/health`` and ``/ready``.

Checked directly (no shell script), so it works wherever the CLI can reach the hub: Kafka with
a metadata request to ``HUB_KAFKA_BOOTSTRAP``, PostgreSQL with ``SELECT 1`` on the server of
``HUB_PG_DSN`` (database ``postgres``), each service's health endpoints (IETF
draft-inadarei-api-health-check: ``status`` ``pass``/``fail``).
"""

import asyncio
from typing import Annotated, Any

import asyncpg
import httpx
import typer
from aiokafka.admin import AIOKafkaAdminClient
from hub_runtime.db import dsn_for_database
from hub_runtime.kafka_security import KafkaSecurityError, kafka_client_options
from hub_runtime.redaction import redact_url
from hub_runtime.settings import HubSettings

from hub_cli import output
from hub_cli.config import SERVICES, hub_settings, service_url
from hub_cli.output import handles_errors

CHECK_SECONDS = 5.0

JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON document for scripts.")]


async def _kafka(settings: HubSettings) -> dict[str, str]:
    bootstrap = settings.kafka_bootstrap
    try:
        # The hub's one place for Kafka security options (SASL_SSL with the stack's login).
        admin = AIOKafkaAdminClient(**kafka_client_options(settings), request_timeout_ms=5000)
    except KafkaSecurityError as exc:
        return {"status": "fail", "target": bootstrap, "detail": str(exc)}
    try:
        await asyncio.wait_for(admin.start(), CHECK_SECONDS)
        topics = await asyncio.wait_for(admin.list_topics(), CHECK_SECONDS)
    except Exception as exc:  # any failure to reach the broker is the answer, not a crash
        return {"status": "fail", "target": bootstrap, "detail": type(exc).__name__}
    finally:
        await admin.close()
    return {"status": "pass", "target": bootstrap, "detail": f"{len(topics)} topics"}


async def _postgres(server_dsn: str) -> dict[str, str]:
    target = server_dsn.rsplit("@", 1)[-1]  # never the user or password part
    try:
        connection = await asyncio.wait_for(
            asyncpg.connect(dsn_for_database(server_dsn, "postgres")), CHECK_SECONDS
        )
        try:
            version = await connection.fetchval("SHOW server_version")
        finally:
            await connection.close()
    except Exception as exc:  # as above: unreachable is the answer
        return {"status": "fail", "target": target, "detail": type(exc).__name__}
    return {"status": "pass", "target": target, "detail": f"PostgreSQL {version}"}


async def _endpoint(client: httpx.AsyncClient, url: str) -> str:
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return f"unreachable ({type(exc).__name__})"
    try:
        status = response.json().get("status")
    except (ValueError, AttributeError):
        status = None
    if response.is_success and status == "pass":
        return "pass"
    return "fail" if status == "fail" else f"fail (HTTP {response.status_code})"


async def _service(client: httpx.AsyncClient, name: str, url: str) -> dict[str, str]:
    health, ready = await asyncio.gather(
        _endpoint(client, f"{url}/health"), _endpoint(client, f"{url}/ready")
    )
    # The URL may carry user:password@ (HUB_CASEFILE_URL=http://u:p@host): used, never shown.
    return {"name": name, "url": redact_url(url), "health": health, "ready": ready}


async def collect() -> dict[str, Any]:
    """The status document: ``{"ok", "stack": {"kafka", "postgres"}, "services": [...]}``.

    ``stack`` entries have ``status`` (``pass``/``fail``), ``target`` (address, never
    credentials) and ``detail``; each service has ``name``, ``url`` (its userinfo and query
    values shown as ``REDACTED``, `hub_runtime.redaction.redact_url`), ``health`` and ``ready``
    (``pass``, ``fail``, ``fail (HTTP n)`` or ``unreachable (...)``). ``ok`` is true when every
    check passes. Raises `CliError` ``bad_setting`` (`service_url`) before checking anything
    when a service's port variable is no port or its ``HUB_*_URL`` is malformed."""
    settings = hub_settings()
    urls = {name: service_url(name) for name in SERVICES}
    async with httpx.AsyncClient(timeout=CHECK_SECONDS) as client:
        kafka, postgres, *services = await asyncio.gather(
            _kafka(settings),
            _postgres(settings.pg_dsn),
            *(_service(client, name, url) for name, url in urls.items()),
        )
    ok = all(c["status"] == "pass" for c in (kafka, postgres)) and all(
        s["health"] == "pass" and s["ready"] == "pass" for s in services
    )
    return {"ok": ok, "stack": {"kafka": kafka, "postgres": postgres}, "services": services}


@handles_errors()
def status(as_json: JsonFlag = False) -> None:
    """The stack (Kafka, PostgreSQL) and each service's /health and /ready.

    Exit code 0 when every check passes, 3 otherwise; 1 ``bad_setting`` when a port variable
    (or the port ``make run`` recorded) is no port number, or a ``HUB_*_URL`` is malformed
    (`config.service_url`)."""
    report = asyncio.run(collect())
    if as_json:
        output.emit_json(report)
    else:
        output.table(
            "stack",
            ["component", "status", "target", "detail"],
            [(n, c["status"], c["target"], c["detail"]) for n, c in report["stack"].items()],
        )
        output.table(
            "services",
            ["service", "health", "ready", "url"],
            [(s["name"], s["health"], s["ready"], s["url"]) for s in report["services"]],
        )
    if not report["ok"]:
        raise typer.Exit(output.UNREACHABLE)
