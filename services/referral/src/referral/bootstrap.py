"""The one place where the referral service is wired together."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hub_runtime.service import ServiceContext, ServiceDefinition, Worker

from referral.api import build_app
from referral.casefile_client import HttpCaseFile
from referral.clock import Clock
from referral.config import Settings
from referral.consumer import CONSUMES, PUBLISHES, handler_table
from referral.kafka_commands import COMMAND_TOPICS, CommandIntake
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
    if settings.commands_enabled:
        # Its own consumer (group "<name>-commands"), not in `consumes`: see CommandIntake.
        intake = CommandIntake(clock, settings.command_max_attempts, vault)

        async def commands(ctx: ServiceContext) -> None:
            await intake.run(ctx)

        workers.append(commands)
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
    )


__all__ = ["MIGRATIONS", "definition"]
