"""schemathesis against signals' OpenAPI document (200 requests per operation, fixed seed):
no 5xx, no undocumented status, no answer outside its schema. Runs in-process, so a server
error also fails the run through the `hub_runtime.server_errors` plugin."""

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from hub_runtime.auth import Role, mint_token
from hub_runtime.openapi_fuzz import fuzz, in_background, isolated, run_service
from hub_runtime.settings import HubSettings
from signals.bootstrap import definition
from signals.config import Settings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def signals_url(hub_settings: HubSettings) -> Iterator[str]:
    async def setup(stack: contextlib.AsyncExitStack) -> str:
        hub = await isolated(stack, hub_settings)
        runtime = await run_service(
            stack, hub, lambda db: definition(Settings(database=db, http_port=0, hub=hub))
        )
        return runtime.base_url

    with in_background(setup) as url:
        yield url


def _headers(secret: str) -> Any:
    def headers_for(method: str, path: str) -> Mapping[str, str]:
        del method, path  # admins may read (as advocacy does) and publish
        return {"Authorization": f"Bearer {mint_token(secret, sub='fuzz', role=Role.ADMIN)}"}

    return headers_for


def test_signals_answers_every_generated_request_as_documented(
    signals_url: str, hub_settings: HubSettings
) -> None:
    headers_for = _headers(hub_settings.jwt_secret.get_secret_value())
    report = fuzz(signals_url, headers_for, known={"period": ["2026-01", "2025-12"]})
    print(report.summary())
    assert not report.failures, "\n\n".join(f"{k}\n{v}" for k, v in report.failures.items())
    assert not report.short_of(200), report.short_of(200)
    assert any(400 <= code < 500 for code in report.statuses)
    assert any(code < 300 for code in report.statuses)
