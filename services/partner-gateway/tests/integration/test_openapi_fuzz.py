"""schemathesis against the gateway's OpenAPI document (200 requests per operation, fixed
seed): no 5xx, no undocumented status, no answer outside its schema. The gateway and casefile
(which the disclosure path calls) run in-process, so a server error also fails the run through
the `hub_runtime.server_errors` plugin."""

import contextlib
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from casefile.bootstrap import definition as casefile_definition
from casefile.config import Settings as CasefileSettings
from hub_runtime.auth import Role, mint_token
from hub_runtime.openapi_fuzz import fuzz, in_background, isolated, run_service
from hub_runtime.settings import HubSettings
from partner_gateway.bootstrap import definition
from partner_gateway.config import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def gateway_url(hub_settings: HubSettings) -> Iterator[str]:
    async def setup(stack: contextlib.AsyncExitStack) -> str:
        hub = await isolated(stack, hub_settings)
        casefile = await run_service(
            stack,
            hub,
            lambda db: casefile_definition(CasefileSettings(database=db, http_port=0, hub=hub)),
        )
        gateway = await run_service(
            stack,
            hub,
            lambda db: definition(
                Settings(
                    database=db,
                    http_port=0,
                    hub=hub,
                    casefile_url=casefile.base_url,
                    # Generated requests come fast; the rate limit (429) is tested elsewhere.
                    rate_limit_per_second=10_000,
                    rate_limit_burst=10_000,
                )
            ),
        )
        return gateway.base_url

    with in_background(setup) as url:
        yield url


def _headers(secret: str) -> Any:
    partner_id = uuid.uuid4()

    def headers_for(method: str, path: str) -> Mapping[str, str]:
        del method
        if path.startswith("/admin"):
            token = mint_token(secret, sub="fuzz-admin", role=Role.ADMIN)
        else:
            token = mint_token(secret, sub="fuzz", role=Role.PARTNER, partner_id=partner_id)
        return {"Authorization": f"Bearer {token}"}

    return headers_for


def test_gateway_answers_every_generated_request_as_documented(
    gateway_url: str, hub_settings: HubSettings
) -> None:
    report = fuzz(gateway_url, _headers(hub_settings.jwt_secret.get_secret_value()))
    print(report.summary())
    assert not report.failures, "\n\n".join(f"{k}\n{v}" for k, v in report.failures.items())
    assert not report.short_of(200), report.short_of(200)
    assert any(400 <= code < 500 for code in report.statuses)
    assert any(code < 300 for code in report.statuses)
