"""Signing staff in to a server-rendered page through the council's OpenID Connect provider.

The Authorization Code flow (OpenID Connect Core 1.0 section 3.1) with PKCE (RFC 7636, method
S256) and ``state`` and ``nonce``, as the OAuth 2.0 Security Best Current Practice (RFC 9700,
sections 2.1 and 4.5-4.7) asks of a web application: the browser only ever carries the
authorization code, which is bound to the PKCE verifier the server keeps; the server exchanges
it at the token endpoint (client authentication ``client_secret_basic``, RFC 6749 section
2.3.1) and keeps nothing of the answer but the verified ID token's claims.

The ID token is verified by `hub_runtime.oidc.OidcVerifier` (signature against the provider's
JWKS with key rollover, RS256/ES256, issuer, audience = the client id, expiry), then here: the
``nonce`` the flow sent (Core 3.1.3.7 item 11) and, when the token names several audiences,
``azp`` = the client id (items 4-5). Where the flow's ``state``, ``nonce`` and verifier are
kept between the two legs is the caller's choice (signals keeps them in PostgreSQL, keyed by
the hash of a cookie).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from hub_runtime.oidc import OidcVerifier, ProviderUnavailableError, TokenRefusedError

HTTP_TIMEOUT_SECONDS = 10.0


class LoginRefusedError(ValueError):
    """The provider refused the code (used already, expired, another client's or verifier's),
    or the ID token is not valid. The reason names no claim value: safe to log."""


@dataclass(frozen=True)
class ProviderEndpoints:
    """What the flow needs of the provider's discovery document (OpenID Connect Discovery 1.0
    section 3); ``end_session_endpoint`` (RP-Initiated Logout 1.0) may be absent."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    end_session_endpoint: str | None


@dataclass(frozen=True)
class LoginStart:
    """The secrets of one sign-in attempt, kept by the server until the browser comes back:
    ``state`` (binds the answer to this attempt, RFC 6749 section 10.12), ``nonce`` (binds the
    ID token to it), ``code_verifier`` (PKCE: 43 characters of base64url, RFC 7636 section 4.1).
    """

    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def new(cls) -> LoginStart:
        """Fresh random values (256 bits each)."""
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(32))

    def code_challenge(self) -> str:
        """BASE64URL(SHA256(code_verifier)) without padding (RFC 7636 section 4.2, S256)."""
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def state_matches(self, given: str | None) -> bool:
        """A constant-time comparison of the ``state`` the browser brought back."""
        return bool(given) and hmac.compare_digest(self.state, str(given))


class OidcLogin:
    """One client of the provider: ``issuer`` (exactly its tokens' ``iss``), ``client_id`` and
    ``client_secret`` (None: a public client, PKCE only), ``redirect_uri`` (registered exactly
    at the provider). ``verifier`` checks the ID tokens (its audience must be ``client_id``).
    Endpoints are discovered once and cached."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        redirect_uri: str,
        verifier: OidcVerifier,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self._client_secret = client_secret
        self._verifier = verifier
        self._endpoints: ProviderEndpoints | None = None

    async def endpoints(self) -> ProviderEndpoints:
        """The provider's endpoints from its discovery document; raises
        `ProviderUnavailableError` when it cannot be read or names another issuer."""
        if self._endpoints is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
                    answer = await http.get(url)
                    answer.raise_for_status()
                    document: dict[str, Any] = answer.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise ProviderUnavailableError("the identity provider's discovery failed") from exc
            # Discovery 1.0 section 4.3: the issuer must be exactly the one configured.
            if document.get("issuer") != self.issuer:
                raise ProviderUnavailableError("the discovery document names another issuer")
            try:
                self._endpoints = ProviderEndpoints(
                    issuer=self.issuer,
                    authorization_endpoint=str(document["authorization_endpoint"]),
                    token_endpoint=str(document["token_endpoint"]),
                    end_session_endpoint=document.get("end_session_endpoint"),
                )
            except KeyError as exc:
                raise ProviderUnavailableError("the discovery document lacks an endpoint") from exc
        return self._endpoints

    async def authorization_url(self, start: LoginStart, ui_locales: str = "") -> str:
        """Where to send the browser: the authorization endpoint with this attempt's
        ``state``, ``nonce`` and S256 code challenge; ``ui_locales`` (Core 3.1.2.1) asks the
        provider's pages in that language."""
        endpoints = await self.endpoints()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid",
            "state": start.state,
            "nonce": start.nonce,
            "code_challenge": start.code_challenge(),
            "code_challenge_method": "S256",
        }
        if ui_locales:
            query["ui_locales"] = ui_locales
        return f"{endpoints.authorization_endpoint}?{urlencode(query)}"

    async def signed_in_claims(self, code: str, start: LoginStart) -> dict[str, Any]:
        """Exchange ``code`` (with ``start``'s verifier) and return the verified ID token's
        claims. Raises `LoginRefusedError` (code refused, no or invalid ID token, wrong nonce
        or ``azp``) or `ProviderUnavailableError`."""
        endpoints = await self.endpoints()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": start.code_verifier,
            "client_id": self.client_id,
        }
        auth: httpx.Auth | None = None
        if self._client_secret is not None:
            # RFC 6749 section 2.3.1: both are form-urlencoded before Basic encoding.
            auth = httpx.BasicAuth(
                quote(self.client_id, safe=""), quote(self._client_secret, safe="")
            )
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
                answer = await http.post(
                    endpoints.token_endpoint, data=form, auth=auth or httpx.USE_CLIENT_DEFAULT
                )
        except httpx.HTTPError as exc:
            raise ProviderUnavailableError("the identity provider's token endpoint failed") from exc
        if 400 <= answer.status_code < 500:
            raise LoginRefusedError("the provider refused the authorization code")
        if answer.status_code != 200:
            raise ProviderUnavailableError("the identity provider's token endpoint failed")
        try:
            id_token = str(answer.json()["id_token"])
        except (ValueError, KeyError, TypeError) as exc:
            raise LoginRefusedError("the provider sent no ID token") from exc
        try:
            claims = await asyncio.to_thread(self._verifier.claims, id_token)
        except TokenRefusedError as exc:
            raise LoginRefusedError(f"the ID token is refused: {exc}") from exc
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce, start.nonce):
            raise LoginRefusedError("the ID token's nonce is not this sign-in's")
        audiences = claims.get("aud")
        if (
            isinstance(audiences, list)
            and len(audiences) > 1
            and claims.get("azp") != self.client_id
        ):
            raise LoginRefusedError("the ID token was issued to another client (azp)")
        return claims

    async def logout_url(self, post_logout_redirect_uri: str, ui_locales: str = "") -> str | None:
        """The provider's RP-Initiated Logout 1.0 URL (by ``client_id``: the provider asks the
        user to confirm, as no ID token is kept to hint with), or None when it has none."""
        endpoints = await self.endpoints()
        if not endpoints.end_session_endpoint:
            return None
        query = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if ui_locales:
            query["ui_locales"] = ui_locales
        return f"{endpoints.end_session_endpoint}?{urlencode(query)}"
