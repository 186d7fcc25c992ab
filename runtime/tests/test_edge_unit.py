"""Unit tests of the shared HTTP edge, tokens and retry policy (no stack needed)."""

import time
import uuid

import httpx
import jwt
import pytest
from fastapi import FastAPI
from hub_runtime.auth import Authenticator, Role, mint_token, verify_token
from hub_runtime.consumer import RetryPolicy
from hub_runtime.http import DomainError, create_app
from pydantic import BaseModel

SECRET = "unit-test-secret-0123456789abcdef0123"


class Note(BaseModel):
    count: int


def _app() -> FastAPI:
    auth = Authenticator(SECRET)
    app = create_app(
        service="demo", title="demo", description="", max_body_bytes=2048, readiness={}
    )

    @app.post("/things")
    async def make(body: Note, who: auth.require(Role.COUNSELLOR)) -> dict[str, str]:  # type: ignore[valid-type]
        if body.count < 0:
            raise DomainError("a count below zero makes no sense", code="negative")
        return {"by": who.sub}

    return app


async def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t")


def _bearer(role: Role, **kw: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(SECRET, sub='alice', role=role, **kw)}"}  # type: ignore[arg-type]


async def test_health_is_open_and_apis_need_a_token() -> None:
    async with await _client() as client:
        assert (await client.get("/health")).status_code == 200
        response = await client.post("/things", json={"count": 1})
        assert response.status_code == 401
        assert response.json()["detail"] == "a bearer token is required"


async def test_wrong_role_is_forbidden_with_a_reason() -> None:
    async with await _client() as client:
        response = await client.post("/things", json={"count": 1}, headers=_bearer(Role.ADVOCACY))
        assert response.status_code == 403
        assert "advocacy" in response.json()["detail"]


async def test_right_role_passes() -> None:
    async with await _client() as client:
        response = await client.post("/things", json={"count": 1}, headers=_bearer(Role.COUNSELLOR))
        assert response.status_code == 200
        assert response.json() == {"by": "alice"}


async def test_invalid_body_gets_readable_reasons_without_echoing_input() -> None:
    async with await _client() as client:
        response = await client.post(
            "/things", json={"count": "Fatima Yusuf"}, headers=_bearer(Role.COUNSELLOR)
        )
        assert response.status_code == 422
        body = response.json()
        assert body["reasons"][0].startswith("count:")
        assert "Fatima" not in response.text


async def test_domain_refusal_is_a_4xx_with_the_reason() -> None:
    async with await _client() as client:
        response = await client.post(
            "/things", json={"count": -1}, headers=_bearer(Role.COUNSELLOR)
        )
        assert response.status_code == 409
        assert response.json() == {
            "error": "negative",
            "detail": "a count below zero makes no sense",
        }


async def test_oversized_body_is_refused_with_413() -> None:
    async with await _client() as client:
        response = await client.post(
            "/things",
            content=b'{"count": 1, "pad": "' + b"x" * 4096 + b'"}',
            headers={**_bearer(Role.COUNSELLOR), "content-type": "application/json"},
        )
        assert response.status_code == 413


def test_tokens_expire_and_forgeries_fail() -> None:
    expired = mint_token(SECRET, sub="a", role=Role.ADMIN, ttl_seconds=-10)
    with pytest.raises(ValueError, match="expired"):
        verify_token(SECRET, expired)
    forged = jwt.encode(
        {"sub": "a", "role": "admin", "iss": "council-hub", "exp": int(time.time()) + 60},
        "another-secret-that-is-long-enough-0000",
        algorithm="HS256",
    )
    with pytest.raises(ValueError, match="not valid"):
        verify_token(SECRET, forged)


def test_partner_tokens_must_name_the_partner() -> None:
    with pytest.raises(ValueError, match="partner_id"):
        verify_token(SECRET, mint_token(SECRET, sub="p", role=Role.PARTNER))
    partner = uuid.uuid4()
    principal = verify_token(
        SECRET, mint_token(SECRET, sub="p", role=Role.PARTNER, partner_id=partner)
    )
    assert principal.partner_id == partner


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=5, first_backoff=0.1, max_backoff=0.5)
    assert [policy.delay(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]
