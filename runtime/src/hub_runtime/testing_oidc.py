"""The tests' OpenID Connect provider: a real Keycloak (installed by ``infra/oidc.sh``) started
once per test session, with the realm ``infra/oidc/realm-council.json`` and a copy of it named
``elsewhere`` (another issuer with the same clients and users).

Fixture ``oidc_provider`` (session scope). Fails the test, never skips it, when Keycloak is
not installed or does not start.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub_runtime.settings import HubSettings
from hub_runtime.testing import _repo_root

ADMIN_USER = "hub-test-admin"
ADMIN_PASSWORD = "hub-test-admin-password"  # noqa: S105 (a throwaway local test provider)
START_TIMEOUT_SECONDS = 420.0  # 2-3 minutes on CI's two busy cores
REALM = "council"
OTHER_REALM = "elsewhere"
AUDIENCE = "council-hub"
# client id -> secret (infra/oidc/realm-council.json)
CLIENTS = {
    "counsellor-tool": "counsellor-tool-test-secret",
    "counsellor-tool-es256": "counsellor-tool-es256-test-secret",
    "short-lived-tool": "short-lived-tool-test-secret",
    "unrelated-app": "unrelated-app-test-secret",
    "signals-dashboard": "signals-dashboard-test-secret",  # Authorization Code + PKCE
}
PASSWORDS = {
    "alice": "alice-test-password",  # hub-counsellor
    "bob": "bob-test-password",  # no hub role
    "carol": "carol-test-password",  # hub-admin
    "dana": "dana-test-password",  # hub-advocacy
}
ROLE_MAP = {"hub-counsellor": "counsellor", "hub-coordinator": "coordinator", "hub-admin": "admin"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(
    url: str, *, data: dict[str, str] | None = None, body: Any = None, token: str | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload: bytes | None = None
    if data is not None:
        payload = urllib.parse.urlencode(data).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=payload, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        text = response.read()
    return json.loads(text) if text else None


class Keycloak:
    """A running Keycloak: tokens by the password grant, and admin calls the tests need."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def issuer(self, realm: str = REALM) -> str:
        """The issuer URL of ``realm`` (the ``iss`` of its tokens)."""
        return f"{self.base_url}/realms/{realm}"

    def production(self, hub: HubSettings) -> HubSettings:
        """``hub`` in production mode, its staff tokens from this provider's realm
        ``council`` (roles from ``realm_access.roles`` through :data:`ROLE_MAP`)."""
        return hub.model_copy(
            update={
                "env": "production",
                "oidc_issuer": self.issuer(),
                "oidc_audience": AUDIENCE,
                "oidc_roles_claim": "realm_access.roles",
                "oidc_role_map": ROLE_MAP,
            }
        )

    def token(
        self,
        username: str = "alice",
        *,
        client_id: str = "counsellor-tool",
        realm: str = REALM,
    ) -> str:
        """An access token for ``username`` issued to ``client_id`` (Resource Owner Password
        Credentials grant: tests only)."""
        answer = _request(
            f"{self.issuer(realm)}/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": client_id,
                "client_secret": CLIENTS[client_id],
                "username": username,
                "password": PASSWORDS[username],
                "scope": "openid",
            },
        )
        return str(answer["access_token"])

    def _admin_token(self) -> str:
        answer = _request(
            f"{self.base_url}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": ADMIN_USER,
                "password": ADMIN_PASSWORD,
            },
        )
        return str(answer["access_token"])

    def create_realm(self, representation: dict[str, Any]) -> None:
        """Import a realm (clients, users, roles, key providers) through the admin API."""
        _request(f"{self.base_url}/admin/realms", body=representation, token=self._admin_token())

    def register_redirect(self, client_id: str, redirect_uri: str, realm: str = REALM) -> None:
        """Make ``redirect_uri`` the one redirect URI of ``client_id`` (exact match, as in
        production; the post-logout redirects follow it, ``+``) and its origin's sign-in page a
        post-logout redirect: a test knows its service's port only when it runs."""
        admin = self._admin_token()
        base = f"{self.base_url}/admin/realms/{realm}/clients"
        found = _request(f"{base}?clientId={urllib.parse.quote(client_id)}", token=admin)
        client = found[0]
        client["redirectUris"] = [redirect_uri]
        origin = urllib.parse.urljoin(redirect_uri, "/")
        client.setdefault("attributes", {})["post.logout.redirect.uris"] = (
            f"+##{origin}dashboard/sign-in"
        )
        _put(f"{base}/{client['id']}", client, admin)

    def roll_rsa_key(self, realm: str = REALM) -> str:
        """Key rollover: a new RSA signing key of a higher priority than every existing one,
        so the realm signs with it from now on; returns its key id (``kid``)."""
        admin = self._admin_token()
        keys = _request(f"{self.base_url}/admin/realms/{realm}/keys", token=admin)
        top = max(int(k.get("providerPriority", 0)) for k in keys["keys"])
        realm_id = _request(f"{self.base_url}/admin/realms/{realm}", token=admin)["id"]
        _request(
            f"{self.base_url}/admin/realms/{realm}/components",
            body={
                "name": f"rsa-rolled-{top + 1}",
                "providerId": "rsa-generated",
                "providerType": "org.keycloak.keys.KeyProvider",
                "parentId": realm_id,
                "config": {"priority": [str(top + 1)], "keySize": ["2048"]},
            },
            token=admin,
        )
        keys = _request(f"{self.base_url}/admin/realms/{realm}/keys", token=admin)
        return str(keys["active"]["RS256"])


def _put(url: str, body: Any, token: str) -> None:
    request = urllib.request.Request(  # noqa: S310
        url,
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310
        pass


def _installed() -> tuple[Path, str]:
    root = _repo_root() / ".hub" / "oidc"
    java_home = root / "java_home"
    if not java_home.exists():
        pytest.fail("Keycloak is not installed: run infra/oidc.sh (make test does)")
    return root / "keycloak", java_home.read_text().strip()


def _start(log: Path) -> tuple[subprocess.Popen[bytes], Keycloak]:
    home, java_home = _installed()
    port, management = _free_port(), _free_port()
    env = {
        **os.environ,
        "JAVA_HOME": java_home,
        "PATH": f"{java_home}/bin:{os.environ.get('PATH', '')}",
        "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER,
        "KC_BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "JAVA_OPTS_KC_HEAP": "-Xms64m -Xmx512m",
    }
    command = [
        str(home / "bin" / "kc.sh"),
        # Built by infra/oidc.sh with an in-memory database: a fresh provider each session.
        "start",
        "--optimized",
        "--http-enabled=true",
        "--hostname-strict=false",  # the issuer is the URL the tests call: 127.0.0.1:<port>
        "--http-host=127.0.0.1",
        f"--http-port={port}",
        f"--http-management-port={management}",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return process, Keycloak(f"http://127.0.0.1:{port}")


def _wait_ready(process: subprocess.Popen[bytes], provider: Keycloak, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Keycloak exited ({process.returncode}); see {log}")
        try:
            _request(f"{provider.issuer('master')}/.well-known/openid-configuration")
            return
        except (urllib.error.URLError, OSError):
            time.sleep(1.0)
    pytest.fail(f"Keycloak did not start within {START_TIMEOUT_SECONDS:.0f} s; see {log}")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keycloak]:
    """A real Keycloak with the realms ``council`` and ``elsewhere``; stopped after the
    session."""
    log = tmp_path_factory.mktemp("keycloak") / "keycloak.log"
    process, provider = _start(log)
    try:
        _wait_ready(process, provider, log)
        realm = json.loads((_repo_root() / "infra" / "oidc" / "realm-council.json").read_text())
        provider.create_realm(realm)
        provider.create_realm({**realm, "realm": OTHER_REALM})
        yield provider
    finally:
        # kc.sh runs java in its own session (start_new_session): stop that group, ours only.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
