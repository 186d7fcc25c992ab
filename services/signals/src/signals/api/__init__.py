"""HTTP edge of signals: published signals for the advocacy role (and admin), the dashboard,
the report, and two admin routes.

Thin by rule: parse, authorise (`signals.api.common.Reader`, `Admin`), build a message of
`signals.messages`, dispatch it on the bus, shape the answer. Only stored releases are ever
served, so nothing below k leaves here; the runtime maps refusals to statuses.
"""

from fastapi import FastAPI
from hub_runtime.asyncapi import asyncapi_document
from hub_runtime.auth import install
from hub_runtime.bus import MessageBus
from hub_runtime.edge_pages import add_error_page
from hub_runtime.http import create_app
from hub_runtime.idempotency import PostgresKeys
from hub_runtime.oidc import OidcVerifier
from hub_runtime.oidc_login import OidcLogin
from hub_runtime.service import ServiceContext
from hub_runtime.settings import HubSettings

from signals.api import admin, dashboard, dashboard_errors, dashboard_provider, published
from signals.config import Settings
from signals.deps import Deps
from signals.routes import CONSUMES, PUBLISHES, ROUTES
from signals.unit_of_work import PostgresSignalsUnitOfWork

__all__ = ["CONSUMES", "PUBLISHES", "build_app"]


def build_app(ctx: ServiceContext, settings: Settings) -> FastAPI:
    """The FastAPI app of signals on ``ctx``'s database (its bus in ``app.state.bus``)."""
    app = create_app(
        service=ctx.name,
        title="signals",
        description="Anonymous, disclosure-controlled aggregates of closed periods.",
        max_body_bytes=settings.max_body_bytes,
        readiness=ctx.readiness_checks(),
        asyncapi=lambda: asyncapi_document(ctx.name, PUBLISHES, CONSUMES, ctx.hub),
        # The dashboard's sign-in and sign-out are HTML forms.
        page_prefixes=("/dashboard/",),
    )
    install(app, ctx.hub)
    # The dashboard's cookies are Secure unless on a developer's plain-HTTP loopback.
    app.state.staff_cookies_secure = not ctx.hub.development
    app.state.hub_settings = ctx.hub
    app.state.provider_login = provider_login(settings, ctx.hub)

    def unit_of_work() -> PostgresSignalsUnitOfWork:
        return PostgresSignalsUnitOfWork(ctx.pool, source=ctx.name)

    app.state.bus = MessageBus(
        ROUTES, unit_of_work, Deps(settings), keys=PostgresKeys(unit_of_work)
    )
    app.include_router(published.router)
    app.include_router(admin.router)
    app.include_router(dashboard.router)
    app.include_router(dashboard_provider.router)
    # A browser gets the dashboard's page for what the edge or the router refuses there.
    add_error_page(app, "/dashboard", dashboard_errors.error_page)
    return app


def provider_login(settings: Settings, hub: HubSettings) -> OidcLogin | None:
    """The dashboard's client of the council's OpenID Connect provider, or None (local
    accounts) when ``SIGNALS_OIDC_CLIENT_ID`` is unset. ID tokens are verified as the hub's
    bearer tokens are (keys from the issuer's JWKS, rollover, leeway), with the client id as
    their audience."""
    issuer = settings.dashboard_issuer
    if not (settings.oidc_client_id and issuer and settings.oidc_redirect_url):
        return None
    verifier = OidcVerifier(
        issuer,
        settings.oidc_client_id,
        jwks_url=hub.oidc_jwks_url if issuer == hub.oidc_issuer else None,
        leeway_seconds=hub.oidc_leeway_seconds,
        refetch_seconds=hub.oidc_jwks_refetch_seconds,
    )
    secret = settings.oidc_client_secret
    return OidcLogin(
        issuer,
        settings.oidc_client_id,
        secret.get_secret_value() if secret else None,
        settings.oidc_redirect_url,
        verifier,
    )
