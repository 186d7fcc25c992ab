"""The admin API: partners' webhooks and API clients, the delivery, disclosure and notice logs."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from hub_contracts.codes import BoundedInt, ClientId
from hub_contracts.ids import CanonicalUuid
from hub_runtime.auth import Principal, Role, requires
from hub_runtime.openapi_errors import errors
from hub_runtime.path_ids import PathId

from partner_gateway import messages as m
from partner_gateway import staff_messages as sm
from partner_gateway.api import answers as out
from partner_gateway.api.models import (
    ClientCreated,
    PasswordResetIssued,
    StaffInvitation,
    StaffInvited,
    WebhookRegistered,
    WebhookRegistration,
)
from partner_gateway.domain.delivery import DeliveryState
from partner_gateway.routes import GatewayBus

Admin = Annotated[Principal, Depends(requires(Role.ADMIN))]
Limit = Annotated[int, Query(), BoundedInt(1, 500)]


def router(bus: GatewayBus) -> APIRouter:
    """``/admin/...`` routes on ``bus`` (role admin)."""
    routes = APIRouter(prefix="/admin", tags=["admin"])

    @routes.put(
        "/partners/{partner_id}/webhook",
        summary="Register or rotate a partner's webhook",
        responses=errors(403, 409),
    )
    async def put_webhook(
        partner_id: PathId, body: WebhookRegistration, who: Admin
    ) -> WebhookRegistered:
        url = str(body.url)
        done = await bus.dispatch(m.RegisterWebhook(partner_id, url, written=body.written))
        return WebhookRegistered(
            partner_id=partner_id,
            url=url,
            secret=done.secret,
            previous_secret_valid_until=done.previous_secret_valid_until,
        )

    @routes.get("/deliveries", summary="The delivery log (webhook attempts and outcomes)")
    async def deliveries(
        who: Admin,
        partner_id: CanonicalUuid | None = None,
        state: DeliveryState | None = None,
        after: Annotated[int, Query(), BoundedInt(0, 2**62)] = 0,
        limit: Limit = 100,
    ) -> out.DeliveryLog:
        return out.DeliveryLog.model_validate(
            await bus.dispatch(m.DeliveryLog(partner_id, state, after, limit))
        )

    @routes.get("/disclosures", summary="The disclosure log (facts only, never the data)")
    async def disclosures(
        who: Admin,
        referral_id: CanonicalUuid | None = None,
        case_id: CanonicalUuid | None = None,
        limit: Limit = 100,
    ) -> out.DisclosureLog:
        return out.DisclosureLog.model_validate(
            await bus.dispatch(m.DisclosureLog(referral_id, case_id, limit))
        )

    @routes.get("/notices", summary="Withdrawal and erasure notices; ?overdue=true for late ones")
    async def notices(who: Admin, overdue: bool = False, limit: Limit = 100) -> out.Notices:
        return out.Notices.model_validate(await bus.dispatch(m.NoticeListing(overdue, limit)))

    @routes.post(
        "/partners/{partner_id}/credentials",
        status_code=201,
        summary="New API client",
        responses=errors(403, 409),
    )
    async def new_client(partner_id: PathId, who: Admin) -> ClientCreated:
        issued = await bus.dispatch(m.CreateClient(partner_id))
        return ClientCreated(client_id=issued.client_id, client_secret=issued.client_secret)

    @routes.get("/partners/{partner_id}/credentials", summary="A partner's API clients")
    async def list_clients(partner_id: PathId, who: Admin) -> out.Clients:
        return out.Clients.model_validate({"items": await bus.dispatch(m.ListClients(partner_id))})

    @routes.post(
        "/credentials/{client_id}/rotate",
        summary="New secret; the old one works a while",
        responses=errors(409),
    )
    async def rotate(client_id: ClientId, who: Admin) -> ClientCreated:
        issued = await bus.dispatch(m.RotateClientSecret(client_id))
        return ClientCreated(
            client_id=client_id,
            client_secret=issued.client_secret,
            previous_secret_valid_until=issued.previous_secret_valid_until,
        )

    @routes.post("/credentials/{client_id}/revoke", summary="Revoke a client and all its secrets")
    async def revoke(client_id: ClientId, who: Admin) -> out.Revoked:
        await bus.dispatch(m.RevokeClient(client_id))
        return out.Revoked(client_id=client_id, status="revoked")

    @routes.post(
        "/partners/{partner_id}/staff",
        status_code=201,
        summary="Invite a partner's staff member to the portal (a one-time code, shown once)",
        responses=errors(403, 404, 409),
    )
    async def invite_staff(partner_id: PathId, body: StaffInvitation, who: Admin) -> StaffInvited:
        invited = await bus.dispatch(m.InviteStaff(partner_id, body.email, lead=body.lead))
        return StaffInvited(
            staff_id=invited.staff_id,
            invitation_code=invited.code,
            activation_path="/portal/activate",
            expires_at=invited.expires_at,
        )

    @routes.get("/partners/{partner_id}/staff", summary="A partner's portal accounts")
    async def list_staff(partner_id: PathId, who: Admin) -> out.StaffAccounts:
        return out.StaffAccounts.model_validate(
            {"items": await bus.dispatch(m.ListStaff(partner_id))}
        )

    @routes.post(
        "/staff/{staff_id}/revoke",
        summary="Revoke a portal account; its sessions end at once",
        responses=errors(404),
    )
    async def revoke_staff(staff_id: PathId, who: Admin) -> out.StaffRevoked:
        await bus.dispatch(m.RevokeStaff(staff_id))
        return out.StaffRevoked(staff_id=staff_id, status="revoked")

    @routes.post(
        "/staff/{staff_id}/password-reset",
        status_code=201,
        summary="A one-time password-reset code for a portal account (shown once)",
        responses=errors(404, 409),
    )
    async def password_reset(staff_id: PathId, who: Admin) -> PasswordResetIssued:
        issued = await bus.dispatch(sm.IssuePasswordReset(staff_id))
        return PasswordResetIssued(
            staff_id=staff_id,
            reset_code=issued.code,
            reset_path="/portal/reset",
            expires_at=issued.expires_at,
        )

    @routes.post(
        "/staff/{staff_id}/second-factor/reset",
        summary="Remove a portal account's second factor (a lost phone); its sessions end",
        responses=errors(404),
    )
    async def reset_factor(staff_id: PathId, who: Admin) -> out.SecondFactorRemoved:
        await bus.dispatch(sm.ResetSecondFactor(staff_id))
        return out.SecondFactorRemoved(staff_id=staff_id, status="second_factor_removed")

    @routes.get("/partners/{partner_id}/staff-audit", summary="Who invited, revoked or reset whom")
    async def staff_audit(partner_id: PathId, who: Admin) -> out.StaffAudit:
        entries = await bus.dispatch(sm.ReadStaffAudit(partner_id))
        return out.StaffAudit.model_validate({"items": [asdict(entry) for entry in entries]})

    return routes
