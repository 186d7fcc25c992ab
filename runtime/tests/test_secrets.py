"""Secrets from ``*_FILE`` files, and which secrets production refuses (unit: no stack)."""

from pathlib import Path
from typing import Any

import pytest
from hub_runtime.entry import production_problems
from hub_runtime.secrets import SecretFileError, insecure_secrets
from hub_runtime.settings import HubSettings
from pydantic import SecretStr

STRONG = "k4J9x-Qm2vT8wZp1rL6nYc3bH7sD0fGa"
KAFKA_PASSWORD = "v7Rq2-Lm9xT4wZk8pN1cYb6hJ3sD5fGe"
DEAD_LETTER_KEY = "p3Wz8-Kn5vR1xTq7mL2cYd9bH4sF6gJa"


def _hub(**settings: Any) -> HubSettings:
    """Settings with a strong Kafka password and dead-letter key (secrets too), so each test is
    about its own secret whatever the environment holds (a shell with the stack's env, or none,
    as on CI)."""
    given = {"dead_letter_key": SecretStr(DEAD_LETTER_KEY), **settings}
    return HubSettings(kafka_password=SecretStr(KAFKA_PASSWORD), **given)


def test_a_secret_comes_from_its_file_without_the_trailing_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "jwt"
    secret.write_text(STRONG + "\n")
    monkeypatch.setenv("HUB_JWT_SECRET_FILE", str(secret))
    monkeypatch.delenv("HUB_JWT_SECRET", raising=False)
    assert HubSettings().jwt_secret.get_secret_value() == STRONG


def test_a_complex_setting_from_a_file_is_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    roles = tmp_path / "roles"
    roles.write_text('{"hub-counsellor": "counsellor"}')
    monkeypatch.setenv("HUB_OIDC_ROLE_MAP_FILE", str(roles))
    assert HubSettings().oidc_role_map == {"hub-counsellor": "counsellor"}


def test_both_the_variable_and_its_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "jwt").write_text(STRONG)
    monkeypatch.setenv("HUB_JWT_SECRET_FILE", str(tmp_path / "jwt"))
    monkeypatch.setenv("HUB_JWT_SECRET", STRONG)
    with pytest.raises(SecretFileError, match="both set"):
        HubSettings()


@pytest.mark.parametrize("content", ["", "\n"])
def test_an_empty_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    (tmp_path / "jwt").write_text(content)
    monkeypatch.setenv("HUB_JWT_SECRET_FILE", str(tmp_path / "jwt"))
    with pytest.raises(SecretFileError, match="is empty"):
        HubSettings()


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("", "is missing"),
        ("dev-only-secret-change-me-0123456789abcdef", "is the development default"),
        ("my-own-CHANGE-ME-secret-that-is-long-enough", "is the development default"),
        ("short-Secret-1", "is weak"),
        ("ab" * 20, "is weak"),  # long, but two symbols
    ],
)
def test_production_refuses_a_missing_default_or_weak_secret(secret: str, problem: str) -> None:
    (found,) = insecure_secrets(_hub(jwt_secret=SecretStr(secret)))
    assert found.startswith(f"HUB_JWT_SECRET {problem}")


def test_a_strong_secret_passes_and_an_unset_optional_one_is_not_listed() -> None:
    assert insecure_secrets(_hub(jwt_secret=SecretStr(STRONG))) == []


def test_a_weak_previous_token_key_is_listed_too() -> None:
    settings = _hub(jwt_secret=SecretStr(STRONG), jwt_previous_secret=SecretStr("old"))
    assert insecure_secrets(settings)[0].startswith("HUB_JWT_PREVIOUS_SECRET is weak")


def test_production_needs_an_identity_provider_and_development_needs_nothing() -> None:
    prod = _hub(env="production", jwt_secret=SecretStr(STRONG))
    assert production_problems(prod) == [
        "HUB_OIDC_ISSUER is missing (staff sign in through the identity provider)"
    ]
    ready = prod.model_copy(update={"oidc_issuer": "https://id.example/realms/council"})
    assert production_problems(ready) == []
    assert production_problems(HubSettings(env="development")) == []


class _WithOwnChecks:
    """A service's settings that name problems of their own (e.g. signals' provider sign-in)."""

    def __init__(self, hub: HubSettings) -> None:
        self.hub = hub
        self.http_host, self.http_port = "127.0.0.1", 0

    def production_problems(self) -> list[str]:
        return ["SIGNALS_OIDC_REDIRECT_URL must be an https URL outside development"]


def test_a_services_own_production_problems_are_listed_outside_development_only() -> None:
    prod = _hub(
        env="production",
        jwt_secret=SecretStr(STRONG),
        oidc_issuer="https://id.example/realms/council",
    )
    assert production_problems(_WithOwnChecks(prod)) == [
        "SIGNALS_OIDC_REDIRECT_URL must be an https URL outside development"
    ]
    assert production_problems(_WithOwnChecks(HubSettings(env="development"))) == []


def test_production_refuses_the_default_or_a_weak_dead_letter_key() -> None:
    """The dead-letter key seals what consumers dead-letter (hub_runtime.dead_letter_seal)."""
    default = _hub(jwt_secret=SecretStr(STRONG), dead_letter_key=HubSettings().dead_letter_key)
    assert insecure_secrets(default) == ["HUB_DEAD_LETTER_KEY is the development default"]
    weak = _hub(
        jwt_secret=SecretStr(STRONG),
        dead_letter_key=SecretStr(STRONG),
        dead_letter_previous_key=SecretStr("old"),
    )
    assert insecure_secrets(weak)[0].startswith("HUB_DEAD_LETTER_PREVIOUS_KEY is weak")
