"""The one place where the referral service is wired together."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hub_runtime.service import (
    ServiceContext,
    ServiceDefinition,
    ServiceRuntime,
    Subscription,
    Worker,
)

from referral.api import build_app
from referral.casefile_client import HttpCaseFile
from referral.clock import Clock
from referral.config import Settings
from referral.consumer import CONSUMES, PUBLISHES, handler_table
from referral.kafka_commands import COMMAND_TOPICS, command_handlers
from referral.vault import CaseVault
from referral.view_catch_up import NO_CATCH_UP, CaseViewCatchUp
from referral.workers import expiry_worker

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def definition(settings: Settings, clock: Clock | None = None) -> ServiceDefinition:
    clock = clock or Clock(ZoneInfo(settings.timezone))
    timeout = timedelta(seconds=settings.answer_timeout_seconds)
    vault = CaseVault(settings.master_key.get_secret_value())

    async def expire(ctx: ServiceContext) -> None:
        await expiry_worker(ctx, clock, timeout, settings.expiry_check_seconds)

    expire.__name__ = "expiry"
    workers: list[Worker] = [expire]
    subscriptions: list[Subscription] = []
    if settings.commands_enabled:
        # A consumer group of its own, not in `consumes`: a command for a case the view has not
        # seen yet is retried with backoff, which in the event consumer would hold up the very
        # casefile event (CaseOpened) the command waits for.
        subscriptions.append(
            Subscription(
                group="referral-commands",
                topics=[str(t) for t in COMMAND_TOPICS],
                handlers=command_handlers(clock, vault),
                max_attempts=settings.command_max_attempts,
            )
        )
    command_topics = COMMAND_TOPICS if settings.commands_enabled else ()
    view = NO_CATCH_UP
    if settings.casefile_url:
        case_file = HttpCaseFile(
            settings.casefile_url,
            settings.hub.jwt_secret.get_secret_value(),
            settings.casefile_timeout_seconds,
        )
        workers.append(case_file.hold_open)
        view = CaseViewCatchUp(case_file, within_seconds=settings.view_catch_up_seconds)
    return ServiceDefinition(
        name="referral",
        database=settings.database,
        migrations=MIGRATIONS,
        publishes=[str(t) for t in PUBLISHES],
        consumes=[str(t) for t in CONSUMES],
        handlers=handler_table(clock),
        build_app=lambda ctx: build_app(ctx, settings, clock, command_topics, view, vault),
        workers=workers,
        subscriptions=subscriptions,
    )


def runtime(settings: Settings, clock: Clock | None = None) -> ServiceRuntime:
    return ServiceRuntime(
        definition(settings, clock),
        settings.hub,
        http_host=settings.http_host,
        http_port=settings.http_port,
    )


__all__ = ["definition", "runtime"]
