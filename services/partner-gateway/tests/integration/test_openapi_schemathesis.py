"""schemathesis generates requests from the gateway's own OpenAPI document: no answer is a 5xx.

The gateway and casefile (which the disclosure path calls) run as real processes on the real
stack, so schemathesis' synchronous client never blocks the service it is testing.
"""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hub_demo.processes import free_port
from hub_runtime.auth import Role, mint_token
from hub_runtime.kafka import delete_topics_with_prefix
from hub_runtime.settings import HubSettings
from hub_runtime.testing import temporary_databases
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 20  # per operation: enough to hit every validator, small enough for CI


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service at {url} exited during start")
        try:
            if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


@pytest.fixture(scope="module")
def gateway_url(hub_settings: HubSettings) -> Iterator[str]:
    prefix = f"t-{uuid.uuid4().hex[:8]}."
    databases = asyncio.run(_create_databases(hub_settings))
    ports = {"casefile": free_port(), "gateway": free_port()}
    base_env = {
        **os.environ,
        "HUB_KAFKA_BOOTSTRAP": hub_settings.kafka_bootstrap,
        "HUB_PG_DSN": hub_settings.pg_dsn,
        "HUB_JWT_SECRET": hub_settings.jwt_secret.get_secret_value(),
        "HUB_TOPIC_PREFIX": prefix,
        "CASEFILE_HTTP_PORT": str(ports["casefile"]),
        "CASEFILE_DATABASE": databases["casefile"],
        "PARTNER_GATEWAY_HTTP_PORT": str(ports["gateway"]),
        "PARTNER_GATEWAY_DATABASE": databases["partner_gateway"],
        "PARTNER_GATEWAY_CASEFILE_URL": f"http://127.0.0.1:{ports['casefile']}",
        # Generated requests come fast; the rate limit (429) is tested elsewhere.
        "PARTNER_GATEWAY_RATE_LIMIT_PER_SECOND": "10000",
        "PARTNER_GATEWAY_RATE_LIMIT_BURST": "10000",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", module],
            env=base_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for module in ("casefile.main", "partner_gateway.main")
    ]
    try:
        _wait_ready(f"http://127.0.0.1:{ports['casefile']}", processes[0])
        url = f"http://127.0.0.1:{ports['gateway']}"
        _wait_ready(url, processes[1])
        yield url
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        asyncio.run(_drop_everything(hub_settings, databases, prefix))


async def _create_databases(settings: HubSettings) -> dict[str, str]:
    manager = temporary_databases(settings, "casefile", "partner_gateway")
    names = await manager.__aenter__()
    _MANAGERS.append(manager)
    return names


_MANAGERS: list[Any] = []


async def _drop_everything(settings: HubSettings, databases: dict[str, str], prefix: str) -> None:
    await delete_topics_with_prefix(settings.kafka_bootstrap, prefix)
    for manager in _MANAGERS:
        await manager.__aexit__(None, None, None)
    _MANAGERS.clear()


def _headers_for(path: str, secret: str) -> dict[str, str]:
    if path.startswith("/admin"):
        token = mint_token(secret, sub="fuzz-admin", role=Role.ADMIN)
    else:
        token = mint_token(secret, sub="fuzz-partner", role=Role.PARTNER, partner_id=uuid.uuid4())
    return {"Authorization": f"Bearer {token}"}


def test_no_generated_request_gets_a_server_error(
    gateway_url: str, hub_settings: HubSettings
) -> None:
    # schemathesis' pytest plugin does not run under pytest 9 yet, so each operation's
    # strategy is driven with hypothesis directly; the check is schemathesis' own.
    schema = schemathesis.openapi.from_url(f"{gateway_url}/openapi.json")
    secret = hub_settings.jwt_secret.get_secret_value()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the gateway's OpenAPI lists fewer operations than it has"
    server_errors: list[str] = []
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def no_5xx(case: Any) -> None:
            response = case.call(headers=_headers_for(case.path, secret))
            statuses.append(response.status_code)
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        no_5xx()
    assert not server_errors, server_errors
    # The requests really reached the handlers: some were accepted, some refused with a reason.
    assert len(statuses) >= 5 * len(operations)
    assert any(code < 300 for code in statuses)
    assert any(400 <= code < 500 for code in statuses)
