"""Staff tokens from a real OpenID Connect provider (Keycloak, `hub_runtime.testing_oidc`)
against casefile running in production mode on the real stack: the provider's tokens work;
forged, other-issuer, wrong-audience and expired ones get 401 in the hub's error shape; a key
rollover at the provider is followed; hub-signed staff tokens are refused in production."""

import asyncio
import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import httpx
import pytest
from hub_runtime.auth import Role, mint_token
from hub_runtime.settings import HubSettings
from hub_runtime.testing_oidc import OTHER_REALM, Keycloak

# The first test waits for Keycloak to start (minutes on two busy cores).
pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


@pytest.fixture
async def prod_casefile(
    start_casefile: Callable[..., Awaitable[Any]],
    isolated_hub: HubSettings,
    oidc_provider: Keycloak,
) -> Any:
    """Casefile in production mode, its staff tokens from the provider's realm ``council``."""
    hub = oidc_provider.production(isolated_hub).model_copy(
        update={"oidc_leeway_seconds": 0, "oidc_jwks_refetch_seconds": 0}
    )
    return await start_casefile(hub=hub)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def open_case(cf: Any, token: str) -> httpx.Response:
    """POST /cases for a person of its own (casefile refuses a second open case for one)."""
    body = cf.case_body()
    body["person"] = {**body["person"], "name": f"OIDC Testpersoon {uuid.uuid4().hex[:8]}"}
    response: httpx.Response = await cf.http.post("/cases", json=body, headers=bearer(token))
    return response


def assert_unauthorized(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error"] == "unauthorized"
    assert reason in body["detail"]
    assert response.headers["www-authenticate"] == "Bearer"


async def in_thread(call: Callable[[], str]) -> str:
    return await asyncio.to_thread(call)


async def test_a_provider_token_opens_and_reads_a_case(
    prod_casefile: Any, oidc_provider: Keycloak
) -> None:
    token = await in_thread(oidc_provider.token)
    created = await open_case(prod_casefile, token)
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    read = await prod_casefile.http.get(f"/cases/{case_id}", headers=bearer(token))
    assert read.status_code == 200, read.text
    # The audit names the provider's subject (Keycloak's user id), not a hub-made name.
    sub = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["sub"]
    by = await prod_casefile.fetchval(
        "SELECT DISTINCT accessor FROM access_log WHERE case_id = $1", UUID(case_id)
    )
    assert by == sub


async def test_an_es256_token_works(prod_casefile: Any, oidc_provider: Keycloak) -> None:
    token = await in_thread(lambda: oidc_provider.token(client_id="counsellor-tool-es256"))
    assert json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["alg"] == "ES256"
    assert (await open_case(prod_casefile, token)).status_code == 201


async def test_a_forged_token_is_refused(prod_casefile: Any, oidc_provider: Keycloak) -> None:
    token = await in_thread(oidc_provider.token)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["realm_access"] = {"roles": ["hub-coordinator"]}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_unauthorized(await open_case(prod_casefile, f"{header}.{forged}.{signature}"), "valid")
    # A token "signed" with HS256 under the provider's public key (algorithm confusion) or
    # under the hub's own key with a staff role: refused too.
    hs = mint_token(
        prod_casefile.hub.jwt_secret.get_secret_value(), sub="mallory", role=Role.COUNSELLOR
    )
    assert_unauthorized(await open_case(prod_casefile, hs), "identity provider")


async def test_a_token_of_another_issuer_is_refused(
    prod_casefile: Any, oidc_provider: Keycloak
) -> None:
    token = await in_thread(lambda: oidc_provider.token(realm=OTHER_REALM))
    assert_unauthorized(await open_case(prod_casefile, token), "token")


async def test_a_token_for_another_audience_is_refused(
    prod_casefile: Any, oidc_provider: Keycloak
) -> None:
    token = await in_thread(lambda: oidc_provider.token(client_id="unrelated-app"))
    assert_unauthorized(await open_case(prod_casefile, token), "audience")


async def test_an_expired_token_is_refused(prod_casefile: Any, oidc_provider: Keycloak) -> None:
    token = await in_thread(lambda: oidc_provider.token(client_id="short-lived-tool"))
    await asyncio.sleep(2.5)  # the client's tokens live 1 s; the test service allows no skew
    assert_unauthorized(await open_case(prod_casefile, token), "expired")


async def test_a_user_without_a_hub_role_is_refused(
    prod_casefile: Any, oidc_provider: Keycloak
) -> None:
    token = await in_thread(lambda: oidc_provider.token("bob"))
    assert_unauthorized(await open_case(prod_casefile, token), "role")


async def test_a_key_rollover_at_the_provider_is_followed(
    prod_casefile: Any, oidc_provider: Keycloak
) -> None:
    before = await in_thread(oidc_provider.token)
    assert (await open_case(prod_casefile, before)).status_code == 201  # keys now cached
    new_kid = await in_thread(oidc_provider.roll_rsa_key)
    after = await in_thread(oidc_provider.token)
    assert json.loads(base64.urlsafe_b64decode(after.split(".")[0] + "=="))["kid"] == new_kid
    assert (await open_case(prod_casefile, after)).status_code == 201
    # The old key is still published, so tokens issued before the rollover keep working.
    assert (await open_case(prod_casefile, before)).status_code == 201
