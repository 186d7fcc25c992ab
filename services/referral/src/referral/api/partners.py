"""HTTP routes of the partner directory and its change audit (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from hub_contracts.codes import MAX_OFFSET, BoundedInt
from hub_runtime.errors import NotFoundError
from hub_runtime.openapi_errors import errors
from hub_runtime.path_ids import PathId

from referral.api.edge import Edge
from referral.api.models import PartnerChangeOut, PartnerOut
from referral.bodies import RegisterPartner, UpdatePartner
from referral.messages import AddPartner, ReplacePartner
from referral.permissions import Admin, Reader


def partners_router(edge: Edge) -> APIRouter:
    """``/partners`` (readers; changes: admins) and ``/admin/partner-changes`` (admins)."""
    router = APIRouter(tags=["partners"])

    @router.post(
        "/partners",
        status_code=201,
        summary="Add an organisation to the directory",
        responses=errors(409),
    )
    async def register(body: RegisterPartner, who: Admin) -> PartnerOut:
        partner = await edge.bus.dispatch(AddPartner(body, who.sub))
        return PartnerOut.of(partner, edge.clock.today())

    @router.put(
        "/partners/{partner_id}",
        summary="Replace an entry (renewal, removal); a change of type or standing needs a"
        " change_reason and is audited; an origin-country authority's type never changes",
        responses=errors(409),
    )
    async def update(partner_id: PathId, body: UpdatePartner, who: Admin) -> PartnerOut:
        partner = await edge.bus.dispatch(ReplacePartner(partner_id, body, who.sub))
        return PartnerOut.of(partner, edge.clock.today())

    @router.get("/partners", summary="The partner directory")
    async def list_all(who: Reader) -> list[PartnerOut]:
        async with edge.reads() as uow:
            partners = await uow.partners.list_all()
        return [PartnerOut.of(p, edge.clock.today()) for p in partners]

    @router.get("/partners/{partner_id}", summary="One organisation")
    async def one(partner_id: PathId, who: Reader) -> PartnerOut:
        async with edge.reads() as uow:
            partner = await uow.partners.get(partner_id)
        if partner is None:
            raise NotFoundError("the partner")
        return PartnerOut.of(partner, edge.clock.today())

    @router.get(
        "/partners/{partner_id}/changes",
        summary="Every change of the partner's type or standing: who, when, why (admin)",
    )
    async def changes_of(partner_id: PathId, who: Admin) -> list[PartnerChangeOut]:
        async with edge.reads() as uow:
            if await uow.partners.get(partner_id) is None:
                raise NotFoundError("the partner")
            rows = await uow.partner_changes.of_partner(partner_id)
        return [PartnerChangeOut.of(r) for r in rows]

    @router.get(
        "/admin/partner-changes",
        summary="Every partner's changes of type or standing, oldest first (admin)",
    )
    async def all_changes(
        who: Admin,
        after_id: Annotated[
            int, Query(description="Only changes after this id"), BoundedInt(0, MAX_OFFSET)
        ] = 0,
        limit: Annotated[int, Query(), BoundedInt(1, 1000)] = 100,
    ) -> list[PartnerChangeOut]:
        async with edge.reads() as uow:
            rows = await uow.partner_changes.after(after_id, limit)
        return [PartnerChangeOut.of(r) for r in rows]

    return router
