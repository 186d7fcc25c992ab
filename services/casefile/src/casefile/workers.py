"""Background passes: weekly deadline notices, retention erasure, and the data steps of
migrations 0011 (sealing older plaintext evidence references) and 0020 (re-sealing older
texts in NFC). Each pass is one message on the bus, i.e. one transaction; `bootstrap` runs
each in one instance at a time (`hub_runtime.leadership.single_instance`)."""

import logging

from hub_runtime.service import ServiceContext

from casefile import messages as m
from casefile.bus import message_bus
from casefile.deps import Deps
from casefile.repository.persons import vacuum_keys

log = logging.getLogger(__name__)


async def deadline_pass(ctx: ServiceContext, deps: Deps) -> int:
    """Send the notices due now; returns how many. Safe to run in several processes at once."""
    sent = await message_bus(ctx, deps).dispatch(m.SendDeadlineNotices(deps.clock()))
    if sent:
        log.info("deadline notices sent", extra={"service": ctx.name, "count": sent})
    return sent


async def seal_legacy_evidence(ctx: ServiceContext, deps: Deps) -> int:
    """Seal every plaintext evidence reference left from before migration 0011; returns how
    many rows it handled. A no-op query once done; safe in several processes at once."""
    bus, total = message_bus(ctx, deps), 0
    while handled := await bus.dispatch(m.SealLegacyEvidence()):
        total += handled
    if total:
        log.info("plaintext evidence references sealed", extra={"count": total})
    return total


async def normalise_stored_texts(ctx: ServiceContext, deps: Deps) -> int:
    """Re-seal in NFC every text stored before migration 0020, one transaction per batch of
    persons; returns how many ciphertexts changed. A no-op query once every person is
    checked; safe in several processes at once."""
    bus, persons, resealed = message_bus(ctx, deps), 0, 0
    while True:
        checked, changed = await bus.dispatch(m.NormaliseStoredTexts())
        persons += checked
        resealed += changed
        if checked == 0:
            break
    if persons:
        log.info(
            "stored texts checked for NFC: %d persons, %d ciphertexts re-sealed",
            persons,
            resealed,
            extra={"service": ctx.name, "count": persons},
        )
    return resealed


async def index_persons(ctx: ServiceContext, deps: Deps, *, every: bool = False) -> int:
    """The blind index of every open case without one (the data step of migration 0022), or
    of ``every`` open case (`casefile.reindex`), one transaction per batch; returns how many
    were indexed. A person already indexed under another open case is counted in the log and
    tried again at the next pass."""
    bus, after, indexed, known = message_bus(ctx, deps), None, 0, 0
    while True:
        batch = await bus.dispatch(m.IndexPersons(after=after, every=every))
        indexed, known = indexed + batch.indexed, known + len(batch.already_known)
        if batch.last is None:
            break
        after = batch.last
    if indexed or known:
        log.info(
            "persons indexed: %d; %d left unindexed as another open case's person",
            indexed,
            known,
            extra={"service": ctx.name, "count": indexed},
        )
    return indexed


async def retention_pass(ctx: ServiceContext, deps: Deps, retention_days: int) -> int:
    """Erase persons of cases closed longer than the retention period; returns how many."""
    erased = await message_bus(ctx, deps).dispatch(m.EraseAfterRetention(retention_days))
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
            await vacuum_keys(conn)
    except Exception as exc:  # a later pass or autovacuum does it; never fail the erasure
        log.warning("vacuum of person keys failed", extra={"error_type": type(exc).__name__})
