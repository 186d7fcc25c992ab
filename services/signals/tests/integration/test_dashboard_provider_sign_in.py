"""The dashboard's sign-in through the council's OpenID Connect provider, against the real
Keycloak the tests start (realm ``council``) and the real PostgreSQL: the whole flow, and the
refusals (a wrong state, a replayed code, an account without a dashboard role, an ID token
from another issuer, no attempt at all), local accounts off, sign-out."""

from __future__ import annotations

import httpx
import pytest
from hub_runtime.oidc_login import OidcLogin, ProviderEndpoints
from hub_runtime.service import ServiceRuntime
from hub_runtime.testing_oidc import Keycloak

from .provider import log_in_at_keycloak, query_of, start_at_provider

pytestmark = pytest.mark.integration


def _session_cookie(answer: httpx.Response) -> str | None:
    for header in answer.headers.get_list("set-cookie"):
        if header.startswith("signals_session=") and not header.startswith('signals_session="";'):
            return header
    return None


async def test_a_staff_member_signs_in_at_the_provider(provider_service: ServiceRuntime) -> None:
    async with httpx.AsyncClient(base_url=provider_service.base_url) as dashboard:
        page = await dashboard.get("/dashboard/sign-in", headers={"Accept-Language": "nl"})
        assert "Inloggen met het account van de raad" in page.text
        assert "name='password'" not in page.text  # no local form
        authorization = await start_at_provider(dashboard)
        asked = query_of(authorization)
        assert asked["code_challenge_method"] == "S256"
        assert asked["client_id"] == "signals-dashboard"
        assert asked["state"]
        assert asked["nonce"]
        assert asked["code_challenge"]
        flow = dashboard.cookies.get("signals_sign_in_flow")
        assert flow
        assert flow not in authorization
        callback = await log_in_at_keycloak(authorization, "dana")
        answer = await dashboard.get(callback)
        assert answer.status_code == 200, answer.text
        cookie = _session_cookie(answer)
        assert cookie is not None
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Path=/dashboard" in cookie
        assert "url=/dashboard" in answer.text  # the meta refresh into the dashboard
        assert "signals_sign_in_flow" not in dashboard.cookies
        # Only the session cookie reached the browser: no provider token in any answer.
        assert "eyJ" not in answer.text
        assert "eyJ" not in str(answer.headers)
        home = await dashboard.get("/dashboard")
        assert home.status_code == 200
        assert "dana" in home.text
        csrf = home.text.split("name='csrf_token' value='")[1].split("'")[0]
        out = await dashboard.post("/dashboard/sign-out", data={"csrf_token": csrf})
        assert out.status_code == 303
        assert out.headers["location"] == "/dashboard/sign-in?signed_out=1"
        assert (await dashboard.get("/dashboard")).status_code == 303  # the session ended
        signed_out = await dashboard.get(out.headers["location"])
        assert "/protocol/openid-connect/logout?client_id=signals-dashboard" in signed_out.text


async def test_an_admin_at_the_provider_is_an_admin(provider_service: ServiceRuntime) -> None:
    async with httpx.AsyncClient(base_url=provider_service.base_url) as dashboard:
        callback = await log_in_at_keycloak(await start_at_provider(dashboard), "carol")
        assert (await dashboard.get(callback)).status_code == 200
        assert "carol" in (await dashboard.get("/dashboard")).text


async def test_a_wrong_state_is_refused_and_ends_the_attempt(
    provider_service: ServiceRuntime,
) -> None:
    async with httpx.AsyncClient(base_url=provider_service.base_url) as dashboard:
        callback = await log_in_at_keycloak(await start_at_provider(dashboard), "dana")
        given = query_of(callback)
        wrong = await dashboard.get(
            "/dashboard/sign-in/callback", params={"code": given["code"], "state": "forged"}
        )
        assert wrong.status_code == 400
        assert _session_cookie(wrong) is None
        # The attempt is gone: even the right state cannot use it any more.
        dashboard.cookies.set("signals_sign_in_flow", "", path="/dashboard")
        again = await dashboard.get(callback)
        assert again.status_code == 400
        assert _session_cookie(again) is None


async def test_an_answer_without_an_attempt_of_this_browser_is_refused(
    provider_service: ServiceRuntime,
) -> None:
    async with httpx.AsyncClient(base_url=provider_service.base_url) as attacker:
        callback = await log_in_at_keycloak(await start_at_provider(attacker), "dana")
    # Login CSRF: the attacker's callback opened in another browser (no flow cookie).
    async with httpx.AsyncClient(base_url=provider_service.base_url) as victim:
        answer = await victim.get(callback)
    assert answer.status_code == 400
    assert _session_cookie(answer) is None


async def test_a_replayed_code_is_refused(provider_service: ServiceRuntime) -> None:
    async with httpx.AsyncClient(base_url=provider_service.base_url) as dashboard:
        callback = await log_in_at_keycloak(await start_at_provider(dashboard), "dana")
        assert (await dashboard.get(callback)).status_code == 200
        # A new attempt in the same browser, answered with the code already used.
        fresh = query_of(await start_at_provider(dashboard))
        replay = await dashboard.get(
            "/dashboard/sign-in/callback",
            params={"code": query_of(callback)["code"], "state": fresh["state"]},
        )
    assert replay.status_code == 401
    assert _session_cookie(replay) is None


async def test_an_account_without_a_dashboard_role_gets_403(
    provider_service: ServiceRuntime,
) -> None:
    async with httpx.AsyncClient(base_url=provider_service.base_url) as dashboard:
        callback = await log_in_at_keycloak(await start_at_provider(dashboard), "bob")
        answer = await dashboard.get(callback, headers={"Accept-Language": "en"})
        assert answer.status_code == 403
        assert "no role for this dashboard" in answer.text
        assert _session_cookie(answer) is None
        assert (await dashboard.get("/dashboard")).status_code == 303


async def test_an_id_token_from_another_issuer_is_refused(
    provider_service: ServiceRuntime, oidc_provider: Keycloak
) -> None:
    # A mix-up: the code is exchanged at the realm "elsewhere" (same clients and users, its own
    # keys and issuer), as if an attacker's provider answered in the council's place.
    assert provider_service.app is not None
    login: OidcLogin = provider_service.app.state.provider_login
    council = await login.endpoints()
    other = oidc_provider.issuer("elsewhere")
    # The test plays the attacker: private state on purpose.
    login._endpoints = ProviderEndpoints(
        council.issuer,
        f"{other}/protocol/openid-connect/auth",
        f"{other}/protocol/openid-connect/token",
        None,
    )
    async with httpx.AsyncClient(base_url=provider_service.base_url) as dashboard:
        callback = await log_in_at_keycloak(await start_at_provider(dashboard), "dana")
        assert callback.startswith(provider_service.base_url)
        answer = await dashboard.get(callback)
    assert answer.status_code == 401
    assert _session_cookie(answer) is None


async def test_local_accounts_are_off_with_a_provider(provider_service: ServiceRuntime) -> None:
    async with httpx.AsyncClient(base_url=provider_service.base_url) as dashboard:
        answer = await dashboard.post(
            "/dashboard/sign-in",
            data={"username": "anna", "password": "a long staff passphrase", "csrf_token": "x"},
        )
    assert answer.status_code == 403
    assert _session_cookie(answer) is None
