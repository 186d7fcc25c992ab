"""The only wiring of the signals service."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from hub_runtime.service import ServiceContext, ServiceDefinition, Worker

from signals.api import CONSUMES, PUBLISHES, build_app
from signals.config import Settings
from signals.consumer import batch_handler, handlers
from signals.handlers import publish_due_periods

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
log = logging.getLogger(__name__)


def publisher(settings: Settings) -> Worker:
    """A worker that publishes every closed, unpublished period, then sleeps."""

    async def signals_publisher(ctx: ServiceContext) -> None:
        while True:
            try:
                await publish_due_periods(ctx.unit_of_work, settings, datetime.now(UTC))
            except Exception as exc:  # e.g. budget exhausted: log, keep the loop alive
                log.error("publishing failed", extra={"error_type": type(exc).__name__})
            await asyncio.sleep(settings.publish_interval_seconds)

    return signals_publisher


def definition(settings: Settings) -> ServiceDefinition:
    def app(ctx: ServiceContext) -> FastAPI:
        return build_app(ctx, settings)

    return ServiceDefinition(
        name="signals",
        database=settings.database,
        migrations=MIGRATIONS,
        publishes=[str(t) for t in PUBLISHES],
        consumes=[str(t) for t in CONSUMES],
        handlers=handlers(settings),
        batch_handler=batch_handler(settings),
        build_app=app,
        workers=[publisher(settings)],
    )
