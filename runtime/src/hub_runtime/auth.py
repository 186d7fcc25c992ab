"""Bearer tokens for every HTTP API: HS256 JWTs that carry a role (and a partner id for partners).

`python -m hub_runtime.auth --role counsellor --sub alice` mints a development token.
"""

import argparse
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from hub_runtime.openapi_errors import raises
from hub_runtime.settings import HubSettings

ISSUER = "council-hub"

BEARER = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="An HS256 JWT issued by the hub (`role`, `sub`, `iss` council-hub, `exp`;"
    " `partner_id` for a partner). Missing or invalid: 401 with `WWW-Authenticate: Bearer`;"
    " a role the route does not admit: 403.",
    # The dependency below answers the 401 itself, in the hub's error shape.
    auto_error=False,
)
"""The OpenAPI security scheme (RFC 6750 bearer token, a JWT) and the extractor of its token."""

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


class Role(StrEnum):
    """The role a bearer token carries; routes admit roles through :func:`requires`.

    Staff roles (counsellor, coordinator, advocacy, admin), ``partner`` (a receiving organisation:
    the token must carry its ``partner_id``) and ``service`` (the hub's own services calling each
    other). The values are the ``role`` claim as written in a token."""

    COUNSELLOR = "counsellor"
    COORDINATOR = "coordinator"
    ADVOCACY = "advocacy"
    ADMIN = "admin"
    PARTNER = "partner"
    SERVICE = "service"  # service-to-service calls inside the hub (the disclosure path)


class Principal(BaseModel):
    """Who is calling: never personal data of a counselled person."""

    model_config = ConfigDict(frozen=True)

    # A login, client id or service name: ASCII, no spaces or control characters, so a token
    # can never carry a name or a NUL into the audit columns that record who acted.
    sub: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$")]
    role: Role
    partner_id: UUID | None = None


def mint_token(
    secret: str,
    *,
    sub: str,
    role: Role,
    partner_id: UUID | None = None,
    ttl_seconds: int = 8 * 3600,
) -> str:
    """A signed HS256 JWT for ``sub`` with ``role`` (and ``partner_id`` for a partner).

    Claims: ``sub``, ``role``, ``iss`` (``council-hub``), ``iat`` and ``exp`` in seconds since the
    epoch; ``ttl_seconds`` (default 8 hours) is the lifetime. Raises nothing of its own; the checks
    (a valid ``sub``, a partner id for a partner) are made by :func:`verify_token`, so a token
    minted against them is refused when used."""
    now = int(time.time())
    claims: dict[str, object] = {"sub": sub, "role": role.value, "iss": ISSUER, "iat": now}
    claims["exp"] = now + ttl_seconds
    if partner_id is not None:
        claims["partner_id"] = str(partner_id)
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(secret: str, token: str) -> Principal:
    """The principal of a valid token; raises ValueError with a readable reason otherwise."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "sub"]}
        )
        principal = Principal.model_validate(claims, strict=False)
    except jwt.ExpiredSignatureError as exc:
        raise ValueError("the token has expired") from exc
    except (jwt.InvalidTokenError, ValidationError) as exc:
        raise ValueError("the token is not valid") from exc
    if principal.role is Role.PARTNER and principal.partner_id is None:
        raise ValueError("a partner token must carry a partner_id")
    return principal


def install(app: FastAPI, secret: str) -> None:
    """Make `requires` work in ``app``: its tokens are verified with ``secret``."""
    app.state.authenticator = Authenticator(secret)


def requires(
    *roles: Role,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[Principal]]:
    """A FastAPI dependency admitting only ``roles`` (401 without a valid token, 403 for another
    role). Use it in a module-level alias, so routes stay typed::

        Counsellor = Annotated[Principal, Depends(requires(Role.COUNSELLOR))]

    The app must have called `install`. A coroutine, like every dependency of the hub's: FastAPI
    runs a plain function in a worker thread, and the hand-off cost more than the token check
    (issue 16's profile)."""

    @raises(401, 403)
    async def dependency(request: Request, credentials: Credentials) -> Principal:
        # Through `BEARER`, so every route using it carries the bearer scheme in OpenAPI.
        authenticator: Authenticator = request.app.state.authenticator
        return authenticator.admit(credentials, roles)

    return dependency


class Authenticator:
    """A FastAPI dependency factory bound to one secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def principal(self, credentials: HTTPAuthorizationCredentials | None) -> Principal:
        """The verified principal of the request's ``Authorization: Bearer <token>`` header
        (``credentials`` as `BEARER` extracted it: None without a bearer token).

        Raises FastAPI's ``HTTPException`` 401 (with ``WWW-Authenticate: Bearer``) when the header
        is missing, not a bearer token, or the token is invalid or expired."""
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="a bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            return verify_token(self._secret, credentials.credentials)
        except ValueError as exc:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=str(exc),
                headers={"WWW-Authenticate": "Bearer"},
            ) from exc

    def admit(
        self, credentials: HTTPAuthorizationCredentials | None, roles: tuple[Role, ...]
    ) -> Principal:
        """The principal of ``credentials`` if its role is one of ``roles``; else 401 or 403."""
        principal = self.principal(credentials)
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"the role '{principal.role.value}' may not do this (allowed: {allowed})",
            )
        return principal


def main() -> None:
    """``python -m hub_runtime.auth``: print a development token signed with the hub's JWT secret.

    Arguments: ``--role``, ``--sub``, optional ``--partner-id`` (UUID) and ``--ttl`` (seconds,
    default 8 hours). The secret comes from ``HubSettings`` (the environment), never the command
    line."""
    parser = argparse.ArgumentParser(description="Mint a development bearer token")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--sub", required=True, help="who the token is for (a staff login)")
    parser.add_argument("--partner-id", type=UUID, default=None)
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds")
    args = parser.parse_args()
    secret = HubSettings().jwt_secret.get_secret_value()
    print(
        mint_token(
            secret,
            sub=args.sub,
            role=Role(args.role),
            partner_id=args.partner_id,
            ttl_seconds=args.ttl,
        )
    )


if __name__ == "__main__":
    main()
