"""HTTP routes of consents: record, read, withdraw."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response
from hub_runtime.errors import NotFoundError
from hub_runtime.openapi_errors import errors
from hub_runtime.path_ids import PathId

from referral import views
from referral.api.edge import Edge, KeyHeader, created_id, staff_key
from referral.api.models import ConsentOut
from referral.bodies import GrantConsent
from referral.handlers.consents import view_lets_consent_through
from referral.messages import RecordConsent, WithdrawConsent
from referral.permissions import Staff
from referral.view_catch_up import Settled


def consents_router(edge: Edge) -> APIRouter:
    """``/cases/{case_id}/consents``, ``/consents/{consent_id}`` (counsellors, coordinators)."""
    router = APIRouter(tags=["consents"])

    async def read(consent_id: UUID) -> ConsentOut:
        async with edge.reads() as uow:
            record = await views.consent(uow, edge.vault, consent_id)
        if record is None:
            raise NotFoundError("the consent")
        return ConsentOut.of(record)

    @router.post(
        "/cases/{case_id}/consents",
        status_code=201,
        summary="Record the person's consent",
        responses=errors(403, 409, 410),
    )
    async def grant(
        case_id: PathId, body: GrantConsent, who: Staff, response: Response, key: KeyHeader = None
    ) -> ConsentOut:
        # A case not in the view yet is first caught up with the case file: a tool that has
        # just opened the case there is not told case_not_known_yet.
        settled = await edge.view.settle(edge.reads, case_id, view_lets_consent_through)
        if settled is Settled.NO_SUCH_CASE:
            raise NotFoundError("the case", code="case_not_found")
        answer, replayed = await edge.bus.dispatch_idempotent(
            RecordConsent(case_id, body),
            staff_key(who, key, f"POST /cases/{case_id}/consents", body),
        )
        return await read(created_id(answer, replayed, response))

    @router.get("/cases/{case_id}/consents", summary="Every consent of the case")
    async def of_case(case_id: PathId, who: Staff) -> list[ConsentOut]:
        async with edge.reads() as uow:
            return [ConsentOut.of(r) for r in await views.consents(uow, edge.vault, case_id)]

    @router.get("/consents/{consent_id}", summary="One consent with its evidence")
    async def one(consent_id: PathId, who: Staff) -> ConsentOut:
        return await read(consent_id)

    @router.post(
        "/consents/{consent_id}/withdraw",
        summary="Withdraw a consent: every open referral under it is withdrawn",
        responses=errors(409),
    )
    async def withdraw(consent_id: PathId, who: Staff) -> ConsentOut:
        await edge.bus.dispatch(WithdrawConsent(consent_id, who.sub))
        return await read(consent_id)

    return router
