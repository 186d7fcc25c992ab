"""The dashboard's provider sign-in settings: complete or refused at start; plain HTTP refused
outside development (`Settings.production_problems`, called by `hub_runtime.entry`); the role
a provider account gets."""

from typing import Any

import pytest
from hub_runtime.entry import production_problems
from hub_runtime.settings import HubSettings
from pydantic import SecretStr, ValidationError
from signals.config import Settings
from signals.domain.accounts import dashboard_role

STRONG = "Zq8vN2xR7mK4pL9sT3wY6bH1cF5gJ0dE"


def _settings(env: str = "production", **oidc: Any) -> Settings:
    hub = HubSettings(
        env=env,
        jwt_secret=SecretStr(STRONG),
        kafka_password=SecretStr(STRONG[::-1]),
        dead_letter_key=SecretStr(STRONG[1:] + "q"),
        oidc_issuer="https://id.council.example/realms/council",
    )
    return Settings(hub=hub, hash_key=SecretStr(STRONG + "x"), **oidc)


def test_without_a_client_id_local_accounts_need_nothing_more() -> None:
    assert _settings().production_problems() == []


def test_a_client_id_needs_a_redirect_url() -> None:
    with pytest.raises(ValidationError, match="SIGNALS_OIDC_REDIRECT_URL"):
        _settings(oidc_client_id="signals-dashboard")


def test_production_refuses_plain_http_and_accepts_https() -> None:
    plain = _settings(
        oidc_client_id="signals-dashboard",
        oidc_redirect_url="http://dashboard.council.example/dashboard/sign-in/callback",
        oidc_issuer="http://id.council.example/realms/council",
    )
    assert production_problems(plain) == [
        "SIGNALS_OIDC_ISSUER (or HUB_OIDC_ISSUER) must be an https URL outside development",
        "SIGNALS_OIDC_REDIRECT_URL must be an https URL outside development",
    ]
    good = _settings(
        oidc_client_id="signals-dashboard",
        oidc_redirect_url="https://dashboard.council.example/dashboard/sign-in/callback",
    )
    assert good.dashboard_issuer == "https://id.council.example/realms/council"
    assert production_problems(good) == []
    assert production_problems(plain.model_copy(update={"hub": _settings("development").hub})) == []


def test_a_weak_client_secret_is_refused_like_every_secret() -> None:
    weak = _settings(
        oidc_client_id="signals-dashboard",
        oidc_redirect_url="https://dashboard.council.example/dashboard/sign-in/callback",
        oidc_client_secret=SecretStr("short"),
    )
    assert any(
        p.startswith("SIGNALS_OIDC_CLIENT_SECRET is weak") for p in production_problems(weak)
    )


def test_the_dashboard_role_of_a_provider_account() -> None:
    assert dashboard_role({"advocacy"}) == "advocacy"
    assert dashboard_role({"admin", "advocacy"}) == "admin"
    assert dashboard_role({"counsellor"}) is None
    assert dashboard_role(set()) is None
