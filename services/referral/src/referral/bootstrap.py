"""The one place where the referral service is wired together: its `ServiceDefinition`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hub_runtime.bus import MessageBus
from hub_runtime.leadership import single_instance
from hub_runtime.notify import Broadcast
from hub_runtime.service import ServiceContext, ServiceDefinition, Subscription, Worker

from referral.api import build_app
from referral.casefile_client import HttpCaseFile
from referral.clock import Clock
from referral.config import Settings
from referral.deps import Deps
from referral.kafka_commands import COMMAND_GROUP, COMMAND_TOPICS, command_handlers
from referral.routes import CONSUMES, PUBLISHES, ROUTES, batch_handler, event_handlers
from referral.unit_of_work import PostgresUnitOfWork, unit_of_work_factory
from referral.vault import KEK_CONTEXT, CaseVault
from referral.view_catch_up import INBOX_CHANNEL, NO_CATCH_UP, CaseViewCatchUp
from referral.workers import expiry_round

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def definition(settings: Settings, clock: Clock | None = None) -> ServiceDefinition:
    """The referral service: its database and migrations, the topics it publishes and
    consumes, its event routes, the command consumer (its own group, ``referral-commands``,
    unless `REFERRAL_COMMANDS_ENABLED` is false), the HTTP API and the expiry worker.
    ``clock``: the service's now and today (tests pin it)."""
    deps = Deps(
        clock=clock or Clock(ZoneInfo(settings.timezone)),
        vault=CaseVault(settings.keyring(KEK_CONTEXT)),
    )
    answer_within = timedelta(seconds=settings.answer_timeout_seconds)

    async def expiry(ctx: ServiceContext) -> int:
        bus = MessageBus(ROUTES, unit_of_work_factory(ctx.pool), deps)
        return await expiry_round(bus, answer_within)

    # One instance at a time runs the round (hub_runtime.leadership); a round also stays safe
    # run twice at once (SKIP LOCKED, advisory locks per case). `hold_open` runs everywhere.
    workers: list[Worker] = [
        single_instance("expiry_worker", expiry, settings.expiry_check_seconds)
    ]
    view = NO_CATCH_UP
    if settings.casefile_url:
        case_file = HttpCaseFile(
            settings.casefile_url,
            settings.hub.jwt_secret.get_secret_value(),
            settings.casefile_timeout_seconds,
        )
        applied = Broadcast(INBOX_CHANNEL)

        async def listen(ctx: ServiceContext) -> None:
            await applied.listen(ctx.pool)

        workers += [case_file.hold_open, listen]
        view = CaseViewCatchUp(
            case_file, within_seconds=settings.view_catch_up_seconds, applied=applied
        )
    # Commands have a consumer of their own: a command waiting for a case the view has not
    # seen yet is retried there, where it cannot hold up the CaseOpened it waits for.
    subscriptions = (
        [
            Subscription(
                group=COMMAND_GROUP,
                topics=[str(t) for t in COMMAND_TOPICS],
                handlers=command_handlers(deps),
                max_attempts=settings.command_max_attempts,
            )
        ]
        if settings.commands_enabled
        else []
    )
    command_topics = COMMAND_TOPICS if settings.commands_enabled else ()
    return ServiceDefinition(
        name="referral",
        database=settings.database,
        migrations=MIGRATIONS,
        publishes=[str(t) for t in PUBLISHES],
        consumes=[str(t) for t in CONSUMES],
        handlers=event_handlers(deps),
        batch_handler=batch_handler(deps),
        unit_of_work=PostgresUnitOfWork,
        build_app=lambda ctx: build_app(ctx, deps, command_topics, view),
        workers=workers,
        subscriptions=subscriptions,
    )


__all__ = ["MIGRATIONS", "definition"]
