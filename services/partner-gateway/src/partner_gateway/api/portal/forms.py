"""The portal's forms (POST): sign-in, activation, sign-out, reports and acknowledgements.

Each checks the CSRF token first (403 page otherwise). Reports and acknowledgements are the
partner API's own messages, validated by the API's own bodies (`api.models`) and dispatched
under the Idempotency-Key the form carries (scope ``partner:<id>``, as the API's), so a form
sent twice (a double click, a resend after a timeout) is one report.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from hub_contracts.codes import PG_BIGINT_MAX, BoundedInt
from hub_runtime import idempotency
from hub_runtime.bus import IdempotencyKey, Message
from hub_runtime.errors import DomainError, UnauthenticatedError
from hub_runtime.http import status_of
from hub_runtime.path_ids import PathId
from hub_runtime.staff_pages import form_fields
from pydantic import BaseModel, TypeAdapter, ValidationError

from partner_gateway import messages as m
from partner_gateway.api.models import MonitoringReport, StatusReport
from partner_gateway.api.portal.errors import error_page, message_page
from partner_gateway.api.portal.render import Portal, redirect, shown_email
from partner_gateway.api.portal.security import PENDING_COOKIE, PENDING_SECONDS, SESSION_COOKIE
from partner_gateway.api.portal.session import current_staff
from partner_gateway.messages import StaffSession
from partner_gateway.repository.rate_limits import RateLimits
from partner_gateway.routes import GatewayBus

_FORM = "application/x-www-form-urlencoded"
_PLAIN = re.compile(r"[^\x00-\x1f\x7f]{1,254}")
Form = dict[str, list[str]]
Build = Callable[[Form, StaffSession], tuple[Message[Any], Any, str]]
"""From the form and who sends it: the message, the body to fingerprint, the ``done`` code."""


_FORM_NUMBER: TypeAdapter[int] = TypeAdapter(Annotated[int, BoundedInt(0, PG_BIGINT_MAX)])
"""A whole number typed into a form field (text: ASCII digits only, `BoundedInt`); the API's
body, which takes a JSON number only, then checks its range."""

_CHECKBOXES = frozenset({"outcomes"})
"""The monitoring form's one repeated field: an outcome checkbox each (referral.html)."""


async def read_form(request: Request, repeatable: frozenset[str] = frozenset()) -> Form:
    """The urlencoded fields of the body (`hub_runtime.staff_pages.form_fields`): empty
    without a Content-Type (then the CSRF check refuses the form), 415
    ``unsupported_media_type`` for another type (JSON); more fields than a form has is 413
    ``payload_too_large`` (`TooLargeError`, the portal's "too large" page), a field sent twice
    that is not in ``repeatable`` (a form's checkboxes) is 400 ``duplicate_field``."""
    return await form_fields(request, repeatable=repeatable)


def one(form: Form, name: str) -> str:
    """A field's first value ('' when absent)."""
    return form.get(name, [""])[0]


def client_of(request: Request) -> str:
    """The client's address (a key of the sign-in limiter)."""
    return request.client.host if request.client else "unknown"


async def limited(limiter: RateLimits, keys: list[str]) -> float:
    """Charge every limit of ``keys`` (shared by the gateway's instances); the longest wait in
    seconds (0: allowed)."""
    return max([await limiter.acquire(key) for key in keys])


def too_many(portal: Portal, request: Request, wait: float) -> Response:
    """The 429 page with ``Retry-After``."""
    response = message_page(portal, request, "too_many_attempts", 429, None)
    response.headers["retry-after"] = str(max(1, round(wait)))
    return response


def add(routes: APIRouter, bus: GatewayBus, portal: Portal, limiter: RateLimits) -> None:
    """Add the forms to ``routes``; ``limiter`` slows sign-in per address and per client."""

    def refused(
        request: Request, code: str, status: int, staff: StaffSession | None = None
    ) -> Response:
        return message_page(portal, request, code, status, staff)

    @routes.post("/sign-in")
    async def sign_in(request: Request) -> Response:
        form = await read_form(request)
        if not portal.csrf.valid(request, one(form, "csrf")):
            return refused(request, "csrf_failed", 403)
        typed = one(form, "email").strip().lower()
        email = typed[:254]
        # Both limits are charged: one guesser on many addresses, many on one address.
        # The address is hashed before the limiter sees it (it is a person's).
        hashed = hashlib.sha256(email.encode()).hexdigest()[:32]
        wait = await limited(limiter, [f"email:{hashed}", f"ip:{client_of(request)}"])
        if wait > 0:
            return too_many(portal, request, wait)
        try:
            if not _PLAIN.fullmatch(email):  # a NUL or a control character never reaches SQL
                raise UnauthenticatedError("not an address", code="bad_sign_in")
            signed = await bus.dispatch(m.SignIn(email, one(form, "password")[:256]))
        except DomainError as failed:
            page = portal.page(
                request,
                "sign_in.html",
                status=401 if failed.code == "bad_sign_in" else 403,
                error_code=failed.code,
                email=shown_email(typed),
                state={},
            )
            return page
        if signed.second_factor_due:  # the code next, under a cookie that is no session yet
            response = redirect("/portal/sign-in/code")
            portal.cookies.set(response, PENDING_COOKIE, signed.token, max_age=PENDING_SECONDS)
            return response
        response = redirect("/portal/")
        portal.cookies.set(response, SESSION_COOKIE, signed.token, max_age=None)
        return response

    @routes.post("/sign-out")
    async def sign_out(request: Request) -> Response:
        form = await read_form(request)
        if not portal.csrf.valid(request, one(form, "csrf")):
            return refused(request, "csrf_failed", 403)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await bus.dispatch(m.SignOut(token))
        response = redirect("/portal/sign-in?signed_out=1")
        portal.cookies.clear(response, SESSION_COOKIE)
        return response

    @routes.post("/activate")
    async def activate(request: Request) -> Response:
        form = await read_form(request)
        if not portal.csrf.valid(request, one(form, "csrf")):
            return refused(request, "csrf_failed", 403)
        code, password = one(form, "code").strip()[:64], one(form, "password")[:256]
        problem = None if password == one(form, "confirm") else "passwords_differ"
        status = 422
        if problem is None:
            try:
                await bus.dispatch(m.ActivateStaff(code, password))
            except DomainError as failed:
                # The hub's one mapping: 422 weak password, 401 a used or unknown code, 403
                # an origin-country authority's account.
                problem, status = failed.code, status_of(failed)
        if problem is not None:
            return portal.code_form(
                request, "activate.html", code, status=status, error_code=problem
            )
        return redirect("/portal/sign-in?activated=1")

    async def report(
        request: Request, route: str, build: Build, repeatable: frozenset[str] = frozenset()
    ) -> Response:
        """Check the session and CSRF, validate with ``build(form, staff)`` -> (message, body),
        dispatch once under the form's key; back to the referrals with ``done``. Only the
        fields in ``repeatable`` (checkboxes) may come more than once."""
        staff = await current_staff(bus, portal, request)
        if staff is None:
            return redirect("/portal/sign-in?ended=1")
        form = await read_form(request, repeatable)
        if not portal.csrf.valid(request, one(form, "csrf")):
            return refused(request, "csrf_failed", 403, staff)
        try:
            key = idempotency.checked_key(one(form, "idem"))
            message, body, done = build(form, staff)
        except (DomainError, ValidationError, ValueError):
            return refused(request, "form_invalid", 422, staff)
        scoped = IdempotencyKey(
            f"partner:{staff.partner_id}", key, idempotency.fingerprint(route, body)
        )
        try:
            await bus.dispatch_idempotent(message, scoped)
        except DomainError as failed:
            return error_page(portal, request, failed, staff)
        return redirect(f"/portal/?done={done}")

    def _dump(body: BaseModel) -> dict[str, Any]:
        return body.model_dump(mode="json")

    @routes.post("/referrals/{referral_id}/status")
    async def status(referral_id: PathId, request: Request) -> Response:
        def build(form: Form, staff: StaffSession) -> tuple[Message[Any], Any, str]:
            body = StatusReport.model_validate(
                {"status": one(form, "status"), "reason_code": one(form, "reason_code") or None}
            )
            message = m.ReportStatus(staff.partner_id, referral_id, body.status, body.reason_code)
            return message, _dump(body), "status"

        return await report(request, f"status:{referral_id}", build)

    @routes.post("/referrals/{referral_id}/monitoring")
    async def monitoring(referral_id: PathId, request: Request) -> Response:
        def build(form: Form, staff: StaffSession) -> tuple[Message[Any], Any, str]:
            body = MonitoringReport.model_validate(
                {
                    "months_after_return": _FORM_NUMBER.validate_python(
                        one(form, "months_after_return")
                    ),
                    "outcomes": form.get("outcomes", []),
                }
            )
            message = m.ReportMonitoring(
                staff.partner_id, referral_id, body.months_after_return, tuple(body.outcomes)
            )
            return message, _dump(body), "monitoring"

        return await report(request, f"monitoring:{referral_id}", build, _CHECKBOXES)

    @routes.post("/notices/{notice_id}/ack")
    async def ack(notice_id: PathId, request: Request) -> Response:
        def build(form: Form, staff: StaffSession) -> tuple[Message[Any], Any, str]:
            return m.AcknowledgeNotice(staff.partner_id, notice_id), None, "ack"

        return await report(request, f"ack:{notice_id}", build)
