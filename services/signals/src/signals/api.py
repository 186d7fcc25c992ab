"""HTTP edge: published signals for the advocacy role (and admin), the dashboard, the report.

Only releases of closed periods are ever served; nothing below k leaves this module, because
everything served is a stored release (already protected). The admin view of contributions
tells how many exist per table, never a cell.
"""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import HTMLResponse, PlainTextResponse
from hub_contracts import Topic
from hub_runtime.asyncapi import asyncapi_document
from hub_runtime.auth import Authenticator, Role
from hub_runtime.http import DomainError, create_app
from hub_runtime.openapi_errors import errors
from hub_runtime.service import ServiceContext

from signals import repository as repo
from signals.config import Settings
from signals.dashboard import DASHBOARD_HTML
from signals.domain.catalogue import NotAllowedError, allowed_tables, table_for_dimensions
from signals.domain.periods import InvalidPeriodError, closes_at, is_closed, plausible_period
from signals.domain.privacy import BudgetExceededError
from signals.handlers import PeriodOpenError, publish_period
from signals.views import report_html, table_csv

CONSUMES = (Topic.CASEFILE_EVENTS, Topic.REFERRAL_EVENTS, Topic.PARTNER_EVENTS)
PUBLISHES = (Topic.SIGNALS_PUBLISHED,)


# A period is published on first read: 409 while it is open or its noise budget is spent.
RELEASE = errors(409)


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
            raise DomainError(str(exc), code="invalid_period", status_code=422) from None

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
            raise DomainError(
                f"the period {period} is open until {closes}", code="period_open", status_code=409
            )
        raise DomainError(
            f"the period {period} is closed but not published yet; the scheduled job publishes"
            " it, or an admin with POST /admin/periods/{period}/publish",
            code="not_published",
            status_code=404,
        )

    async def publish(self, period: str) -> dict[str, dict[str, Any]]:
        """Publish a closed period once (admin); later calls return the stored release."""
        now = datetime.now(UTC)
        self._plausible(period, now)
        async with self._ctx.unit_of_work() as uow:
            try:
                release = await publish_period(uow, self._settings, period, now)
            except PeriodOpenError as exc:
                raise DomainError(str(exc), code="period_open", status_code=409) from None
            except BudgetExceededError as exc:
                raise DomainError(str(exc), code="budget_exhausted", status_code=409) from None
            await uow.commit()
        return release

    async def table(self, period: str, table: str) -> dict[str, Any]:
        allowed = allowed_tables(self._settings.allow_country_of_origin)
        if table not in allowed:
            names = ", ".join(sorted(allowed))
            # The requested name is not echoed: it may be personal data typed by mistake.
            raise DomainError(
                f"this table is not an allowed cross-tabulation; allowed: {names}",
                code="table_not_allowed",
                status_code=404,
            )
        release = await self.get(period)
        if table not in release:
            raise DomainError(
                f"the table {table!r} is not part of the release of {period}",
                code="not_found",
                status_code=404,
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
    auth = Authenticator(ctx.hub.jwt_secret.get_secret_value())
    releases = _Releases(ctx, settings)
    app.include_router(_signals_router(ctx, settings, auth, releases))
    app.include_router(_admin_router(ctx, auth, releases))

    @app.get("/dashboard", response_class=HTMLResponse, tags=["signals"])
    async def dashboard() -> str:
        """The dashboard page (no data in it; its script fetches the API with a token)."""
        return DASHBOARD_HTML

    return app


def _signals_router(
    ctx: ServiceContext, settings: Settings, auth: Authenticator, releases: _Releases
) -> APIRouter:
    router = APIRouter(prefix="/signals", tags=["signals"])
    reader = auth.require(Role.ADVOCACY, Role.ADMIN)

    @router.get("/tables")
    async def tables(who: reader) -> dict[str, Any]:  # type: ignore[valid-type]
        """The allowed cross-tabulations (the only tables that exist)."""
        specs = allowed_tables(settings.allow_country_of_origin).values()
        return {"tables": [{"name": s.name, "dimensions": s.dimension_names} for s in specs]}

    @router.get("/periods")
    async def periods(who: reader) -> dict[str, Any]:  # type: ignore[valid-type]
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
    async def table_as_csv(period: str, table: str, who: reader) -> PlainTextResponse:  # type: ignore[valid-type]
        payload = await releases.table(period, table)
        return PlainTextResponse(
            table_csv(payload),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{period}_{table}.csv"'},
        )

    @router.get("/periods/{period}/tables/{table}", responses=RELEASE)
    async def table_as_json(period: str, table: str, who: reader) -> dict[str, Any]:  # type: ignore[valid-type]
        return await releases.table(period, table)

    @router.get("/periods/{period}/crosstab", responses=errors(400, 409))
    async def crosstab(
        period: str,
        who: reader,  # type: ignore[valid-type]
        dimensions: str = Query(description="Comma-separated dimension names, in any order"),
    ) -> dict[str, Any]:
        """The table with exactly these dimensions; any other cross-tabulation is refused."""
        try:
            spec = table_for_dimensions(
                [d for d in dimensions.split(",") if d], settings.allow_country_of_origin
            )
        except NotAllowedError as exc:
            raise DomainError(str(exc), code="crosstab_not_allowed", status_code=400) from None
        return await releases.table(period, spec.name)

    @router.get("/periods/{period}/report", response_class=HTMLResponse, responses=RELEASE)
    async def report(period: str, who: reader) -> str:  # type: ignore[valid-type]
        """Printable HTML report of a closed period."""
        return report_html(period, await releases.get(period))

    return router


def _admin_router(ctx: ServiceContext, auth: Authenticator, releases: _Releases) -> APIRouter:
    router = APIRouter(prefix="/admin", tags=["admin"])
    admin = auth.require(Role.ADMIN)

    @router.get("/contributions")
    async def contributions(who: admin) -> dict[str, Any]:  # type: ignore[valid-type]
        """How many contributions exist per period and table (operations; never cells)."""
        async with ctx.pool.acquire() as conn:
            rows = await repo.contribution_summary(conn)
        return {"contributions": rows}

    @router.post("/periods/{period}/publish", responses=RELEASE)
    async def publish(period: str, who: admin) -> dict[str, Any]:  # type: ignore[valid-type]
        """Publish a closed period now; a second call returns the stored release unchanged."""
        return {"period": period, "tables": await releases.publish(period)}

    return router
