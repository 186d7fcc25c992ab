"""schemathesis against casefile's OpenAPI document (200 requests per operation, fixed seed):
no 5xx, no undocumented status, no answer outside its schema. Runs in-process, so a server
error also fails the run through the `hub_runtime.server_errors` plugin."""

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
from casefile.bootstrap import definition
from casefile.config import Settings
from hub_runtime.auth import Role, mint_token
from hub_runtime.openapi_fuzz import fuzz, in_background, isolated, run_service
from hub_runtime.settings import HubSettings

pytestmark = pytest.mark.integration

CASE = {
    "person": {
        "name": "Fuzz Testpersoon",
        "date_of_birth": "1987-04-23",
        "phone": "+31612345678",
        "languages": ["ar"],
    },
    "household": [],
    "country_of_origin": "SY",
    "region": "oost",
    "location_type": "family_location",
    "stage": "appeal_pending",
    "vulnerabilities": [],
}


@pytest.fixture(scope="module")
def casefile_url(hub_settings: HubSettings) -> Iterator[str]:
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
        del method
        if path.startswith("/internal"):
            token = mint_token(secret, sub="partner-gateway", role=Role.SERVICE)
        else:  # coordinators may do everything on /cases
            token = mint_token(secret, sub="fuzz", role=Role.COORDINATOR)
        return {"Authorization": f"Bearer {token}"}

    return headers_for


def test_casefile_answers_every_generated_request_as_documented(
    casefile_url: str, hub_settings: HubSettings
) -> None:
    headers_for = _headers(hub_settings.jwt_secret.get_secret_value())
    cases = []
    for i in range(3):  # three persons: casefile refuses a second open case for one person
        person = {**CASE["person"], "name": f"Fuzz Testpersoon {i}"}
        opened = httpx.post(
            f"{casefile_url}/cases",
            json={**CASE, "person": person},
            headers=dict(headers_for("POST", "/cases")),
        )
        assert opened.status_code == 201, opened.text
        cases.append(opened.json()["case_id"])
    report = fuzz(casefile_url, headers_for, known={"case_id": cases})
    print(report.summary())
    assert not report.failures, "\n\n".join(f"{k}\n{v}" for k, v in report.failures.items())
    assert not report.short_of(200), report.short_of(200)
    assert any(400 <= code < 500 for code in report.statuses)
    assert any(code < 300 for code in report.statuses)
