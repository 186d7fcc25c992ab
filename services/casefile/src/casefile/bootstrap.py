"""The one place that wires casefile together: its `ServiceDefinition`.

Tests start it with ``service_runtime(definition(settings, clock), settings)``
(`hub_runtime.entry`); the process with `casefile.main`.
"""

from functools import partial
from pathlib import Path

from hub_runtime.bus import bind_batch, bind_events
from hub_runtime.leadership import single_instance
from hub_runtime.service import ServiceContext, ServiceDefinition

from casefile import api, workers
from casefile.config import Settings
from casefile.deps import Clock, Deps, system_clock
from casefile.domain import crypto
from casefile.routes import ROUTES
from casefile.unit_of_work import CasefileUnitOfWork
from casefile.vault import PersonVault

NAME = "casefile"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def deps(settings: Settings, clock: Clock = system_clock) -> Deps:
    """What casefile's handlers need besides a unit of work: the vault and the clock."""
    vault = PersonVault(settings.keyring(crypto.CONTEXT), settings.index_key.get_secret_value())
    return Deps(vault=vault, clock=clock)


def definition(settings: Settings, clock: Clock = system_clock) -> ServiceDefinition:
    """Casefile as the runtime runs it: topics, event routes, HTTP edge and workers.

    ``clock`` (aware datetimes) replaces the system clock in tests."""
    wired = deps(settings, clock)

    async def deadlines(ctx: ServiceContext) -> int:
        return await workers.deadline_pass(ctx, wired)

    async def evidence(ctx: ServiceContext) -> int:
        return await workers.seal_legacy_evidence(ctx, wired)

    async def nfc(ctx: ServiceContext) -> int:
        return await workers.normalise_stored_texts(ctx, wired)

    async def index(ctx: ServiceContext) -> int:
        return await workers.index_persons(ctx, wired)

    async def retention(ctx: ServiceContext) -> int:
        return await workers.retention_pass(ctx, wired, settings.retention_days)

    return ServiceDefinition(
        name=NAME,
        database=settings.database,
        migrations=MIGRATIONS,
        publishes=api.PUBLISHES,
        consumes=api.CONSUMES,
        handlers=bind_events(ROUTES, wired),
        batch_handler=bind_batch(ROUTES, wired),
        unit_of_work=CasefileUnitOfWork,
        build_app=partial(api.build_app, deps=wired),
        # Each runs in one instance at a time (hub_runtime.leadership); every pass also stays
        # safe run twice at once (its rows are claimed FOR UPDATE SKIP LOCKED).
        workers=[
            single_instance("deadline_worker", deadlines, settings.deadline_check_seconds),
            single_instance("retention_worker", retention, settings.retention_check_seconds),
            # The data step of migration 0011: seals older rows at start-up, then finds none.
            single_instance("evidence_sealer", evidence, settings.retention_check_seconds),
            # The data step of migration 0020: older texts re-sealed in NFC, then none left.
            single_instance("nfc_normaliser", nfc, settings.retention_check_seconds),
            # The data step of migration 0022: open cases from before it get their blind index.
            single_instance("person_indexer", index, settings.retention_check_seconds),
        ],
    )
