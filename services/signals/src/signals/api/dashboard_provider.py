"""The dashboard's sign-in through the council's OpenID Connect provider (when
``SIGNALS_OIDC_CLIENT_ID`` is set; `hub_runtime.oidc_login` does the protocol).

1. ``GET /dashboard/sign-in/provider``: a fresh ``state``, ``nonce`` and PKCE verifier are
   stored under the hash of a new flow cookie (``SameSite=Lax``: it must come back on the
   provider's top-level redirect; ``HttpOnly``; ten minutes), and the browser goes to the
   provider's sign-in page in the dashboard's language.
2. ``GET /dashboard/sign-in/callback?code&state``: the attempt of the flow cookie is taken
   (once), its ``state`` compared, the code exchanged with its verifier, the ID token verified
   (`hub_runtime.oidc.OidcVerifier`: signature by the provider's keys, issuer, audience, expiry;
   then nonce and ``azp``), the role mapped from ``HUB_OIDC_ROLES_CLAIM`` through
   ``HUB_OIDC_ROLE_MAP`` to advocacy or admin. Then the dashboard's own session cookie; the
   browser keeps no provider token.

Refusals are pages: 400 when the attempt is unknown, expired or its state differs; 401 when
the provider refuses the code or the ID token fails a check; 403 when the account has no
dashboard role; 503 when the provider cannot be reached.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from hub_runtime.oidc import ProviderUnavailableError, claim_at, mapped_roles
from hub_runtime.oidc_login import LoginRefusedError, LoginStart, OidcLogin
from hub_runtime.staff_pages import new_secret

from signals.api.common import Bus
from signals.api.staff_session import (
    PAGE_HEADERS,
    SESSION_COOKIE,
    clear_cookie,
    language_of,
    remember_language,
    set_cookie,
)
from signals.domain.accounts import NewSession, dashboard_role
from signals.handlers.provider_sign_in import PROVIDER_SIGN_IN_MINUTES
from signals.i18n import translations
from signals.messages import OpenProviderSession, StartProviderSignIn, TakeProviderSignIn
from signals.views_dashboard import layout
from signals.views_sign_in import SIGNED_IN_HEAD, refused_page, signed_in_page

router = APIRouter(prefix="/dashboard/sign-in", tags=["dashboard"], include_in_schema=False)
FLOW_COOKIE = "signals_sign_in_flow"
log = logging.getLogger(__name__)


def provider_of(request: Request) -> OidcLogin | None:
    """The dashboard's client of the provider, or None when local accounts are in use."""
    login: OidcLogin | None = request.app.state.provider_login
    return login


def _page(request: Request, sentence: str, status: int) -> Response:
    language = language_of(request)
    _ = translations(language).gettext
    page = layout(_("Sign in to the signals dashboard"), refused_page(_, sentence), language, _)
    response = HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)
    remember_language(request, response)
    return response


def _unavailable(request: Request) -> Response:
    _ = translations(language_of(request)).gettext
    return _page(request, _("The council's sign-in cannot be reached now. Try again later."), 503)


@router.get("/provider")
async def start_provider_sign_in(request: Request, bus: Bus) -> Response:
    """Send the browser to the provider's sign-in page (303), keeping this attempt's secrets
    on the server under a new flow cookie. 303 to the sign-in page when no provider is set."""
    login = provider_of(request)
    if login is None:
        return RedirectResponse("/dashboard/sign-in", status_code=303, headers=PAGE_HEADERS)
    start, flow_token = LoginStart.new(), new_secret()
    try:
        url = await login.authorization_url(start, ui_locales=language_of(request))
    except ProviderUnavailableError:
        return _unavailable(request)
    await bus.dispatch(
        StartProviderSignIn(flow_token, start.state, start.nonce, start.code_verifier)
    )
    response = RedirectResponse(url, status_code=303, headers=PAGE_HEADERS)
    set_cookie(
        request,
        response,
        FLOW_COOKIE,
        flow_token,
        samesite="lax",
        max_age=PROVIDER_SIGN_IN_MINUTES * 60,
    )
    return response


@router.get("/callback")
async def provider_callback(
    request: Request, bus: Bus, state: str = "", code: str = ""
) -> Response:
    """Where the provider sends the browser back: check the attempt, exchange the code, verify
    the ID token, map the role, open the dashboard session (see the module for the statuses).
    Any outcome ends the attempt: a state or a code serves once."""
    login = provider_of(request)
    _ = translations(language_of(request)).gettext
    if login is None:
        return RedirectResponse("/dashboard/sign-in", status_code=303, headers=PAGE_HEADERS)
    flow_token = request.cookies.get(FLOW_COOKIE, "")
    flow = await bus.dispatch(TakeProviderSignIn(flow_token)) if flow_token else None
    start = LoginStart(flow.state, flow.nonce, flow.code_verifier) if flow else None
    if start is None or not start.state_matches(state) or not code:
        # No attempt of this browser, an old one, another attempt's state, or the provider
        # answered with an error (the user cancelled): nothing is sent to the provider.
        log.info("provider sign-in refused: no matching attempt for this browser")
        response = _page(
            request, _("This sign-in did not start here or took too long. Please try again."), 400
        )
        clear_cookie(request, response, FLOW_COOKIE)
        return response
    try:
        claims = await login.signed_in_claims(code, start)
    except LoginRefusedError as exc:
        log.info("provider sign-in refused: %s", exc)
        response = _page(
            request, _("The council's sign-in was not accepted. Please try again."), 401
        )
        clear_cookie(request, response, FLOW_COOKIE)
        return response
    except ProviderUnavailableError:
        return _unavailable(request)
    role = _role(request, claims)
    if role is None:
        log.info("provider sign-in refused: the account has no dashboard role")
        text = _(
            "Your council account has no role for this dashboard (advocacy or admin)."
            " Ask the council's account administrator."
        )
        response = _page(request, text, 403)
        clear_cookie(request, response, FLOW_COOKIE)
        return response
    session = await bus.dispatch(OpenProviderSession(_name(request, claims), role))
    assert isinstance(session, NewSession)
    language = language_of(request)
    page = layout(_("Signals dashboard"), signed_in_page(_), language, _, head=SIGNED_IN_HEAD)
    response = HTMLResponse(page, headers=PAGE_HEADERS)
    set_cookie(request, response, SESSION_COOKIE, session.token)
    clear_cookie(request, response, FLOW_COOKIE)
    return response


def _role(request: Request, claims: dict[str, Any]) -> str | None:
    hub = request.app.state.hub_settings
    return dashboard_role(mapped_roles(claims, hub.oidc_roles_claim, hub.oidc_role_map))


def _name(request: Request, claims: dict[str, Any]) -> str:
    """The name the header shows: ``preferred_username`` (OpenID Connect Core 5.1), else the
    claim ``HUB_OIDC_SUBJECT_CLAIM`` names; at most 128 characters."""
    hub = request.app.state.hub_settings
    for value in (claims.get("preferred_username"), claim_at(claims, hub.oidc_subject_claim)):
        if isinstance(value, str) and value.strip():
            return value.strip()[:128]
    return str(claims["sub"])[:128]
