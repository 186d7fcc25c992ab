"""Rendering the portal's pages: the language, the templates (Jinja2, autoescaped), the CSRF
token and the headers every page carries.

Every page answers ``Cache-Control: no-store`` (they show a staff member's address or a
person's data, and a shared computer's cache must not keep them), a Content-Security-Policy
that allows the portal's own stylesheet and nothing else (no script at all), and
``Referrer-Policy: no-referrer`` (an invitation code may be in the address).
"""

from __future__ import annotations

import gettext
import re
import secrets as random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from hub_runtime.staff_pages import PageCookies, new_secret, page_headers
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from partner_gateway.api.models import StaffInvitation
from partner_gateway.api.portal import i18n, labels
from partner_gateway.api.portal.security import CSRF_COOKIE, PATH, SESSION_COOKIE, Csrf
from partner_gateway.domain.one_time_codes import is_code_shaped
from partner_gateway.messages import StaffSession

TEMPLATES = Path(__file__).parent / "templates"
HEADERS = page_headers("'self'")  # the portal's own stylesheet (static/portal.css)


def _environment(translations: gettext.NullTranslations) -> Environment:
    """Templates with ``_``/``gettext`` translating into one language, "new style" (Jinja's
    term): keyword arguments fill ``%(name)s`` after translation, and the result is escaped
    when it is output, like any other string."""

    def translate(message: str, **variables: Any) -> str:
        text = translations.gettext(message)
        return text % variables if variables else text

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(_=translate, gettext=translate)
    return env


START = "/portal/"
"""The portal's start page: the language links' ``next`` on every page that is not a GET page
that rendered."""


def _here(request: Request, status: int) -> str:
    """The language links' ``next``: a closed value, never the address as typed. The page's own
    path when it is a GET page that rendered (``status`` below 400: a route matched and its
    path parameters were valid and found, e.g. a canonical referral UUID the partner has),
    without any query string; `START` on an error page, a refusal and a page answering a POST
    (whose path is no GET page). The address as typed would echo typed input (a name in a 404's
    path, an e-mail in a query) into the page (fifth trial), and a query could carry a one-time
    secret (an invitation code, fourth trial). A note a query asked for (``?done=``) is not
    repeated after a language switch."""
    if request.method == "GET" and status < 400:
        return request.url.path
    return START


def shown_email(typed: str) -> str:
    """What a refused form's e-mail field is filled with again (sign-in, a lead's invitation):
    ``typed`` only when it is a valid e-mail address of at most 254 characters (the portal's
    one rule for an address, `api.models.StaffInvitation`); else empty. A name or any other
    text typed into the field is never echoed into the page (sixth trial)."""
    try:
        StaffInvitation.model_validate({"email": typed})
    except ValidationError:
        return ""
    return typed


RETURN_PAGES = re.compile(
    r"/portal/(?:activate|factor|reset|sign-in|sign-in/code|team"
    r"|referrals/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?"
)
"""The portal's pages a language link may return to (matched whole): its GET pages, a
referral by its canonical id; no query."""


def safe_next(target: str | None) -> str:
    """A page of the portal to go back to after a language change: ``target`` when it is one
    of `RETURN_PAGES`, else the start page. Never another site (no open redirect), never a
    path out of the portal (``/portal/../dashboard``), and nothing typed into the ``Location``
    header (a name in a path or a query; the sixth new user's trial)."""
    if target is not None and RETURN_PAGES.fullmatch(target):
        return target
    return "/portal/"


@dataclass
class Portal:
    """What every portal route needs: the bus's settings, cookies, CSRF and the languages."""

    cookies: PageCookies
    csrf: Csrf
    idle_seconds: int
    absolute_seconds: int
    environments: dict[str, Environment]

    @classmethod
    def build(cls, *, secure: bool, secret: str, idle: int, absolute: int) -> Portal:
        """The portal with every language's templates (catalogues compiled now)."""
        translations = i18n.load()
        return cls(
            cookies=PageCookies(PATH, secure=secure),
            csrf=Csrf.from_secret(secret),
            idle_seconds=idle,
            absolute_seconds=absolute,
            environments={lang: _environment(t) for lang, t in translations.items()},
        )

    def language(self, request: Request) -> str:
        """The request's language (cookie, then Accept-Language)."""
        return i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))

    def gettext(self, request: Request) -> Any:
        """The request's ``gettext`` (for messages built outside a template)."""
        return self.environments[self.language(request)].globals["gettext"]

    def code_form(
        self,
        request: Request,
        template: str,
        typed: str,
        *,
        status: int = 200,
        error_code: str | None = None,
    ) -> HTMLResponse:
        """The activation or the reset form (``template``: ``activate.html``, ``reset.html``),
        on every display of it: its code field is prefilled with ``typed`` (the link's
        ``?code=`` on a GET, the field as sent on a refused POST) only when it has the shape
        of a code the portal issues (`one_time_codes.is_code_shaped`); else it is empty. A
        name or an e-mail typed into the address (fifth trial) or into the field (sixth
        trial) is never echoed into the page."""
        code = typed if is_code_shaped(typed) else ""
        return self.page(request, template, status=status, code=code, error_code=error_code)

    def page(
        self,
        request: Request,
        template: str,
        *,
        staff: StaffSession | None = None,
        status: int = 200,
        clears_session: bool = False,
        **context: Any,
    ) -> HTMLResponse:
        """The page rendered in the request's language, with a CSRF token for this browser
        and the session cookie it sends (none when ``clears_session``: this answer removes
        it); a CSRF cookie is set when the browser has none."""
        language = self.language(request)
        session_cookie = None if clears_session else request.cookies.get(SESSION_COOKIE)
        csrf_cookie = request.cookies.get(CSRF_COOKIE) or new_secret()
        here = _here(request, status)
        html = (
            self.environments[language]
            .get_template(template)
            .render(
                lang=language,
                dir="rtl" if language in i18n.RIGHT_TO_LEFT else "ltr",
                languages=i18n.LANGUAGES,
                here=quote(here, safe=""),
                csrf=self.csrf.token(csrf_cookie, session_cookie),
                staff=staff,
                labels=labels,
                new_key=lambda: random.token_urlsafe(16),
                **context,
            )
        )
        response = HTMLResponse(html, status_code=status, headers=HEADERS)
        if request.cookies.get(CSRF_COOKIE) != csrf_cookie:
            self.cookies.set(response, CSRF_COOKIE, csrf_cookie, max_age=None)
        return response


def redirect(target: str) -> RedirectResponse:
    """303 See Other to ``target`` (after a POST: the browser GETs it), not cached."""
    return RedirectResponse(target, status_code=303, headers={"cache-control": "no-store"})
