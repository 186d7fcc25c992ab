"""The only wiring of the signals service: its `ServiceDefinition` (``definition``).

Tests start it with ``service_runtime(definition(settings), settings)`` (`hub_runtime.entry`).
"""

import logging
from pathlib import Path

from fastapi import FastAPI
from hub_runtime.bus import (
    MessageBus,
    bind_batch,
    bind_events,
)
from hub_runtime.errors import DomainError
from hub_runtime.leadership import single_instance
from hub_runtime.service import ServiceContext, ServiceDefinition, Worker

from signals.api import build_app
from signals.config import Settings
from signals.deps import Deps
from signals.messages import ListDuePeriods, PublishPeriod
from signals.routes import CONSUMES, PUBLISHES, ROUTES
from signals.unit_of_work import PostgresSignalsUnitOfWork

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = logging.getLogger(__name__)


def definition(settings: Settings) -> ServiceDefinition:
    """Everything the runtime runs for signals: its consumer (event routes and batch route of
    `signals.routes.ROUTES`), its HTTP edge and its publisher worker."""
    deps = Deps(settings)

    def app(ctx: ServiceContext) -> FastAPI:
        return build_app(ctx, settings)

    return ServiceDefinition(
        name="signals",
        database=settings.database,
        migrations=MIGRATIONS,
        publishes=[str(t) for t in PUBLISHES],
        consumes=[str(t) for t in CONSUMES],
        handlers=bind_events(ROUTES, deps),
        batch_handler=bind_batch(ROUTES, deps),
        unit_of_work=PostgresSignalsUnitOfWork,
        build_app=app,
        workers=[publisher(deps)],
    )


def publisher(deps: Deps) -> Worker:
    """A worker that publishes every closed, unpublished period every
    ``publish_interval_seconds``, in one instance at a time (`hub_runtime.leadership`; a
    period's publication is also serialised by an advisory transaction lock, so two passes at
    once still publish it once). A period that cannot be published (e.g. its privacy budget is
    spent) is logged and left for the next round; the others go on."""

    async def publish_due(ctx: ServiceContext) -> None:
        def unit_of_work() -> PostgresSignalsUnitOfWork:
            return PostgresSignalsUnitOfWork(ctx.pool, source=ctx.name)

        bus = MessageBus(ROUTES, unit_of_work, deps)
        try:
            for period in await bus.dispatch(ListDuePeriods()):
                try:
                    await bus.dispatch(PublishPeriod(period))
                except DomainError as exc:
                    log.error("publishing refused", extra={"error_code": exc.code})
        except Exception as exc:  # the database is away: log, the next pass tries again
            log.error("publishing failed", extra={"error_type": type(exc).__name__})

    return single_instance("signals_publisher", publish_due, deps.settings.publish_interval_seconds)
