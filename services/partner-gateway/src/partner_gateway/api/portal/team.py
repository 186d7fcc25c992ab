"""The lead's pages: the partner's own staff, invitations, revocations, reset links and the
removal of a lost second factor.

Only a lead sees them (403 page otherwise), and the handlers check again that the account is
of the lead's partner (404 page for another partner's, the same as an unknown id). A link
(invitation or password reset) is shown once, on the answer to the form that issued it, with
``no-store``: the gateway keeps only its hash.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from hub_runtime.errors import DomainError
from pydantic import ValidationError

from partner_gateway import messages as m
from partner_gateway.api.models import StaffInvitation
from partner_gateway.api.portal.errors import error_page, message_page
from partner_gateway.api.portal.forms import one, read_form
from partner_gateway.api.portal.render import Portal, redirect, shown_email
from partner_gateway.api.portal.session import current_staff
from partner_gateway.messages import StaffSession
from partner_gateway.routes import GatewayBus
from partner_gateway.staff_messages import IssuePasswordReset, ResetSecondFactor

_DONE = frozenset({"revoked", "factor_reset"})


def _actor(staff: StaffSession) -> m.Actor:
    return m.Actor("lead", staff.staff_id)


def _link(request: Request, path: str, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}{path}?code={code}"


def add(routes: APIRouter, bus: GatewayBus, portal: Portal) -> None:
    """Add the lead's pages to ``routes``."""

    async def lead_of(request: Request) -> StaffSession | Response:
        """The signed-in lead, or the answer to give instead (sign-in, or 403 page)."""
        staff = await current_staff(bus, portal, request)
        if staff is None:
            return redirect("/portal/sign-in?ended=1")
        if not staff.lead:
            return message_page(portal, request, "lead_only", 403, staff)
        return staff

    async def team_page(
        request: Request,
        staff: StaffSession,
        status: int = 200,
        *,
        email: str = "",
        error_code: str | None = None,
    ) -> Response:
        """The team page; on a refused invitation its form's ``email`` as typed, shown again
        only when it is a valid address (`render.shown_email`), and the refusal's code."""
        members = await bus.dispatch(m.ListStaff(staff.partner_id))
        done = request.query_params.get("done")
        return portal.page(
            request,
            "team.html",
            staff=staff,
            status=status,
            members=members,
            done=done if done in _DONE else None,
            email=shown_email(email),
            error_code=error_code,
        )

    @routes.get("/team")
    async def team(request: Request) -> Response:
        lead = await lead_of(request)
        if isinstance(lead, Response):
            return lead
        return await team_page(request, lead)

    async def checked(request: Request) -> tuple[StaffSession, dict[str, list[str]]] | Response:
        lead = await lead_of(request)
        if isinstance(lead, Response):
            return lead
        form = await read_form(request)
        if not portal.csrf.valid(request, one(form, "csrf")):
            return message_page(portal, request, "csrf_failed", 403, lead)
        return lead, form

    @routes.post("/team/invite")
    async def invite(request: Request) -> Response:
        got = await checked(request)
        if isinstance(got, Response):
            return got
        lead, form = got
        email = one(form, "email").strip()
        try:
            valid = StaffInvitation.model_validate({"email": email})
            invited = await bus.dispatch(
                m.InviteStaff(lead.partner_id, valid.email, by=_actor(lead))
            )
        except ValidationError:
            return await team_page(request, lead, 422, error_code="email_invalid", email=email)
        except DomainError as failed:
            if failed.code == "staff_exists":
                return await team_page(request, lead, 409, error_code=failed.code, email=email)
            return error_page(portal, request, failed, lead)
        return portal.page(
            request,
            "shown_link.html",
            staff=lead,
            kind="invitation",
            email=valid.email.lower(),
            link=_link(request, "/portal/activate", invited.code),
            expires_at=invited.expires_at,
        )

    async def act(request: Request, staff_id: str, action: str) -> Response:
        got = await checked(request)
        if isinstance(got, Response):
            return got
        lead, _ = got
        try:
            target = UUID(staff_id)
        except ValueError:
            return message_page(portal, request, "staff_not_found", 404, lead)
        try:
            if action == "revoke":
                await bus.dispatch(m.RevokeStaff(target, by=_actor(lead)))
                return redirect("/portal/team?done=revoked")
            if action == "factor":
                await bus.dispatch(ResetSecondFactor(target, by=_actor(lead)))
                return redirect("/portal/team?done=factor_reset")
            issued = await bus.dispatch(IssuePasswordReset(target, by=_actor(lead)))
        except DomainError as failed:
            return error_page(portal, request, failed, lead)
        members = await bus.dispatch(m.ListStaff(lead.partner_id))
        email = next(str(x["email"]) for x in members if x["staff_id"] == issued.staff_id)
        return portal.page(
            request,
            "shown_link.html",
            staff=lead,
            kind="reset",
            email=email,
            link=_link(request, "/portal/reset", issued.code),
            expires_at=issued.expires_at,
        )

    @routes.post("/team/{staff_id}/revoke")
    async def revoke(staff_id: str, request: Request) -> Response:
        return await act(request, staff_id, "revoke")

    @routes.post("/team/{staff_id}/reset")
    async def reset(staff_id: str, request: Request) -> Response:
        return await act(request, staff_id, "reset")

    @routes.post("/team/{staff_id}/factor")
    async def factor(staff_id: str, request: Request) -> Response:
        return await act(request, staff_id, "factor")
