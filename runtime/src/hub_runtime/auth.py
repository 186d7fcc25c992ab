"""Bearer tokens for every HTTP API.

Two issuers: the hub itself (HS256 under ``HUB_JWT_SECRET``: partners' tokens from the gateway,
service-to-service calls, and in development mode staff tokens) and, for staff in production,
the council's OpenID Connect provider (`hub_runtime.oidc`: RS256/ES256 against its JWKS, roles
mapped from a claim). Outside development mode a hub-signed token with a staff role is refused:
whoever holds the shared key must not be able to act as a counsellor or an admin.

`python -m hub_runtime.auth --role counsellor --sub alice` mints a development token (refused
outside development mode).
"""

import argparse
import sys
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import jwt
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from hub_runtime.errors import BadRequestError
from hub_runtime.oidc import OidcVerifier, ProviderUnavailableError, TokenRefusedError, mapped_roles
from hub_runtime.openapi_errors import raises
from hub_runtime.settings import HubSettings

ISSUER = "council-hub"

BEARER = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="A JWT: a staff member's from the council's OpenID Connect provider (RS256 or"
    " ES256; in development also HS256 tokens issued by the hub), or an HS256 token issued by"
    " the hub (`role`, `sub`, `iss` council-hub, `exp`; `partner_id` for a partner; service"
    " calls). Missing or invalid: 401 with `WWW-Authenticate: Bearer`; a role the route does"
    " not admit: 403.",
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


STAFF_ROLES = frozenset({Role.COUNSELLOR, Role.COORDINATOR, Role.ADVOCACY, Role.ADMIN})


def verify_token(secret: str | tuple[str, ...], token: str) -> Principal:
    """The principal of a valid hub-signed (HS256) token; raises ValueError with a readable
    reason otherwise. ``secret``: one key, or the current key then the previous one(s) still
    accepted during a rotation (tried in order)."""
    secrets = (secret,) if isinstance(secret, str) else secret
    claims: dict[str, object] | None = None
    for key in secrets:
        try:
            claims = jwt.decode(
                token, key, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "sub"]}
            )
            break
        except jwt.InvalidSignatureError:
            continue  # maybe signed with the other key of a rotation
        except jwt.ExpiredSignatureError as exc:
            raise ValueError("the token has expired") from exc
        except jwt.InvalidTokenError as exc:
            raise ValueError("the token is not valid") from exc
    if claims is None:
        raise ValueError("the token is not valid")
    try:
        principal = Principal.model_validate(claims, strict=False)
    except ValidationError as exc:
        raise ValueError("the token is not valid") from exc
    if principal.role is Role.PARTNER and principal.partner_id is None:
        raise ValueError("a partner token must carry a partner_id")
    return principal


class TokenVerifier:
    """Every token the hub accepts: hub-signed HS256 ones (staff roles only in development
    mode) and, when an issuer is configured, the OpenID Connect provider's (staff only)."""

    def __init__(self, settings: HubSettings) -> None:
        keys = [settings.jwt_secret.get_secret_value()]
        if settings.jwt_previous_secret is not None:
            keys.append(settings.jwt_previous_secret.get_secret_value())
        self._keys = tuple(keys)
        self._development = settings.development
        self._settings = settings
        self._oidc = (
            OidcVerifier(
                settings.oidc_issuer,
                settings.oidc_audience,
                jwks_url=settings.oidc_jwks_url,
                leeway_seconds=settings.oidc_leeway_seconds,
                refetch_seconds=settings.oidc_jwks_refetch_seconds,
            )
            if settings.oidc_issuer
            else None
        )

    def principal(self, token: str) -> Principal:
        """The caller of ``token``; raises ValueError (a reason for a 401) or
        :class:`ProviderUnavailableError` when the identity provider cannot be reached."""
        try:
            alg = jwt.get_unverified_header(token).get("alg")
        except jwt.InvalidTokenError as exc:
            raise ValueError("the token is not valid") from exc
        if alg == "HS256":
            principal = verify_token(self._keys, token)
            if principal.role in STAFF_ROLES and not self._development:
                raise ValueError("staff tokens come from the identity provider in production")
            return principal
        if self._oidc is None:
            raise ValueError("the token is not valid")
        return self._staff(self._oidc.claims(token))

    def _staff(self, claims: dict[str, object]) -> Principal:
        s = self._settings
        roles = mapped_roles(claims, s.oidc_roles_claim, s.oidc_role_map)
        staff = [r for r in Role if r in STAFF_ROLES and r.value in roles]
        if len(staff) != 1:
            raise TokenRefusedError("the token must map to exactly one hub staff role")
        subject = claims.get(s.oidc_subject_claim)
        if not isinstance(subject, str):
            raise TokenRefusedError(f"the token has no '{s.oidc_subject_claim}' claim")
        try:
            return Principal(sub=subject, role=staff[0])
        except ValidationError as exc:
            raise TokenRefusedError("the token's subject is not a valid login") from exc


def install(app: FastAPI, settings: HubSettings | str) -> None:
    """Make `requires` work in ``app``: tokens are verified as ``settings`` say (a bare
    string: one HS256 key, development rules, no identity provider: for unit tests)."""
    if isinstance(settings, str):
        settings = HubSettings(env="development", jwt_secret=settings)
    app.state.authenticator = Authenticator(TokenVerifier(settings))


def requires(
    *roles: Role,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[Principal]]:
    """A FastAPI dependency admitting only ``roles`` (401 without a valid token, 403 for another
    role). Use it in a module-level alias, so routes stay typed::

        Counsellor = Annotated[Principal, Depends(requires(Role.COUNSELLOR))]

    The app must have called `install`. A coroutine, like every dependency of the hub's: FastAPI
    runs a plain function in a worker thread, and the hand-off cost more than the token check
    (issue 16's profile)."""

    @raises(400, 401, 403)
    async def dependency(request: Request, credentials: Credentials) -> Principal:
        # Through `BEARER`, so every route using it carries the bearer scheme in OpenAPI.
        if len(request.headers.getlist("authorization")) > 1:
            # Which one would count is a guess the server must not make (the first one did:
            # the sixth new user's trial); RFC 6750 section 3.1, invalid_request.
            raise BadRequestError(
                "send the Authorization header once", code="authorization_repeated"
            )
        authenticator: Authenticator = request.app.state.authenticator
        return authenticator.admit(credentials, roles)

    return dependency


class Authenticator:
    """A FastAPI dependency factory bound to one :class:`TokenVerifier`."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    def principal(self, credentials: HTTPAuthorizationCredentials | None) -> Principal:
        """The verified principal of the request's ``Authorization: Bearer <token>`` header
        (``credentials`` as `BEARER` extracted it: None without a bearer token).

        Raises FastAPI's ``HTTPException`` 401 (with ``WWW-Authenticate: Bearer``) when the header
        is missing, not a bearer token, or the token is invalid or expired; 503 when the
        identity provider cannot be reached to check it."""
        if credentials is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="a bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            return self._verifier.principal(credentials.credentials)
        except ProviderUnavailableError as exc:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                detail="the identity provider cannot be reached; try again",
                headers={"Retry-After": "5"},
            ) from exc
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
    line. Refused (exit 78) outside development mode: staff tokens then come from the identity
    provider."""
    parser = argparse.ArgumentParser(description="Mint a development bearer token")
    parser.add_argument("--role", required=True, choices=[r.value for r in Role])
    parser.add_argument("--sub", required=True, help="who the token is for (a staff login)")
    parser.add_argument("--partner-id", type=UUID, default=None)
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds")
    args = parser.parse_args()
    settings = HubSettings()
    if not settings.development:
        sys.stderr.write(
            "refusing to mint a token: development tokens exist only with HUB_ENV=development\n"
        )
        raise SystemExit(78)
    secret = settings.jwt_secret.get_secret_value()
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
