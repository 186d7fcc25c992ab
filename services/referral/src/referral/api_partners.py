"""The HTTP edge of the partner directory and its change audit (admin)."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from hub_contracts import PartnerType, Purpose
from hub_contracts.codes import MAX_OFFSET, BoundedInt
from hub_runtime.errors import NotFoundError
from hub_runtime.openapi_errors import errors
from hub_runtime.service import ServiceContext
from pydantic import BaseModel, Field

from referral import directory
from referral import partner_audit_repository as audit
from referral import repository as repo
from referral.clock import Clock
from referral.commands import RegisterPartner, UpdatePartner
from referral.domain.model import Partner
from referral.domain.partner_changes import ChangeReason
from referral.permissions import Admin, Reader


class PartnerOut(BaseModel):
    partner_id: UUID
    name: str
    partner_type: PartnerType
    countries: list[str]
    services: list[str]
    purposes: list[Purpose]
    agreement_reference: str | None
    agreement_valid_from: date | None
    agreement_valid_until: date | None
    active: bool
    ever_origin_authority: bool = Field(
        description="Listed as an origin-country authority at any time: permanent; such an"
        " entry never receives anything and its type cannot change."
    )
    may_receive_data: bool = Field(
        description="Whether a referral to it can be approved today as far as the partner goes"
        " (hub_contracts.privacy.may_receive_data): false for entries ever listed as an"
        " origin-country authority, removed entries and entries without an agreement in force."
    )

    @classmethod
    def of(cls, partner: Partner, today: date) -> "PartnerOut":
        return cls(
            partner_id=partner.partner_id,
            name=partner.name,
            partner_type=partner.partner_type,
            countries=list(partner.countries),
            services=list(partner.services),
            purposes=sorted(partner.purposes),
            agreement_reference=partner.agreement_reference,
            agreement_valid_from=partner.agreement_valid_from,
            agreement_valid_until=partner.agreement_valid_until,
            active=partner.active,
            ever_origin_authority=partner.ever_origin_authority,
            may_receive_data=partner.may_receive_data(today),
        )


class PartnerChangeOut(BaseModel):
    """One audited change of a partner's type or standing."""

    change_id: int = Field(description="Increasing id: page with `after_id`.")
    partner_id: UUID
    changed_by: str = Field(description="The admin's login (token subject): staff data.")
    changed_at: datetime
    reason: ChangeReason
    changed_fields: list[str]
    before: dict[str, Any] | None = Field(description="Standing fields before; null when added.")
    after: dict[str, Any]

    @classmethod
    def of(cls, record: dict[str, Any]) -> "PartnerChangeOut":
        return cls.model_validate({**record, "change_id": record["id"]})


def partners_router(ctx: ServiceContext, clock: Clock) -> APIRouter:
    router = APIRouter(tags=["partners"])

    @router.post(
        "/partners",
        status_code=201,
        summary="Add an organisation to the directory",
        responses=errors(409),
    )
    async def register(body: RegisterPartner, who: Admin) -> PartnerOut:
        partner = await directory.register_partner(
            ctx.unit_of_work,
            body,
            who.sub,
            clock,
        )
        return PartnerOut.of(partner, clock.today())

    @router.put(
        "/partners/{partner_id}",
        summary="Replace an entry (renewal, removal); a change of type or standing needs a"
        " change_reason and is audited; an origin-country authority's type never changes",
        responses=errors(409),
    )
    async def update(partner_id: UUID, body: UpdatePartner, who: Admin) -> PartnerOut:
        partner = await directory.update_partner(
            ctx.unit_of_work,
            partner_id,
            body,
            who.sub,
            clock,
        )
        return PartnerOut.of(partner, clock.today())

    @router.get("/partners", summary="The partner directory")
    async def list_all(who: Reader) -> list[PartnerOut]:
        async with ctx.pool.acquire() as conn:
            return [PartnerOut.of(p, clock.today()) for p in await repo.list_partners(conn)]

    @router.get("/partners/{partner_id}", summary="One organisation")
    async def one(partner_id: UUID, who: Reader) -> PartnerOut:
        async with ctx.pool.acquire() as conn:
            partner = await repo.get_partner(conn, partner_id)
        if partner is None:
            raise NotFoundError("the partner")
        return PartnerOut.of(partner, clock.today())

    @router.get(
        "/partners/{partner_id}/changes",
        summary="Every change of the partner's type or standing: who, when, why (admin)",
    )
    async def changes_of(partner_id: UUID, who: Admin) -> list[PartnerChangeOut]:
        async with ctx.pool.acquire() as conn:
            if await repo.get_partner(conn, partner_id) is None:
                raise NotFoundError("the partner")
            return [PartnerChangeOut.of(r) for r in await audit.changes_of(conn, partner_id)]

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
        async with ctx.pool.acquire() as conn:
            rows = await audit.changes_after(conn, after_id, limit)
        return [PartnerChangeOut.of(r) for r in rows]

    return router
