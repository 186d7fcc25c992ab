"""A counsellor's `HubClient` on the hub of the client's tests (``running_hub``, from
`hub_demo.testing_hub`: four services in this process on the real Kafka and PostgreSQL)."""

import httpx
from hub_client import HubClient, RetryPolicy
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role, mint_token


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
