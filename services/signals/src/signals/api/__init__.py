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
from hub_runtime.http import create_app
from hub_runtime.idempotency import PostgresKeys
from hub_runtime.service import ServiceContext

from signals.api import admin, dashboard, published
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
        form_prefixes=("/dashboard/",),
    )
    install(app, ctx.hub)
    # The dashboard's cookies are Secure unless on a developer's plain-HTTP loopback.
    app.state.staff_cookies_secure = not ctx.hub.development

    def unit_of_work() -> PostgresSignalsUnitOfWork:
        return PostgresSignalsUnitOfWork(ctx.pool, source=ctx.name)

    app.state.bus = MessageBus(
        ROUTES, unit_of_work, Deps(settings), keys=PostgresKeys(unit_of_work)
    )
    app.include_router(published.router)
    app.include_router(admin.router)
    app.include_router(dashboard.router)
    return app
