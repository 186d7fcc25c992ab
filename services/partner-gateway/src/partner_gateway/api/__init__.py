"""The gateway's HTTP edge: parse, authorise, build the message, dispatch, answer.

`admin` (role admin) and `partner` (role partner) routers on one `MessageBus`; errors are the
runtime's (`hub_runtime.http`: the hub's one error shape, statuses from the error's kind).
"""

from __future__ import annotations

from fastapi import FastAPI
from hub_contracts import Topic
from hub_runtime.asyncapi import asyncapi_document
from hub_runtime.auth import install
from hub_runtime.bus import MessageBus
from hub_runtime.http import create_app
from hub_runtime.idempotency import PostgresKeys
from hub_runtime.service import ServiceContext

from partner_gateway.api import admin, partner, portal, token
from partner_gateway.api.token_answers import TokenAnswersMiddleware
from partner_gateway.config import Settings
from partner_gateway.deps import Deps
from partner_gateway.repository.rate_limits import PostgresRateLimits
from partner_gateway.routes import ROUTES, GatewayBus
from partner_gateway.unit_of_work import PostgresUnitOfWork

PUBLISHES = [Topic.PARTNER_EVENTS]
CONSUMES = [Topic.REFERRAL_EVENTS, Topic.CASEFILE_EVENTS]


def build_app(ctx: ServiceContext, settings: Settings, deps: Deps) -> FastAPI:
    """The gateway's FastAPI app on the running service's pool and settings."""

    def unit_of_work() -> PostgresUnitOfWork:
        return PostgresUnitOfWork(ctx.pool, source=ctx.name)

    def reader() -> PostgresUnitOfWork:
        return PostgresUnitOfWork(ctx.read_pool, source=ctx.name, read_only=True)

    bus: GatewayBus = MessageBus(
        ROUTES, unit_of_work, deps, keys=PostgresKeys(unit_of_work), reader=reader
    )
    app = create_app(
        service=ctx.name,
        title="Partner gateway",
        description="Signed webhooks to partners, disclosures through casefile, partners' reports.",
        max_body_bytes=settings.max_body_bytes,
        readiness=ctx.readiness_checks(),
        asyncapi=lambda: asyncapi_document(ctx.name, PUBLISHES, CONSUMES, ctx.hub),
        # The token route takes RFC 6749's form too (it parses it itself).
        form_prefixes=(token.PATH,),
        page_prefixes=("/portal/",),
    )
    install(app, ctx.hub)
    # RFC 6749 section 5: no-store and error_description on every answer of the token path.
    app.add_middleware(TokenAnswersMiddleware, path=token.PATH)
    # Shared by every gateway instance (one row per key in PostgreSQL).
    limiter = PostgresRateLimits(
        ctx.pool,
        "partner",
        settings.rate_limit_per_second,
        settings.rate_limit_burst,
        settings.hub.jwt_secret.get_secret_value(),
    )
    app.include_router(admin.router(bus))
    app.include_router(partner.router(bus, limiter, settings.partner_token_ttl_seconds))
    portal.install(app, bus, settings, ctx.pool)
    return app
