"""``POST /partner/token``: client credentials for a short-lived partner token (RFC 6749
section 4.4), as a form or JSON, the client authenticated by HTTP Basic or in the body. The
order of the checks and the error codes (RFC 6749 section 5.2) are
`partner_gateway.api.token_request`'s; `partner_gateway.api.token_answers` adds
``error_description`` and ``Cache-Control: no-store`` to every answer of the path."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from hub_runtime.edge import error_response
from hub_runtime.errors import BadRequestError, UnauthenticatedError
from hub_runtime.openapi_errors import never_answers

from partner_gateway import messages as m
from partner_gateway.api.models import TokenErrorBody, TokenRequest, TokenResponse
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


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": TokenErrorBody, "description": description}
    for status, description in {
        400: "RFC 6749 section 5.2: invalid_request (a malformed, missing or repeated"
        " parameter, credentials both in the header and the body, JSON that is not strict) or"
        " unsupported_grant_type (a grant type other than client_credentials)",
        401: "RFC 6749 section 5.2: invalid_client (no client authentication, an unknown client,"
        " a wrong or expired secret, a revoked client: one answer), with WWW-Authenticate: Basic",
        403: "partner_origin_authority (a client of an origin-country authority: never retry)"
        " or partner_refused (the partner is not active)",
        408: "The body did not arrive in time",
        413: "The body is too large",
        414: "The request target is too long",
        415: "The body is neither a form (application/x-www-form-urlencoded) nor JSON, or has a"
        " content coding",
        429: "Too many token requests for this client id: wait Retry-After seconds",
        431: "The header fields are too large",
        503: "The gateway is too busy or a dependency failed: retry later",
    }.items()
}


def add(routes: APIRouter, bus: GatewayBus, limiter: RateLimits, ttl_seconds: int) -> None:
    """Add the token route to the ``/partner`` router ``routes``."""

    @routes.post(
        "/token",
        summary="Exchange client credentials for a short-lived partner token",
        description=(
            "RFC 6749 section 4.4: a form (grant_type=client_credentials) or JSON; the client"
            " id and secret in the body or as HTTP Basic (section 2.3.1), not both. Errors"
            " follow section 5.2 in the hub's shape: `error` is RFC 6749's code for a 400"
            " (invalid_request, unsupported_grant_type) and a 401 (invalid_client, one answer"
            " for an unknown client, a wrong or expired secret and a revoked client, with"
            " WWW-Authenticate: Basic), `error_description` repeats `detail`. Every answer,"
            " the token included, carries Cache-Control: no-store and Pragma: no-cache"
            " (section 5.1)."
        ),
        response_model=TokenResponse,
        responses=_ERRORS,
        openapi_extra={"requestBody": _BODY},
    )
    @never_answers(422)
    async def token(request: Request) -> TokenResponse | JSONResponse:
        try:
            credentials = await read_credentials(request)
        except UnauthenticatedError as refused:
            return _invalid_client(refused)
        # No partner is known yet: the bucket is per client id (slows down secret guessing).
        wait = await limiter.acquire(f"token:{credentials.client_id}")
        if wait > 0:
            raise HTTPException(
                429,
                detail="too many token requests",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        held: BadRequestError | None = None
        try:
            check_grant(credentials)
        except BadRequestError as invalid:
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
            return _invalid_client(refused)
        return TokenResponse(access_token=access, expires_in=ttl_seconds)


def _invalid_client(refused: UnauthenticatedError) -> JSONResponse:
    """401 ``invalid_client`` with the Basic challenge, however the client authenticated: RFC
    6749 section 5.2 requires it after HTTP Basic, and RFC 9110 section 15.5.2 on every 401
    (Basic is the scheme the endpoint supports)."""
    return error_response(
        401, refused.code, refused.reason, headers={"WWW-Authenticate": BASIC_CHALLENGE}
    )
