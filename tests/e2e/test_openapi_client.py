"""A client generated from the running services' OpenAPI documents drives the counsellor flow.

The way a counsellor's tool vendor would start: the four services run (in this process, on the
real Kafka and PostgreSQL, over real HTTP), `openapi-python-client` (the official generator,
pinned in uv.lock) generates a package from each service's `/openapi.json` into `tmp_path`
without a warning, and the generated casefile and referral packages, imported as they are,
open a case, record the stage and the decision, record consent, request a referral and read
it back. The refusals a tool meets (401, 404, 409, 422) are parsed into the generated
`ErrorBody`, the hub's one error shape, not a crash.
"""

import asyncio
import importlib
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import httpx
import pytest
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role, mint_token

pytestmark = pytest.mark.integration

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGES = {
    "casefile": "hub_casefile_client",
    "referral": "hub_referral_client",
    "gateway": "hub_gateway_client",
    "signals": "hub_signals_client",
}
PERSON = {"name": "Rana Clienttest-Aziz", "date_of_birth": "1991-02-11", "languages": ["ar"]}
# Routes that need no token: operations, the API descriptions, the dashboard page (its data
# comes from the secured routes), and the token exchange (client credentials in the body).
OPEN = {"/health", "/ready", "/metrics", "/asyncapi.json", "/dashboard", "/partner/token"}
UNTYPED_OK = {"/asyncapi.json"}  # an AsyncAPI document: described by its own specification


@pytest.fixture
def import_path(tmp_path: Path) -> Iterator[Path]:
    """`tmp_path` on `sys.path` while the test runs; the generated packages are forgotten."""
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.split(".")[0] in PACKAGES.values()]:
            del sys.modules[name]


async def generate(base_url: str, package: str, into: Path) -> str:
    """Generate `package` from the document the service at `base_url` serves; the generator's
    output (which must hold no warning)."""
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"{base_url}/openapi.json")
    assert answer.status_code == 200, answer.text
    document = into / f"{package}.json"
    document.write_bytes(answer.content)
    config = into / f"{package}.yaml"
    # No post hooks: the generator would run ruff on the output, which is no part of its check.
    config.write_text(f"package_name_override: {package}\npost_hooks: []\n")
    process = await asyncio.create_subprocess_exec(
        str(GENERATOR),
        *("generate", "--path", str(document), "--config", str(config)),
        *("--meta", "none", "--output-path", str(into / package)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode()
    assert process.returncode == 0, text
    return text


def assert_complete(document: dict[str, Any]) -> None:
    """The bearer scheme on every route that needs a token, `ErrorBody` on every error status
    (`TokenErrorBody` on the token endpoint's),
    a typed body on every JSON success, no FastAPI default error model."""
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        **schemes["bearer"],
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            if path in OPEN:
                assert "security" not in operation, where
            else:
                assert operation["security"] == [{"bearer": []}], where
                assert {"401", "403"} <= set(operation["responses"]), where
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if int(status) >= 400 and path != "/ready":
                    schema = content["application/json"]["schema"]
                    # The token endpoint's errors are the hub's shape plus RFC 6749 §5.2's
                    # error_description: a schema of their own.
                    body = "TokenErrorBody" if path == "/partner/token" else "ErrorBody"
                    assert schema == {"$ref": f"#/components/schemas/{body}"}, where
                elif int(status) < 300 and "application/json" in content:
                    schema = content["application/json"]["schema"]
                    typed = "$ref" in schema or "$ref" in schema.get("items", {})
                    assert typed or path in UNTYPED_OK, f"{where} {status}: {schema}"


def module(package: str, name: str) -> ModuleType:
    return importlib.import_module(f"{package}.{name}")


async def until_not_409(call: Callable[[], Awaitable[Any]], within: float = 30) -> Any:
    """For a call that needs another service's view to catch up (409 until it has)."""
    deadline = time.monotonic() + within
    while True:
        response = await call()
        if response.status_code != 409 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.1)


async def test_a_generated_client_drives_the_counsellor_flow_and_parses_every_refusal(
    running_hub: RunningHub, import_path: Path
) -> None:
    urls = running_hub.urls()
    for service, base_url in vars(urls).items():
        output = await generate(base_url, PACKAGES[service], import_path)
        assert "warning" not in output.lower(), output
        assert "error" not in output.lower(), output
        assert_complete(json.loads((import_path / f"{PACKAGES[service]}.json").read_text()))
    importlib.invalidate_caches()

    secret = running_hub.hub.jwt_secret.get_secret_value()
    cf, rf = PACKAGES["casefile"], PACKAGES["referral"]
    cf_client, rf_client = module(cf, "client"), module(rf, "client")
    cf_models, rf_models = module(cf, "models"), module(rf, "models")

    def authenticated(package: ModuleType, base_url: str, role: Role) -> Any:
        token = mint_token(secret, sub=f"client-{role.value}", role=role)
        return package.AuthenticatedClient(base_url=base_url, token=token, timeout=30)

    counsellor = authenticated(cf_client, urls.casefile, Role.COUNSELLOR)
    referral_counsellor = authenticated(rf_client, urls.referral, Role.COUNSELLOR)
    referral_admin = authenticated(rf_client, urls.referral, Role.ADMIN)
    today = date.today()

    # -- the flow ------------------------------------------------------------------------------
    open_case = module(cf, "api.cases.open_case_cases_post")
    opened = await open_case.asyncio_detailed(
        client=counsellor,
        body=cf_models.OpenCase.from_dict(
            {
                "person": PERSON,
                "country_of_origin": "IQ",
                "region": "west",
                "location_type": "vbl",
                "stage": "appeal_pending",
            }
        ),
    )
    assert opened.status_code == 201, opened.content
    assert isinstance(opened.parsed, cf_models.CaseRef)
    case_id = opened.parsed.case_id

    change_stage = module(cf, "api.cases.change_stage_cases_case_id_stage_post")
    final = cf_models.ChangeStage.from_dict(
        {"to_stage": "final_rejection", "decided_on": today.isoformat()}
    )
    staged = await change_stage.asyncio_detailed(case_id, client=counsellor, body=final)
    assert staged.status_code == 200, staged.content
    assert isinstance(staged.parsed, cf_models.StageChanged)
    assert staged.parsed.stage == cf_models.ProcedureStage.FINAL_REJECTION

    decide = module(cf, "api.cases.record_decision_cases_case_id_decision_post")
    decided = await decide.asyncio_detailed(
        case_id,
        client=counsellor,
        body=cf_models.RecordDecision.from_dict(
            {"decision": "independent_return", "decided_on": today.isoformat()}
        ),
    )
    assert decided.status_code == 201, decided.content
    assert isinstance(decided.parsed, cf_models.DecisionRecorded)

    read_case = module(cf, "api.cases.read_case_cases_case_id_get")
    case = await read_case.asyncio_detailed(case_id, client=counsellor)
    assert case.status_code == 200, case.content
    view = case.parsed
    assert isinstance(view, cf_models.CaseView)
    assert view.stage == cf_models.ProcedureStage.FINAL_REJECTION
    assert [d.decision for d in view.decisions] == ["independent_return"]
    assert [(s.from_stage, s.to_stage) for s in view.stage_history] == [
        ("appeal_pending", "final_rejection")
    ]
    assert view.person.to_dict()["identity"]["name"] == PERSON["name"]

    register = module(rf, "api.partners.register_partners_post")
    partner = await register.asyncio_detailed(
        client=referral_admin,
        body=rf_models.RegisterPartner.from_dict(
            {
                "name": "IOM mission (client test)",
                "partner_type": "intergovernmental",
                "countries": ["IQ"],
                "purposes": ["reintegration_support"],
                "agreement_reference": "DSA-2026-OAS",
                "agreement_valid_from": (today - timedelta(days=30)).isoformat(),
                "agreement_valid_until": (today + timedelta(days=365)).isoformat(),
            }
        ),
    )
    assert partner.status_code == 201, partner.content
    assert isinstance(partner.parsed, rf_models.PartnerOut)
    partner_id = partner.parsed.partner_id

    grant = module(rf, "api.consents.grant_cases_case_id_consents_post")
    consent_body = rf_models.GrantConsent.from_dict(
        {
            "partner_id": str(partner_id),
            "purposes": ["reintegration_support"],
            "data_categories": ["identity", "contact"],
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=180)).isoformat(),
            "evidence": {
                "form_reference": "CF-OAS-1",
                "language": "ar",
                "interpreter_used": False,
                "taken_by": "client-counsellor",
                "taken_at": datetime.now(UTC).isoformat(),
                "informed_transfer_outside_eu": True,
            },
        }
    )
    consent = await until_not_409(
        lambda: grant.asyncio_detailed(case_id, client=referral_counsellor, body=consent_body)
    )
    assert consent.status_code == 201, consent.content
    assert isinstance(consent.parsed, rf_models.ConsentOut)
    assert consent.parsed.partner_id == partner_id

    request = module(rf, "api.referrals.request_cases_case_id_referrals_post")
    referral_body = rf_models.RequestReferral.from_dict(
        {
            "partner_id": str(partner_id),
            "purpose": "reintegration_support",
            "data_categories": ["identity", "contact"],
        }
    )
    requested = await until_not_409(
        lambda: request.asyncio_detailed(case_id, client=referral_counsellor, body=referral_body)
    )
    assert requested.status_code == 201, requested.content
    assert isinstance(requested.parsed, rf_models.ReferralOut)
    referral_id = requested.parsed.referral_id

    read_referral = module(rf, "api.referrals.one_referrals_referral_id_get")
    again = await read_referral.asyncio_detailed(referral_id, client=referral_counsellor)
    assert again.status_code == 200, again.content
    assert isinstance(again.parsed, rf_models.ReferralOut)
    assert again.parsed.referral_id == referral_id
    assert again.parsed.case_id == case_id
    assert again.parsed.status == requested.parsed.status

    # -- the refusals, each parsed into the generated ErrorBody --------------------------------
    def refusal(response: Any, status: int, code: str, models: ModuleType) -> Any:
        assert response.status_code == status, response.content
        assert isinstance(response.parsed, models.ErrorBody), response.parsed
        assert response.parsed.error == code, response.content
        assert response.parsed.detail
        assert isinstance(response.parsed.reasons, list)
        return response.parsed

    anonymous = cf_client.Client(base_url=urls.casefile, timeout=30)
    unauthenticated = await read_case.asyncio_detailed(case_id, client=anonymous)
    refusal(unauthenticated, 401, "unauthorized", cf_models)
    assert unauthenticated.headers["www-authenticate"] == "Bearer"
    forged = cf_client.AuthenticatedClient(base_url=urls.casefile, token="not.a.jwt", timeout=30)
    refusal(
        await read_case.asyncio_detailed(case_id, client=forged), 401, "unauthorized", cf_models
    )
    anonymous_referral = rf_client.Client(base_url=urls.referral, timeout=30)
    refusal(
        await read_referral.asyncio_detailed(referral_id, client=anonymous_referral),
        401,
        "unauthorized",
        rf_models,
    )

    refusal(
        await read_case.asyncio_detailed(uuid4(), client=counsellor),
        404,
        "case_not_found",
        cf_models,
    )
    refusal(
        await read_referral.asyncio_detailed(uuid4(), client=referral_counsellor),
        404,
        "not_found",
        rf_models,
    )

    # 409: the case is at final rejection already; and a second referral to the same partner
    # while the first is open (its body names the open referral beside the error shape).
    again_final = await change_stage.asyncio_detailed(case_id, client=counsellor, body=final)
    refusal(again_final, 409, "impossible_transition", cf_models)
    duplicate = await request.asyncio_detailed(
        case_id, client=referral_counsellor, body=referral_body
    )
    refused = refusal(duplicate, 409, "referral_already_open", rf_models)
    assert str(referral_id) in refused.additional_properties.values()

    # 422: a body the generated types accept and the service refuses (a country code that is
    # none, a consent ending before it starts), and a query parameter out of bounds.
    invalid_case = cf_models.OpenCase.from_dict(
        {
            "person": PERSON,
            "country_of_origin": "Iraq",
            "region": "west",
            "location_type": "vbl",
            "stage": "appeal_pending",
        }
    )
    invalid = refusal(
        await open_case.asyncio_detailed(client=counsellor, body=invalid_case),
        422,
        "invalid_request",
        cf_models,
    )
    assert any(r.startswith("country_of_origin") for r in invalid.reasons), invalid.reasons
    backwards = rf_models.GrantConsent.from_dict(
        {
            **consent_body.to_dict(),
            "valid_until": (today - timedelta(days=1)).isoformat(),
        }
    )
    backwards_answer = await grant.asyncio_detailed(
        case_id, client=referral_counsellor, body=backwards
    )
    assert backwards_answer.status_code == 422, backwards_answer.content
    assert isinstance(backwards_answer.parsed, rf_models.ErrorBody)
    list_cases = module(cf, "api.cases.list_cases_cases_get")
    refusal(
        await list_cases.asyncio_detailed(client=counsellor, limit=0),
        422,
        "invalid_request",
        cf_models,
    )
