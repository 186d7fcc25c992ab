"""The portal's own-account pages: the second factor's code at sign-in, enrolling a second
factor (TOTP), and setting a new password with a reset link.

The code step is rate-limited like the password step (the same limiter: per waiting sign-in
and per client address) and runs under its own short-lived cookie (`security.PENDING_COOKIE`),
which is not a session: the session cookie is issued only after the right code, as a new
value (no fixation).
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from fastapi.responses import Response
from hub_runtime.errors import DomainError
from hub_runtime.http import status_of

from partner_gateway.api.portal.errors import error_page, message_page
from partner_gateway.api.portal.forms import client_of, limited, one, read_form, too_many
from partner_gateway.api.portal.render import Portal, redirect
from partner_gateway.api.portal.security import PENDING_COOKIE, PENDING_SECONDS, SESSION_COOKIE
from partner_gateway.api.portal.session import current_staff
from partner_gateway.repository.rate_limits import RateLimits
from partner_gateway.routes import GatewayBus
from partner_gateway.staff_messages import (
    ConfirmEnrolment,
    ResetPassword,
    StartEnrolment,
    VerifySecondFactor,
)

_CODE_STATUS = {"bad_code": 401, "session_expired": 401, "enrolment_missing": 409}


def _code(form: dict[str, list[str]]) -> str:
    """The six digits as typed (spaces and dashes dropped; anything longer is cut)."""
    return one(form, "code").replace(" ", "").replace("-", "")[:12]


def add(routes: APIRouter, bus: GatewayBus, portal: Portal, limiter: RateLimits) -> None:
    """Add the code step, enrolment and the reset pages to ``routes``."""

    @routes.get("/sign-in/code")
    async def code_page(request: Request) -> Response:
        if not request.cookies.get(PENDING_COOKIE):
            return redirect("/portal/sign-in")
        return portal.page(request, "code.html")

    @routes.post("/sign-in/code")
    async def code(request: Request) -> Response:
        form = await read_form(request)
        if not portal.csrf.valid(request, one(form, "csrf")):
            return message_page(portal, request, "csrf_failed", 403, None)
        pending = request.cookies.get(PENDING_COOKIE, "")[:128]
        if not pending:
            return redirect("/portal/sign-in?ended=1")
        hashed = hashlib.sha256(pending.encode()).hexdigest()[:32]
        wait = await limited(limiter, [f"code:{hashed}", f"ip:{client_of(request)}"])
        if wait > 0:
            return too_many(portal, request, wait)
        try:
            token = await bus.dispatch(VerifySecondFactor(pending, _code(form), PENDING_SECONDS))
        except DomainError as failed:
            if failed.code == "session_expired":
                response = redirect("/portal/sign-in?ended=1")
                portal.cookies.clear(response, PENDING_COOKIE)
                return response
            status = _CODE_STATUS.get(failed.code, 403)
            return portal.page(request, "code.html", status=status, error_code=failed.code)
        response = redirect("/portal/")
        portal.cookies.clear(response, PENDING_COOKIE)
        portal.cookies.set(response, SESSION_COOKIE, token, max_age=None)
        return response

    @routes.get("/factor")
    async def factor_page(request: Request) -> Response:
        staff = await current_staff(bus, portal, request)
        if staff is None:
            return redirect("/portal/sign-in?ended=1")
        fresh = request.query_params.get("new") == "1"
        enrolment = await bus.dispatch(StartEnrolment(staff.staff_id, fresh))
        done = request.query_params.get("done") == "1"
        return portal.page(request, "factor.html", staff=staff, enrolment=enrolment, done=done)

    @routes.post("/factor")
    async def factor(request: Request) -> Response:
        staff = await current_staff(bus, portal, request)
        if staff is None:
            return redirect("/portal/sign-in?ended=1")
        form = await read_form(request)
        if not portal.csrf.valid(request, one(form, "csrf")):
            return message_page(portal, request, "csrf_failed", 403, staff)
        wait = await limited(limiter, [f"enrol:{staff.staff_id}"])  # signed in: per account
        if wait > 0:
            return too_many(portal, request, wait)
        try:
            await bus.dispatch(ConfirmEnrolment(staff.staff_id, _code(form)))
        except DomainError as failed:
            if failed.code != "bad_code":
                return error_page(portal, request, failed, staff)
            # A wrong first code: the same secret shown again (the one in the app already).
            enrolment = await bus.dispatch(StartEnrolment(staff.staff_id))
            return portal.page(
                request,
                "factor.html",
                staff=staff,
                status=422,
                error_code="bad_code",
                enrolment=enrolment,
            )
        return redirect("/portal/factor?done=1")

    @routes.get("/reset")
    async def reset_page(request: Request) -> Response:
        return portal.code_form(request, "reset.html", request.query_params.get("code", ""))

    @routes.post("/reset")
    async def reset(request: Request) -> Response:
        form = await read_form(request)
        if not portal.csrf.valid(request, one(form, "csrf")):
            return message_page(portal, request, "csrf_failed", 403, None)
        code, password = one(form, "code").strip()[:64], one(form, "password")[:256]
        problem = None if password == one(form, "confirm") else "passwords_differ"
        status = 422
        if problem is None:
            try:
                await bus.dispatch(ResetPassword(code, password))
            except DomainError as failed:
                # The hub's one mapping: 422 weak password, 401 a used or unknown code, 403
                # an origin-country authority's account.
                problem, status = failed.code, status_of(failed)
        if problem is not None:
            return portal.code_form(request, "reset.html", code, status=status, error_code=problem)
        response = redirect("/portal/sign-in?reset=1")
        portal.cookies.clear(response, SESSION_COOKIE)
        return response
