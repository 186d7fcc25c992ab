"""The only wiring of the partner gateway (tests wire a fake casefile here too)."""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from hub_runtime.service import ServiceContext, ServiceDefinition, Worker

from partner_gateway.api import CONSUMES, PUBLISHES, build_app
from partner_gateway.casefile_client import Casefile, HttpCasefile
from partner_gateway.clock import Clock
from partner_gateway.config import Settings
from partner_gateway.consumer import handler_table
from partner_gateway.delivery import delivery_worker

NAME = "partner-gateway"
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

    def app(ctx: ServiceContext) -> FastAPI:
        return build_app(ctx, settings, adapter, clock)

    return ServiceDefinition(
        name=NAME,
        database=settings.database,
        migrations=MIGRATIONS,
        publishes=PUBLISHES,
        consumes=CONSUMES,
        handlers=handler_table(timedelta(seconds=settings.notice_ack_due_seconds)),
        build_app=app,
        workers=workers,
    )
