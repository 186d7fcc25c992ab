"""The portal's GET pages: sign-in, activation, the referrals, one referral, language."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from hub_runtime.edge_head import discloses_personal_data
from hub_runtime.errors import DomainError
from hub_runtime.path_ids import PathId

from partner_gateway.api.portal import i18n
from partner_gateway.api.portal.errors import error_page
from partner_gateway.api.portal.render import Portal, redirect, safe_next
from partner_gateway.api.portal.security import SESSION_COOKIE
from partner_gateway.api.portal.session import current_staff
from partner_gateway.disclosure import disclose
from partner_gateway.messages import ReadPortalOverview
from partner_gateway.routes import GatewayBus

STYLESHEET = Path(__file__).parent / "static" / "portal.css"
_ENDED = "/portal/sign-in?ended=1"


def add(routes: APIRouter, bus: GatewayBus, portal: Portal) -> None:
    """Add the GET pages to ``routes``."""

    @routes.get("")
    async def root() -> RedirectResponse:
        return redirect("/portal/")

    @routes.get("/static/portal.css")
    async def stylesheet() -> FileResponse:
        # The one shared file: cached a day (no personal data in it).
        return FileResponse(
            STYLESHEET, media_type="text/css", headers={"cache-control": "public, max-age=86400"}
        )

    @routes.get("/language/{language}")
    async def language(language: str, request: Request) -> Response:
        response = redirect(safe_next(request.query_params.get("next")))
        if language in i18n.LANGUAGES:
            portal.cookies.set(response, i18n.COOKIE, language, max_age=365 * 24 * 3600)
        return response

    @routes.get("/sign-in")
    async def sign_in_page(request: Request) -> HTMLResponse:
        ended = request.query_params.get("ended") == "1"
        clears = ended and SESSION_COOKIE in request.cookies  # the server ended it already
        response = portal.page(
            request, "sign_in.html", ended=ended, state=request.query_params, clears_session=clears
        )
        if clears:
            portal.cookies.clear(response, SESSION_COOKIE)
        return response

    @routes.get("/activate")
    async def activate_page(request: Request) -> HTMLResponse:
        return portal.code_form(request, "activate.html", request.query_params.get("code", ""))

    @routes.get("/")
    async def overview(request: Request) -> Response:
        staff = await current_staff(bus, portal, request)
        if staff is None:
            return redirect(_ENDED if request.cookies.get(SESSION_COOKIE) else "/portal/sign-in")
        found = await bus.dispatch(ReadPortalOverview(staff.partner_id))
        return portal.page(
            request,
            "referrals.html",
            staff=staff,
            referrals=found.referrals,
            notices=found.notices,
            done=request.query_params.get("done"),
        )

    @routes.get("/referrals/{referral_id}")
    @discloses_personal_data  # HEAD: 405, never a logged disclosure without a page
    async def referral(referral_id: PathId, request: Request) -> Response:
        staff = await current_staff(bus, portal, request)
        if staff is None:
            return redirect(_ENDED)
        try:
            # The API's disclosure, re-checked and logged with the staff member's id.
            data = await disclose(bus, staff.partner_id, referral_id, staff.staff_id)
        except DomainError as refused:
            return error_page(portal, request, refused, staff)
        return portal.page(
            request,
            "referral.html",
            staff=staff,
            referral=data,
        )
