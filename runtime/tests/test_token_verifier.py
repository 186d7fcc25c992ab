"""Which tokens the hub accepts (unit: no provider; the real one is in casefile's
test_oidc_tokens): hub-signed staff tokens only in development mode, the previous token key
during a rotation, roles mapped from a nested claim."""

from uuid import UUID

import pytest
from hub_runtime.auth import Role, TokenVerifier, mint_token
from hub_runtime.oidc import claim_at, mapped_roles
from hub_runtime.settings import HubSettings
from pydantic import SecretStr

OLD = "old-token-key-7Hq2Lm9Xz4Vb8Nc1Rt6Yw3Pk0Jd5Fs"
NEW = "new-token-key-2Jd5Fs7Hq9Lm4Xz8Vb1Nc6Rt3Yw0Pk"
PARTNER = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


def verifier(env: str = "production", **extra: object) -> TokenVerifier:
    settings = HubSettings(env="development" if env == "development" else "production")
    return TokenVerifier(settings.model_copy(update={"jwt_secret": SecretStr(NEW), **extra}))


def test_a_hub_signed_staff_token_works_only_in_development() -> None:
    token = mint_token(NEW, sub="alice", role=Role.COUNSELLOR)
    assert verifier("development").principal(token).role is Role.COUNSELLOR
    with pytest.raises(ValueError, match="identity provider"):
        verifier("production").principal(token)


def test_hub_signed_service_and_partner_tokens_work_in_production() -> None:
    service = mint_token(NEW, sub="partner-gateway", role=Role.SERVICE)
    assert verifier().principal(service).role is Role.SERVICE
    partner = mint_token(NEW, sub="client-1", role=Role.PARTNER, partner_id=UUID(PARTNER))
    assert verifier().principal(partner).role is Role.PARTNER


def test_the_previous_token_key_verifies_during_a_rotation_only() -> None:
    old_token = mint_token(OLD, sub="partner-gateway", role=Role.SERVICE)
    with pytest.raises(ValueError, match="not valid"):
        verifier().principal(old_token)
    during = verifier(jwt_previous_secret=SecretStr(OLD))
    assert during.principal(old_token).sub == "partner-gateway"
    assert during.principal(mint_token(NEW, sub="x", role=Role.SERVICE)).sub == "x"
    with pytest.raises(ValueError, match="not valid"):
        during.principal(mint_token("a-third-key-" + OLD, sub="x", role=Role.SERVICE))


def test_an_expired_hub_token_says_so_under_either_key() -> None:
    expired = mint_token(OLD, sub="x", role=Role.SERVICE, ttl_seconds=-60)
    with pytest.raises(ValueError, match="expired"):
        verifier(jwt_previous_secret=SecretStr(OLD)).principal(expired)


def test_an_rs256_token_without_a_provider_is_refused() -> None:
    # header {"alg":"RS256","typ":"JWT"}, any payload, any signature
    token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.c2ln"
    with pytest.raises(ValueError, match="not valid"):
        verifier().principal(token)


def test_roles_come_from_a_nested_claim_through_the_map() -> None:
    claims = {"realm_access": {"roles": ["hub-counsellor", "offline_access"]}, "roles": "admin"}
    assert claim_at(claims, "realm_access.roles") == ["hub-counsellor", "offline_access"]
    assert claim_at(claims, "realm_access.missing") is None
    role_map = {"hub-counsellor": "counsellor"}
    assert mapped_roles(claims, "realm_access.roles", role_map) == {"counsellor"}
    assert mapped_roles(claims, "roles", {}) == {"admin"}  # one string, names as they are
    assert mapped_roles(claims, "roles", role_map) == set()
