"""Who a portal request comes from: the session cookie resolved on the bus."""

from __future__ import annotations

from fastapi import Request
from hub_runtime.errors import DomainError

from partner_gateway.api.portal.render import Portal
from partner_gateway.api.portal.security import SESSION_COOKIE
from partner_gateway.messages import ResolveSession, StaffSession
from partner_gateway.routes import GatewayBus


async def current_staff(bus: GatewayBus, portal: Portal, request: Request) -> StaffSession | None:
    """The signed-in staff member, or None (no cookie; session ended by the idle or absolute
    timeout, sign-out or revocation; the partner refused)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 128:
        return None
    try:
        return await bus.dispatch(
            ResolveSession(token, portal.idle_seconds, portal.absolute_seconds)
        )
    except DomainError:
        return None
