"""schemathesis against referral's OpenAPI document (200 requests per operation, fixed seed):
no 5xx, no undocumented status, no answer outside its schema. Runs in-process, so a server
error also fails the run through the `hub_runtime.server_errors` plugin."""

import contextlib
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from hub_runtime.auth import Role, mint_token
from hub_runtime.openapi_fuzz import fuzz, in_background, isolated, run_service
from hub_runtime.settings import HubSettings
from referral.bootstrap import definition
from referral.config import Settings

pytestmark = pytest.mark.integration


def _partner() -> dict[str, Any]:
    today = date.today()
    return {
        "name": "IOM Netherlands",
        "partner_type": "intergovernmental",
        "countries": ["NL", "IQ"],
        "services": ["assisted return"],
        "purposes": ["return_counselling", "reintegration_support"],
        "agreement_reference": "DSA-2025-007",
        "agreement_valid_from": (today - timedelta(days=30)).isoformat(),
        "agreement_valid_until": (today + timedelta(days=365)).isoformat(),
    }


@pytest.fixture(scope="module")
def referral_url(hub_settings: HubSettings) -> Iterator[str]:
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
        # Admins keep (and may read) the directory and its audit; coordinators may do
        # everything else (staff, reviewer).
        del method
        role = Role.ADMIN if path.startswith("/partners") else Role.COORDINATOR
        return {"Authorization": f"Bearer {mint_token(secret, sub='fuzz', role=role)}"}

    return headers_for


def test_referral_answers_every_generated_request_as_documented(
    referral_url: str, hub_settings: HubSettings
) -> None:
    headers_for = _headers(hub_settings.jwt_secret.get_secret_value())
    created = httpx.post(
        f"{referral_url}/partners", json=_partner(), headers=dict(headers_for("POST", "/partners"))
    )
    assert created.status_code == 201, created.text
    report = fuzz(referral_url, headers_for, known={"partner_id": [created.json()["partner_id"]]})
    print(report.summary())
    assert not report.failures, "\n\n".join(f"{k}\n{v}" for k, v in report.failures.items())
    assert not report.short_of(200), report.short_of(200)
    assert any(400 <= code < 500 for code in report.statuses)
    assert any(code < 300 for code in report.statuses)
