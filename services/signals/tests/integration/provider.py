"""A signals service whose dashboard signs staff in at the tests' Keycloak (realm ``council``,
client ``signals-dashboard``), and a staff member's sign-in at Keycloak's own page over HTTP
(its login form, as a browser posts it), for the integration tests."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hub_runtime.entry import service_runtime
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import as_service
from hub_runtime.testing_oidc import CLIENTS, PASSWORDS, Keycloak
from pydantic import SecretStr
from signals.bootstrap import definition
from signals.config import Settings

CLIENT = "signals-dashboard"
ROLE_MAP = {"hub-advocacy": "advocacy", "hub-admin": "admin", "hub-counsellor": "counsellor"}
_FORM_ACTION = re.compile(r"<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"", re.S)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def provider_service(
    isolated_hub: HubSettings, fresh_database: str, oidc_provider: Keycloak
) -> AsyncIterator[ServiceRuntime]:
    """Signals with the dashboard's sign-in at Keycloak (development mode: plain HTTP on
    loopback), its callback registered exactly at the provider."""
    port = _free_port()
    callback = f"http://127.0.0.1:{port}/dashboard/sign-in/callback"
    for realm in ("council", "elsewhere"):
        oidc_provider.register_redirect(CLIENT, callback, realm=realm)
    hub = await as_service(isolated_hub, "signals", fresh_database)
    hub = hub.model_copy(
        update={
            "oidc_issuer": oidc_provider.issuer(),
            "oidc_roles_claim": "realm_access.roles",
            "oidc_role_map": ROLE_MAP,
        }
    )
    settings = Settings(
        database=fresh_database,
        hub=hub,
        http_port=port,
        require_reporting_consent=False,
        publish_interval_seconds=3600,
        oidc_client_id=CLIENT,
        oidc_client_secret=SecretStr(CLIENTS[CLIENT]),
        oidc_redirect_url=callback,
    )
    service = service_runtime(definition(settings), settings)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def start_at_provider(dashboard: httpx.AsyncClient) -> str:
    """Click "sign in with the council's account": the provider's authorization URL (the
    dashboard's flow cookie is now in ``dashboard``'s jar)."""
    answer = await dashboard.get("/dashboard/sign-in/provider")
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


async def log_in_at_keycloak(authorization_url: str, username: str) -> str:
    """Type ``username``'s password into Keycloak's login page: the URL Keycloak sends the
    browser back to (the dashboard's callback with ``code`` and ``state``)."""
    async with httpx.AsyncClient(timeout=30) as browser:
        page = await browser.get(authorization_url)
        assert page.status_code == 200, page.text[:500]
        found = _FORM_ACTION.search(page.text)
        assert found, "no login form on Keycloak's page"
        # Keycloak marks its cookies Secure; browsers send them to http://127.0.0.1 (a
        # potentially trustworthy origin), Python's cookie jar does not: sent by hand.
        cookie = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
        answer = await browser.post(
            html.unescape(found.group(1)),
            data={"username": username, "password": PASSWORDS[username], "credentialId": ""},
            headers={"Cookie": cookie},
        )
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["location"]


def query_of(url: str) -> dict[str, str]:
    """The first value of each query parameter of ``url``."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
