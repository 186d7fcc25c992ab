"""The gateway's views of other services' facts: partner directory, consents, cases."""

from __future__ import annotations

from hub_contracts import (
    CaseClosed,
    CaseOpened,
    ConsentGranted,
    PartnerRegistered,
    PartnerType,
    ProcedureStageChanged,
)
from hub_runtime.bus import Event

from partner_gateway.deps import Deps
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def on_partner_registered(
    event: Event[PartnerRegistered], uow: GatewayUnitOfWork, deps: Deps
) -> None:
    """Keep the directory's entry. Listed as an origin-country authority once, the id stays
    one for good (``ever_origin_authority``): a later entry of another type does not lift it,
    and its webhook and pending deliveries go at once (architecture invariant 2)."""
    payload = event.payload
    origin = payload.partner_type is PartnerType.AUTHORITY_ORIGIN
    await uow.partners.upsert(
        payload.partner_id,
        payload.partner_type,
        payload.purposes,
        payload.countries,
        payload.active,
        payload.agreement_valid_until,
        origin,
    )
    if origin:
        await uow.partners.remove_webhook(payload.partner_id)
        await uow.deliveries.give_up_pending(payload.partner_id, "partner_origin_authority")


async def on_consent_granted(
    event: Event[ConsentGranted], uow: GatewayUnitOfWork, deps: Deps
) -> None:
    """Keep the consent (a withdrawal that overtook it applies at once)."""
    p = event.payload
    await uow.consents.grant(
        p.consent_id,
        p.case_id,
        p.partner_id,
        p.purposes,
        p.data_categories,
        p.valid_from,
        p.valid_until,
    )


async def on_case_opened(event: Event[CaseOpened], uow: GatewayUnitOfWork, deps: Deps) -> None:
    """The case's first stage."""
    await uow.cases.set_stage(event.payload.case_id, event.payload.stage)


async def on_stage_changed(
    event: Event[ProcedureStageChanged], uow: GatewayUnitOfWork, deps: Deps
) -> None:
    """The gateway's own view of the stage: protection first is judged on it at every gate
    (referral suspends the referral too, and says so in ``ReferralStatusChanged.v2``)."""
    await uow.cases.set_stage(event.payload.case_id, event.payload.to_stage)


async def on_case_closed(event: Event[CaseClosed], uow: GatewayUnitOfWork, deps: Deps) -> None:
    """The case is closed: every gate refuses its referrals from now on (410)."""
    await uow.cases.close(event.payload.case_id, event.payload.closed_on)
