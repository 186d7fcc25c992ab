"""The partner portal at ``/portal/``: server-rendered pages for a partner's staff.

Another edge on the same bus and handlers as the partner API (``api.partner``): the
disclosure goes through `partner_gateway.disclosure.disclose` (re-checked and logged, the log
naming the staff member), reports through `handlers.reports` under Idempotency-Keys that each
form carries. Accounts and sessions: `handlers.staff`; cookies and CSRF: `security`; pages and
languages: `render`, `i18n`, ``templates/``, ``locale/``; the second factor and reset links:
`account`; the lead's management of the partner's staff: `team`.
"""

from __future__ import annotations

import asyncpg
from fastapi import APIRouter, FastAPI
from hub_runtime.edge_pages import add_error_page

from partner_gateway.api.portal import account, forms, pages, team
from partner_gateway.api.portal.errors import edge_page, page_route
from partner_gateway.api.portal.render import Portal
from partner_gateway.config import Settings
from partner_gateway.repository.rate_limits import PostgresRateLimits
from partner_gateway.routes import GatewayBus


def install(app: FastAPI, bus: GatewayBus, settings: Settings, pool: asyncpg.Pool) -> None:
    """The portal on ``app``: its routes (`router`) and its message page for what the edge or
    the router refuses under ``/portal`` (an unknown path, 405, 413, 414, 431, ...), which a
    browser gets instead of the API's JSON (`hub_runtime.edge_pages`; `errors.edge_page`)."""
    routes, portal = router(bus, settings, pool)
    app.include_router(routes)
    add_error_page(app, "/portal", edge_page(portal))


def router(bus: GatewayBus, settings: Settings, pool: asyncpg.Pool) -> tuple[APIRouter, Portal]:
    """``/portal/...`` routes on ``bus`` (not in the OpenAPI document: they answer HTML), and
    the portal they render with; sign-in attempts are limited in ``pool``'s database, across
    the gateway's instances."""
    portal = Portal.build(
        secure=not settings.hub.development,
        secret=settings.hub.jwt_secret.get_secret_value(),
        idle=settings.portal_idle_seconds,
        absolute=settings.portal_absolute_seconds,
    )
    sign_in_limiter = PostgresRateLimits(
        pool,
        "sign-in",
        settings.portal_sign_in_per_minute / 60.0,
        settings.portal_sign_in_burst,
        settings.hub.jwt_secret.get_secret_value(),
    )
    # Pages answer pages, even for a request FastAPI's validation refuses (`errors.page_route`).
    routes = APIRouter(prefix="/portal", include_in_schema=False, route_class=page_route(portal))
    pages.add(routes, bus, portal)
    forms.add(routes, bus, portal, sign_in_limiter)
    account.add(routes, bus, portal, sign_in_limiter)
    team.add(routes, bus, portal)
    return routes, portal
