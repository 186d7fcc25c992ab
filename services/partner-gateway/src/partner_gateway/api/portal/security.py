"""Cookies and CSRF protection of the portal (OWASP Session Management and CSRF Prevention
cheat sheets).

- The session cookie is random (256 bits), ``HttpOnly``, ``SameSite=Strict``, ``Path=/portal``
  and ``Secure`` outside development; the server keeps only its SHA-256 (`handlers.staff`).
- CSRF: a *signed double-submit* token. A random ``portal_csrf`` cookie (``HttpOnly``,
  ``SameSite=Strict``) and, in every form, HMAC-SHA256(key, cookie value | session cookie):
  a forged form cannot know the cookie, and the token of one session is worthless in another.
  Checked on every POST, with Fetch Metadata (``Sec-Fetch-Site``) refusing cross-site requests
  where the browser sends it.

The cookies' attributes (`hub_runtime.staff_pages.PageCookies`), their random values and the
constant-time comparison are the runtime's, shared with the signals dashboard.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from fastapi import Request
from hub_runtime.staff_pages import same_token

SESSION_COOKIE = "portal_session"
PENDING_COOKIE = "portal_pending"  # between the password and the second factor's code
PENDING_SECONDS = 300
CSRF_COOKIE = "portal_csrf"
PATH = "/portal"
_CROSS_SITE = frozenset({"cross-site", "same-site"})


@dataclass(frozen=True)
class Csrf:
    """Signed double-submit tokens under ``key`` (derived from the hub's secret)."""

    key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> Csrf:
        """A key of its own, derived from the hub's JWT secret (never the secret itself)."""
        return cls(hmac.new(secret.encode(), b"portal-csrf-v1", hashlib.sha256).digest())

    def token(self, csrf_cookie: str, session_cookie: str | None) -> str:
        """The form token for this browser's CSRF cookie and session (hex)."""
        message = f"{csrf_cookie}|{session_cookie or ''}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def valid(self, request: Request, submitted: str | None) -> bool:
        """True when the POST comes from the portal's own page in this browser."""
        if request.headers.get("sec-fetch-site") in _CROSS_SITE:
            return False
        cookie = request.cookies.get(CSRF_COOKIE)
        if not cookie or not submitted:
            return False
        expected = self.token(cookie, request.cookies.get(SESSION_COOKIE))
        return same_token(expected, submitted)
