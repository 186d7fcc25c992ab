"""``POST /partner/token``: client credentials for a short-lived partner token (RFC 6749
section 4.4), as a form or JSON, the client authenticated by HTTP Basic or in the body. The
order of the checks is `partner_gateway.api.token_request`'s."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from hub_runtime.edge import error_response
from hub_runtime.errors import UnauthenticatedError
from hub_runtime.openapi_errors import errors

from partner_gateway import messages as m
from partner_gateway.api.models import TokenRequest, TokenResponse
from partner_gateway.api.token_request import (
    BASIC_CHALLENGE,
    FORM,
    FormTokenRequest,
    check_grant,
    read_credentials,
)
from partner_gateway.handlers.credentials import GrantInvalidError
from partner_gateway.repository.rate_limits import RateLimits
from partner_gateway.routes import GatewayBus

PATH = "/partner/token"

_BODY: dict[str, Any] = {
    "required": False,
    "content": {
        FORM: {"schema": FormTokenRequest.model_json_schema()},
        "application/json": {"schema": TokenRequest.model_json_schema()},
    },
}


def add(routes: APIRouter, bus: GatewayBus, limiter: RateLimits, ttl_seconds: int) -> None:
    """Add the token route to the ``/partner`` router ``routes``."""

    @routes.post(
        "/token",
        summary="Exchange client credentials for a short-lived partner token",
        description=(
            "RFC 6749 section 4.4: a form (grant_type=client_credentials) or JSON; the client"
            " id and secret in the body or as HTTP Basic (section 2.3.1), not both. Errors"
            " come in the hub's shape; 401 invalid_client is one answer for an unknown client,"
            " a wrong or expired secret and a revoked client."
        ),
        response_model=TokenResponse,
        responses=errors(401, 403, 429),
        openapi_extra={"requestBody": _BODY},
    )
    async def token(request: Request) -> TokenResponse | JSONResponse:
        credentials = await read_credentials(request)
        # No partner is known yet: the bucket is per client id (slows down secret guessing).
        wait = await limiter.acquire(f"token:{credentials.client_id}")
        if wait > 0:
            raise HTTPException(
                429,
                detail="too many token requests",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        held: RequestValidationError | None = None
        try:
            check_grant(credentials)
        except RequestValidationError as invalid:
            held = invalid
        exchange = m.ExchangeToken(
            credentials.client_id, credentials.client_secret, grant_valid=held is None
        )
        try:
            access = await bus.dispatch(exchange)
        except GrantInvalidError:
            assert held is not None  # the handler refuses only what the edge found invalid
            raise held from None
        except UnauthenticatedError as refused:
            if not credentials.basic:
                raise
            # RFC 6749 section 5.2: the challenge of the scheme the client used.
            return error_response(
                401, refused.code, refused.reason, headers={"WWW-Authenticate": BASIC_CHALLENGE}
            )
        return TokenResponse(access_token=access, expires_in=ttl_seconds)
