"""What a server-rendered page for staff needs of its session at the HTTP edge, written once for
the signals dashboard (``/dashboard``) and the partner portal (``/portal``): the cookies'
attributes, the session's random secrets, the constant-time check of a CSRF token, and the
headers every page carries. Each service keeps its own accounts, sessions (their SQL), routes
and CSRF scheme.

Sources: OWASP Session Management Cheat Sheet (cookie attributes; a session id of at least 64
bits of entropy, here 256; ids stored only as a hash, by the services), OWASP Cross-Site
Request Forgery Prevention Cheat Sheet (token comparison), RFC 6265bis (``SameSite``),
RFC 9111 section 5.2.2.5 (``no-store``), CSP Level 3.
"""

import hmac
import secrets
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from hub_runtime.edge import FORM_ONLY, is_form_media_type
from hub_runtime.errors import BadRequestError, TooLargeError, UnsupportedMediaTypeError

SECRET_BYTES = 32
"""Random bytes of a session cookie's value or a CSRF token (256 bits)."""

MAX_FORM_FIELDS = 40
"""More fields than any staff page's form has: a body with more is not one of its forms."""


async def form_fields(
    request: Request,
    max_fields: int = MAX_FORM_FIELDS,
    repeatable: frozenset[str] = frozenset(),
) -> dict[str, list[str]]:
    """The fields of a page's form (``application/x-www-form-urlencoded``, UTF-8, undecodable
    bytes replaced): each name's values in order, blank values kept. Empty when the request
    has no ``Content-Type`` (its CSRF check then answers the page's 403). The edge has bounded
    the body's size already, and refused a body without a type.

    Raises `UnsupportedMediaTypeError` (415 ``unsupported_media_type``, the service's page for
    it) for a body of another type, e.g. JSON, which the edge lets through under a page prefix:
    it had been refused as an expired form, 403 ``csrf_failed`` (the fifth trial).

    Raises `TooLargeError` (413 ``payload_too_large``: a browser gets the service's "too
    large" page in its language, `hub_runtime.edge_pages`) for more than ``max_fields``
    fields, before any field is read: the form is refused as a whole, and truthfully (it had
    been refused as an expired form, 403 ``csrf_failed``, the fourth trial).

    Raises `BadRequestError` (400 ``duplicate_field``, the service's page for it) when a name
    other than those in ``repeatable`` (a form's checkboxes) comes more than once: no page's
    form sends that, and a reader taking the first value would let ``csrf=<valid>&csrf=x`` or
    ``username=a&username=b`` through (fifth trial). Neither the name nor a value is quoted."""
    content_type = request.headers.get("content-type")
    if content_type is None:
        return {}
    if not is_form_media_type(content_type):
        raise UnsupportedMediaTypeError(FORM_ONLY)
    body = (await request.body()).decode("utf-8", errors="replace")
    try:
        fields = parse_qs(body, keep_blank_values=True, max_num_fields=max_fields)
    except ValueError:  # `urllib.parse.parse_qs` past its limit (never a 500)
        raise TooLargeError(
            f"a form has at most {max_fields} fields", code="payload_too_large"
        ) from None
    if any(len(v) > 1 and name not in repeatable for name, v in fields.items()):
        raise BadRequestError("a form sends each of its fields once", code="duplicate_field")
    return fields


def new_secret() -> str:
    """A fresh random value for a session cookie or a CSRF token: `SECRET_BYTES` random bytes,
    URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def same_token(expected: str | None, given: str | None) -> bool:
    """Whether ``given`` is the token ``expected``, compared in constant time; False when either
    is missing or empty (a missing token never matches a missing cookie)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def page_headers(style_src: str) -> dict[str, str]:
    """The headers of every staff page: never stored by a browser or a proxy (they show what
    only staff may see; RFC 9111 5.2.2.5), a Content-Security-Policy that allows no script at
    all, stylesheets from ``style_src`` only (a CSP source list, e.g. ``'self'``), no framing
    and forms posted only to the same origin, no MIME sniffing, and no ``Referer`` (an address
    may hold a one-time code)."""
    return {
        "cache-control": "no-store",
        "content-security-policy": (
            f"default-src 'none'; style-src {style_src}; img-src 'self'; form-action 'self';"
            " frame-ancestors 'none'; base-uri 'none'"
        ),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
    }


@dataclass(frozen=True)
class PageCookies:
    """The cookies of the pages under ``path``: always ``HttpOnly`` (no script reads them),
    ``Secure`` when ``secure`` (everywhere but development, which is plain HTTP on loopback),
    ``SameSite=Strict`` unless said otherwise, no ``Max-Age`` unless given (the server ends a
    session on its own idle and absolute timeouts)."""

    path: str
    secure: bool

    def set(
        self,
        response: Response,
        name: str,
        value: str,
        *,
        max_age: int | None = None,
        samesite: Literal["strict", "lax"] = "strict",
    ) -> None:
        """Set cookie ``name`` on ``response`` (``max_age`` in seconds; None: for the browser
        session). ``samesite="lax"`` only for a cookie that must come back on a top-level
        redirect from another site (an OpenID Connect provider's answer)."""
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=self.path,
            secure=self.secure,
            httponly=True,
            samesite=samesite,
        )

    def clear(self, response: Response, name: str) -> None:
        """Remove cookie ``name`` (same path and attributes, expired)."""
        response.delete_cookie(
            name, path=self.path, secure=self.secure, httponly=True, samesite="strict"
        )
