"""Background loops: weekly deadline notices, retention erasure, and the data steps of
migrations 0011 (sealing older plaintext evidence references) and 0020 (re-sealing older
texts in NFC). Each pass is one transaction."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hub_runtime.service import ServiceContext

from casefile import deadline_notices, efforts, handlers, nfc_texts
from casefile import repository as repo
from casefile.handlers import Deps

log = logging.getLogger(__name__)


async def deadline_pass(ctx: ServiceContext, deps: Deps) -> int:
    """Send the notices due now; returns how many. Safe to run in several processes at once."""
    async with ctx.unit_of_work() as uow:
        sent = await deadline_notices.send_due_notices(uow, deps.clock())
        await uow.commit()
    if sent:
        log.info("deadline notices sent", extra={"service": ctx.name, "count": sent})
    return sent


async def seal_legacy_evidence(ctx: ServiceContext, deps: Deps) -> int:
    """Seal every plaintext evidence reference left from before migration 0011; returns how
    many rows it handled. A no-op query once done; safe in several processes at once."""
    total = 0
    while True:
        async with ctx.unit_of_work() as uow:
            handled = await efforts.seal_legacy_evidence(uow, deps.vault)
            await uow.commit()
        total += handled
        if handled == 0:
            break
    if total:
        log.info("plaintext evidence references sealed", extra={"count": total})
    return total


async def normalise_stored_texts(ctx: ServiceContext, deps: Deps) -> int:
    """Re-seal in NFC every text stored before migration 0020, one transaction per batch of
    persons; returns how many ciphertexts changed. A no-op query once every person is
    checked; safe in several processes at once."""
    persons = resealed = 0
    while True:
        async with ctx.unit_of_work() as uow:
            batch = await nfc_texts.normalise_batch(uow, deps.vault)
            await uow.commit()
        persons += batch.persons
        resealed += batch.resealed
        if batch.persons == 0:
            break
    if persons:
        log.info(
            "stored texts checked for NFC: %d persons, %d ciphertexts re-sealed",
            persons,
            resealed,
            extra={"service": ctx.name, "count": persons},
        )
    return resealed


async def retention_pass(ctx: ServiceContext, deps: Deps, retention_days: int) -> int:
    """Erase persons of cases closed longer than the retention period; returns how many."""
    async with ctx.unit_of_work() as uow:
        erased = await handlers.retention_pass(uow, deps, retention_days)
        await uow.commit()
    if erased:
        log.info(
            "persons erased after retention", extra={"service": ctx.name, "count": len(erased)}
        )
        await vacuum_destroyed_keys(ctx)
    return len(erased)


async def vacuum_destroyed_keys(ctx: ServiceContext) -> None:
    """Best effort: drop dead row versions of destroyed keys from the table files."""
    try:
        async with ctx.pool.acquire() as conn:
            await repo.vacuum_keys(conn)
    except Exception as exc:  # a later pass or autovacuum does it; never fail the erasure
        log.warning("vacuum of person keys failed", extra={"error_type": type(exc).__name__})


def every(
    seconds: float, run: Callable[[ServiceContext], Awaitable[object]], name: str
) -> Callable[[ServiceContext], Awaitable[None]]:
    """A worker that runs `run` every `seconds` (the runtime restarts it if it ever dies)."""

    async def loop(ctx: ServiceContext) -> None:
        while True:
            await run(ctx)
            await asyncio.sleep(seconds)

    loop.__name__ = name
    return loop
