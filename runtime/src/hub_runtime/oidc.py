"""Staff bearer tokens from an OpenID Connect provider (Keycloak, Microsoft Entra ID, ...).

A token is verified with PyJWT against the provider's published keys (JWKS, RFC 7517): the
signature (RS256 or ES256 only, RFC 7518 section 3; the algorithm is never taken from the token
alone), the issuer, the audience, and the expiry (RFC 7519 section 4.1). The JWKS is found
through the provider's discovery document (OpenID Connect Discovery 1.0 section 4) and cached;
a token naming a key id the cache does not hold makes one refetch (the provider rolled its
keys over), at most every ``refetch_seconds`` (``HUB_OIDC_JWKS_REFETCH_SECONDS``), so forged
key ids cannot make the hub hammer the provider.

Roles come from one claim (``HUB_OIDC_ROLES_CLAIM``, dotted for nested claims such as
Keycloak's ``realm_access.roles``), mapped to the hub's staff roles by configuration.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Mapping
from typing import Any

import jwt
from jwt import PyJWKClient, PyJWKClientError

ALGORITHMS = ("RS256", "ES256")
HTTP_TIMEOUT_SECONDS = 5.0


class TokenRefusedError(ValueError):
    """The token is not valid (the reason is safe to show the caller: no claim values)."""


class ProviderUnavailableError(RuntimeError):
    """The identity provider's discovery document or keys could not be fetched."""


class OidcVerifier:
    """Verifies provider-issued tokens; thread-safe (FastAPI runs sync dependencies in threads).

    ``issuer``: the provider's issuer URL, exactly as in its tokens' ``iss``; ``audience``: the
    ``aud`` required; ``jwks_url``: the key set (None: from discovery); ``leeway_seconds``:
    clock skew tolerated; ``refetch_seconds``: least time between two refetches of the keys."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_url: str | None = None,
        leeway_seconds: int = 30,
        refetch_seconds: float = 10.0,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._jwks_url = jwks_url
        self._leeway = leeway_seconds
        self._refetch_seconds = refetch_seconds
        self._client: PyJWKClient | None = None
        self._lock = threading.Lock()
        self._last_fetch = 0.0

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of ``token``; raises :class:`TokenRefusedError` (bad signature,
        algorithm, issuer, audience, expiry, unknown key) or :class:`ProviderUnavailableError`."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise TokenRefusedError("the token is not valid") from exc
        if header.get("alg") not in ALGORITHMS:
            raise TokenRefusedError("the token is not signed with an accepted algorithm")
        key = self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenRefusedError("the token has expired") from exc
        except jwt.InvalidIssuerError as exc:
            raise TokenRefusedError("the token is from another issuer") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenRefusedError("the token is not meant for the hub (audience)") from exc
        except jwt.MissingRequiredClaimError as exc:
            if exc.claim == "aud":
                raise TokenRefusedError("the token is not meant for the hub (audience)") from exc
            raise TokenRefusedError("the token is not valid") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenRefusedError("the token is not valid") from exc
        return claims

    def _key(self, kid: str) -> Any:
        """The provider's public key ``kid``: from the cached key set, else after one refetch."""
        with self._lock:
            client = self._jwks_client()
            try:
                found = _find(client.get_jwk_set(), kid)
                now = time.monotonic()
                if found is None and now - self._last_fetch >= self._refetch_seconds:
                    self._last_fetch = now
                    found = _find(client.get_jwk_set(refresh=True), kid)
            except PyJWKClientError as exc:
                raise ProviderUnavailableError(
                    "the identity provider's keys cannot be fetched"
                ) from exc
        if found is None:
            raise TokenRefusedError("the token's key is not one the provider publishes")
        return found

    def _jwks_client(self) -> PyJWKClient:
        if self._client is None:
            url = self._jwks_url or self._discover_jwks_url()
            self._client = PyJWKClient(url, cache_jwk_set=True, timeout=int(HTTP_TIMEOUT_SECONDS))
            self._last_fetch = time.monotonic()
        return self._client

    def _discover_jwks_url(self) -> str:
        url = self._issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310
                document = json.load(response)
        except (OSError, ValueError) as exc:
            raise ProviderUnavailableError("the identity provider's discovery failed") from exc
        if document.get("issuer") != self._issuer or not document.get("jwks_uri"):
            raise ProviderUnavailableError("the discovery document names another issuer or no JWKS")
        return str(document["jwks_uri"])


def _find(jwk_set: jwt.PyJWKSet, kid: str) -> Any:
    for jwk in jwk_set.keys:
        if jwk.key_id == kid and jwk.algorithm_name in ALGORITHMS:
            return jwk.key
    return None


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim at a dotted ``path`` (``realm_access.roles``), or None when absent."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def mapped_roles(claims: Mapping[str, Any], claim: str, role_map: Mapping[str, str]) -> set[str]:
    """The hub role names the token's roles map to (``role_map`` empty: the names themselves).

    The claim may be a list of strings or one string (Entra ID and Keycloak use lists)."""
    raw = claim_at(claims, claim)
    names = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    found = {name for name in names if isinstance(name, str)}
    if not role_map:
        return found
    return {role_map[name] for name in found if name in role_map}
