"""The only wiring of the partner gateway: its `ServiceDefinition` (tests wire a fake casefile
and a shifted clock here too)."""

from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from hub_runtime.bus import bind_batch, bind_events
from hub_runtime.service import ServiceContext, ServiceDefinition, Worker

from partner_gateway.api import CONSUMES, PUBLISHES, build_app
from partner_gateway.casefile_client import Casefile, HttpCasefile
from partner_gateway.clock import Clock
from partner_gateway.config import Settings
from partner_gateway.delivery import delivery_worker
from partner_gateway.deps import Deps
from partner_gateway.routes import ROUTES
from partner_gateway.unit_of_work import SOURCE, PostgresUnitOfWork

NAME = SOURCE
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def definition(
    settings: Settings, casefile: Casefile | None = None, clock: Clock | None = None
) -> ServiceDefinition:
    """The gateway as the runtime runs it. ``casefile`` replaces the HTTP client of casefile's
    disclosure endpoint (tests pass a fake); ``clock`` the council's clock (tests shift days).
    Start it with ``hub_runtime.entry.service_runtime(definition(settings), settings)``."""
    clock = clock or Clock(ZoneInfo(settings.timezone))
    workers: list[Worker] = [delivery_worker(settings, clock)]
    adapter = casefile
    if adapter is None:
        http_casefile = HttpCasefile(
            settings.casefile_url,
            settings.hub.jwt_secret.get_secret_value(),
            settings.casefile_timeout_seconds,
        )
        workers.append(http_casefile.hold_open)
        adapter = http_casefile
    deps = Deps.from_settings(settings, adapter, clock)

    def app(ctx: ServiceContext) -> FastAPI:
        return build_app(ctx, settings, deps)

    return ServiceDefinition(
        name=NAME,
        database=settings.database,
        migrations=MIGRATIONS,
        publishes=PUBLISHES,
        consumes=CONSUMES,
        handlers=bind_events(ROUTES, deps),
        batch_handler=bind_batch(ROUTES, deps),
        unit_of_work=PostgresUnitOfWork,
        build_app=app,
        workers=workers,
    )
