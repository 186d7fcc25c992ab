"""Bearer tokens for every HTTP API: HS256 JWTs that carry a role (and a partner id for partners).

`python -m hub_runtime.auth --role counsellor --sub alice` mints a development token.
"""

import argparse
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import jwt
from fastapi import FastAPI, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from hub_runtime.openapi_errors import raises
from hub_runtime.settings import HubSettings

ISSUER = "council-hub"


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


def requires(*roles: Role) -> Callable[[Request], Principal]:
    """A FastAPI dependency admitting only ``roles`` (401 without a valid token, 403 for another
    role). Use it in a module-level alias, so routes stay typed::

        Counsellor = Annotated[Principal, Depends(requires(Role.COUNSELLOR))]

    The app must have called `install`."""

    @raises(401, 403)
    def dependency(request: Request) -> Principal:
        authenticator: Authenticator = request.app.state.authenticator
        return authenticator.admit(request, roles)

    return dependency


class Authenticator:
    """A FastAPI dependency factory bound to one secret."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def principal(self, request: Request) -> Principal:
        """The verified principal of the request's ``Authorization: Bearer <token>`` header.

        Raises FastAPI's ``HTTPException`` 401 (with ``WWW-Authenticate: Bearer``) when the header
        is missing, not a bearer token, or the token is invalid or expired."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="a bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            return verify_token(self._secret, token)
        except ValueError as exc:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=str(exc),
                headers={"WWW-Authenticate": "Bearer"},
            ) from exc

    def admit(self, request: Request, roles: tuple[Role, ...]) -> Principal:
        """The request's principal if its role is one of ``roles``; else 401 or 403."""
        principal = self.principal(request)
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
