"""The hub (four services, in this process, on the real Kafka and PostgreSQL) for the client's
tests, and a counsellor's `HubClient` on it."""

from collections.abc import AsyncIterator

import httpx
import pytest
from hub_client import HubClient, RetryPolicy
from hub_demo.inprocess import RunningHub, start_hub
from hub_runtime.auth import Role, mint_token
from hub_runtime.settings import HubSettings


@pytest.fixture
async def running_hub(
    isolated_hub: HubSettings, hub_databases: dict[str, str]
) -> AsyncIterator[RunningHub]:
    hub = await start_hub(isolated_hub, hub_databases)
    try:
        yield hub
    finally:
        await hub.stop()


def token(hub: RunningHub, role: Role = Role.COUNSELLOR, sub: str = "kit-counsellor") -> str:
    return mint_token(hub.hub.jwt_secret.get_secret_value(), sub=sub, role=role)


def client_of(
    hub: RunningHub, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 30.0
) -> HubClient:
    urls = hub.urls()
    fast = RetryPolicy(attempts=4, base_delay=0.05, max_delay=0.5)
    return HubClient(
        urls.casefile, urls.referral, token(hub), retry=fast, transport=transport, timeout=timeout
    )


async def count_cases(hub: RunningHub) -> int:
    return int(await hub.casefile.context.pool.fetchval("SELECT count(*) FROM cases"))
