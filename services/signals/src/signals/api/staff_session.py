"""The dashboard's session at the HTTP edge: cookies, CSRF checks, the page's language, and the
one mapping of the sign-in refusals to page statuses.

Cookies (OWASP Session Management Cheat Sheet): ``HttpOnly`` (no script reads them),
``SameSite=Strict`` (never sent on a request another site starts), ``Secure`` outside
development (`HubSettings.development`), ``Path=/dashboard``, no ``Max-Age`` (the server ends
a session on its idle and absolute timeouts). Forms that change state carry a CSRF token:
sign-in uses a double-submit cookie (no session exists yet), sign-out the session's own token
(the synchronizer token pattern). The cookies' attributes, secrets, token comparison and page
headers are the runtime's (`hub_runtime.staff_pages`), shared with the partner portal.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Request, Response
from hub_runtime.errors import DomainError
from hub_runtime.http import status_of
from hub_runtime.staff_pages import PageCookies, form_fields, page_headers

from signals.api.common import SignalsBus
from signals.domain.accounts import CurrentSession
from signals.errors import TooManySignInsError
from signals.i18n import LANGUAGES, negotiate
from signals.messages import OpenSession

SESSION_COOKIE = "signals_session"
SIGN_IN_CSRF_COOKIE = "signals_sign_in_csrf"
LANGUAGE_COOKIE = "signals_lang"
COOKIE_PATH = "/dashboard"

# No script at all; the pages' styles are inline (`signals.views_dashboard`).
PAGE_HEADERS = page_headers("'unsafe-inline'")


def page_status(error: DomainError) -> int:
    """The HTTP status of a refusal shown as a page: 429 for the sign-in rate limit (RFC 6585
    section 4; the runtime's refusal kinds have no 429), else the runtime's one mapping."""
    return 429 if isinstance(error, TooManySignInsError) else status_of(error)


def cookies_of(request: Request) -> PageCookies:
    """The dashboard's cookies: ``Secure`` unless the hub runs in development (plain HTTP on
    loopback)."""
    return PageCookies(COOKIE_PATH, secure=bool(request.app.state.staff_cookies_secure))


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    samesite: Literal["strict", "lax"] = "strict",
    max_age: int | None = None,
) -> None:
    """Set one of the dashboard's cookies with the attributes above (``samesite="lax"`` only
    for the provider sign-in's flow cookie, which must come back on the provider's redirect)."""
    cookies_of(request).set(response, name, value, max_age=max_age, samesite=samesite)


def clear_cookie(request: Request, response: Response, name: str) -> None:
    """Remove one of the dashboard's cookies."""
    cookies_of(request).clear(response, name)


def language_of(request: Request) -> str:
    """The page's language: ``?lang=``, else the language cookie, else ``Accept-Language``."""
    choice = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return negotiate(choice, request.headers.get("accept-language"))


def remember_language(request: Request, response: Response) -> None:
    """Keep a ``?lang=`` choice (nl or en) in a cookie for the next pages."""
    choice = request.query_params.get("lang")
    if choice in LANGUAGES:
        set_cookie(request, response, LANGUAGE_COOKIE, str(choice))


async def session_of(request: Request, bus: SignalsBus) -> CurrentSession | None:
    """The signed-in staff member of the request, or None (no cookie, or the session ended)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = await bus.dispatch(OpenSession(token))
    return found if isinstance(found, CurrentSession) else None


async def form_of(request: Request) -> dict[str, str]:
    """A form's fields (`hub_runtime.staff_pages.form_fields`), the first value of each name:
    empty without a Content-Type (then the CSRF check refuses the form), 415
    ``unsupported_media_type`` for another type (JSON); more fields than a form
    has is 413 ``payload_too_large`` (`TooLargeError`, the dashboard's "too large" page), a
    field sent twice is 400 ``duplicate_field`` (no dashboard form repeats a field)."""
    return {name: values[0] for name, values in (await form_fields(request)).items()}
