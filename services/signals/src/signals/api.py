"""HTTP edge: published signals for the advocacy role (and admin), the dashboard, the report.

Only releases of closed periods are ever served; nothing below k leaves this module, because
everything served is a stored release (already protected). The admin view of contributions
tells how many exist per table, never a cell.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import HTMLResponse, PlainTextResponse
from hub_contracts import Topic
from hub_runtime.asyncapi import asyncapi_document
from hub_runtime.auth import Principal, Role, install, requires
from hub_runtime.http import create_app
from hub_runtime.openapi_errors import errors
from hub_runtime.service import ServiceContext

from signals import repository as repo
from signals.config import Settings
from signals.dashboard import DASHBOARD_HTML
from signals.domain.catalogue import NotAllowedError, allowed_tables, table_for_dimensions
from signals.domain.periods import InvalidPeriodError, closes_at, is_closed, plausible_period
from signals.domain.privacy import BudgetExceededError
from signals.errors import (
    BudgetExhaustedError,
    CrosstabNotAllowedError,
    ImplausiblePeriodError,
    NotPublishedError,
    PeriodOpenError,
    TableNotAllowedError,
    TableNotReleasedError,
)
from signals.handlers import PeriodNotClosedError, publish_period
from signals.views import report_html, table_csv

CONSUMES = (Topic.CASEFILE_EVENTS, Topic.REFERRAL_EVENTS, Topic.PARTNER_EVENTS)
PUBLISHES = (Topic.SIGNALS_PUBLISHED,)


# A period is published on first read: 409 while it is open or its noise budget is spent.
RELEASE = errors(409)

Reader = Annotated[Principal, Depends(requires(Role.ADVOCACY, Role.ADMIN))]
"""Who may read published signals: the advocacy team and admins."""
Admin = Annotated[Principal, Depends(requires(Role.ADMIN))]
"""Who may publish a period now and see how many contributions exist: admins."""


class _Releases:
    """Reads stored releases; publishing is a separate, explicit act (admin or the job).

    A GET never publishes: a release is permanent (never revised), so creating one is a
    decision (the publisher worker's schedule, or an admin's POST), not a side effect of
    someone reading (RFC 9110 section 9.2.1: GET is safe).
    """

    def __init__(self, ctx: ServiceContext, settings: Settings) -> None:
        self._ctx = ctx
        self._settings = settings

    @staticmethod
    def _plausible(period: str, now: datetime) -> None:
        try:
            plausible_period(period, now)  # malformed, year 0, 1990, far future
        except InvalidPeriodError as exc:
            raise ImplausiblePeriodError(str(exc)) from None

    async def get(self, period: str) -> dict[str, dict[str, Any]]:
        """The stored release of ``period``; 409 while it is open, 404 until it is published."""
        now = datetime.now(UTC)
        self._plausible(period, now)
        async with self._ctx.pool.acquire() as conn:
            release = await repo.release(conn, period)
        if release:
            return release
        grace = self._settings.grace_days
        if not is_closed(period, now, grace):
            closes = closes_at(period, grace).isoformat()
            raise PeriodOpenError(f"the period {period} is open until {closes}")
        raise NotPublishedError(
            f"the period {period} is closed but not published yet; the scheduled job publishes"
            " it, or an admin with POST /admin/periods/{period}/publish"
        )

    async def publish(self, period: str) -> dict[str, dict[str, Any]]:
        """Publish a closed period once (admin); later calls return the stored release."""
        now = datetime.now(UTC)
        self._plausible(period, now)
        async with self._ctx.unit_of_work() as uow:
            try:
                release = await publish_period(uow, self._settings, period, now)
            except PeriodNotClosedError as exc:
                raise PeriodOpenError(str(exc)) from None
            except BudgetExceededError as exc:
                raise BudgetExhaustedError(str(exc)) from None
            await uow.commit()
        return release

    async def table(self, period: str, table: str) -> dict[str, Any]:
        allowed = allowed_tables(self._settings.allow_country_of_origin)
        if table not in allowed:
            names = ", ".join(sorted(allowed))
            # The requested name is not echoed: it may be personal data typed by mistake.
            raise TableNotAllowedError(
                f"this table is not an allowed cross-tabulation; allowed: {names}"
            )
        release = await self.get(period)
        if table not in release:
            raise TableNotReleasedError(
                f"the table {table!r} is not part of the release of {period}"
            )
        return release[table]


def build_app(ctx: ServiceContext, settings: Settings) -> FastAPI:

    app = create_app(
        service=ctx.name,
        title="signals",
        description="Anonymous, disclosure-controlled aggregates of closed periods.",
        max_body_bytes=settings.max_body_bytes,
        readiness=ctx.readiness_checks(),
        asyncapi=lambda: asyncapi_document(ctx.name, PUBLISHES, CONSUMES),
    )
    install(app, ctx.hub.jwt_secret.get_secret_value())
    releases = _Releases(ctx, settings)
    app.include_router(_signals_router(ctx, settings, releases))
    app.include_router(_admin_router(ctx, releases))

    @app.get("/dashboard", response_class=HTMLResponse, tags=["signals"])
    async def dashboard() -> str:
        """The dashboard page (no data in it; its script fetches the API with a token)."""
        return DASHBOARD_HTML

    return app


def _signals_router(ctx: ServiceContext, settings: Settings, releases: _Releases) -> APIRouter:
    router = APIRouter(prefix="/signals", tags=["signals"])

    @router.get("/tables")
    async def tables(who: Reader) -> dict[str, Any]:
        """The allowed cross-tabulations (the only tables that exist)."""
        specs = allowed_tables(settings.allow_country_of_origin).values()
        return {"tables": [{"name": s.name, "dimensions": s.dimension_names} for s in specs]}

    @router.get("/periods")
    async def periods(who: Reader) -> dict[str, Any]:
        """Published (closed) periods and their tables."""
        async with ctx.pool.acquire() as conn:
            rows = await repo.published_periods(conn)
        return {
            "periods": [
                {"period": p, "published_at": at.isoformat(), "tables": names}
                for p, at, names in rows
            ]
        }

    @router.get(
        "/periods/{period}/tables/{table}.csv",
        response_class=PlainTextResponse,
        responses=RELEASE,
    )
    async def table_as_csv(period: str, table: str, who: Reader) -> PlainTextResponse:
        payload = await releases.table(period, table)
        return PlainTextResponse(
            table_csv(payload),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{period}_{table}.csv"'},
        )

    @router.get("/periods/{period}/tables/{table}", responses=RELEASE)
    async def table_as_json(period: str, table: str, who: Reader) -> dict[str, Any]:
        return await releases.table(period, table)

    @router.get("/periods/{period}/crosstab", responses=errors(400, 409))
    async def crosstab(
        period: str,
        who: Reader,
        dimensions: str = Query(description="Comma-separated dimension names, in any order"),
    ) -> dict[str, Any]:
        """The table with exactly these dimensions; any other cross-tabulation is refused."""
        try:
            spec = table_for_dimensions(
                [d for d in dimensions.split(",") if d], settings.allow_country_of_origin
            )
        except NotAllowedError as exc:
            raise CrosstabNotAllowedError(str(exc)) from None
        return await releases.table(period, spec.name)

    @router.get("/periods/{period}/report", response_class=HTMLResponse, responses=RELEASE)
    async def report(period: str, who: Reader) -> str:
        """Printable HTML report of a closed period."""
        return report_html(period, await releases.get(period))

    return router


def _admin_router(ctx: ServiceContext, releases: _Releases) -> APIRouter:
    router = APIRouter(prefix="/admin", tags=["admin"])

    @router.get("/contributions")
    async def contributions(who: Admin) -> dict[str, Any]:
        """How many contributions exist per period and table (operations; never cells)."""
        async with ctx.pool.acquire() as conn:
            rows = await repo.contribution_summary(conn)
        return {"contributions": rows}

    @router.post("/periods/{period}/publish", responses=RELEASE)
    async def publish(period: str, who: Admin) -> dict[str, Any]:
        """Publish a closed period now; a second call returns the stored release unchanged."""
        return {"period": period, "tables": await releases.publish(period)}

    return router
