"""Publishing a closed period: count, protect, (optionally) add noise, store and emit, once.

A release is permanent: it is never revised, so publishing is a decision (the publisher's
schedule, or an admin's POST), never a side effect of a read (RFC 9110 section 9.2.1: GET is
safe).
"""

import logging
from datetime import datetime

from signals.config import Settings
from signals.deps import Deps
from signals.domain import catalogue
from signals.domain.disclosure import CountTable, protect_period
from signals.domain.periods import InvalidPeriodError, closes_at, is_closed, plausible_period
from signals.domain.privacy import BudgetExceededError, BudgetLedger, LaplaceMechanism
from signals.domain.release import to_event
from signals.errors import BudgetExhaustedError, ImplausiblePeriodError, PeriodOpenError
from signals.messages import ListDuePeriods, PublishPeriod
from signals.repository.protocols import Release
from signals.unit_of_work import SignalsUnitOfWork

log = logging.getLogger(__name__)


async def publish_period(message: PublishPeriod, uow: SignalsUnitOfWork, deps: Deps) -> Release:
    """Publish the closed period once; a repeat returns the stored release unchanged.

    Emits one ``SignalsPublished.v2`` per table (subject = the period) in the transaction that
    stores the release. Raises `ImplausiblePeriodError` (before anything is read),
    `PeriodOpenError` while the period is open, `BudgetExhaustedError` when the noise layer
    would overspend the period's privacy budget."""
    period, settings, now = message.period, deps.settings, deps.clock()
    check_plausible(period, now)
    await uow.releases.lock_period(period)
    stored = await uow.releases.get(period)
    if stored:
        return stored
    if not is_closed(period, now, settings.grace_days):
        raise PeriodOpenError(open_until(period, settings))
    tables = await _count_tables(uow, settings, period)
    epsilon: float | None = None
    if settings.dp_enabled:
        mechanism = LaplaceMechanism.for_epsilon(
            settings.dp_epsilon_per_table, settings.max_cells_per_person
        )
        epsilon = mechanism.epsilon
        tables = await _add_noise(uow, settings, period, tables, mechanism)
    protected = protect_period(
        tables, settings.k_threshold, settings.rounding_base, catalogue.LINKED_BY_CATEGORY
    )
    release: Release = {}
    for table in protected:
        event = to_event(
            period, table, k=settings.k_threshold, base=settings.rounding_base, epsilon=epsilon
        )
        uow.emit(event, subject=period)
        release[table.name] = event.model_dump(mode="json")
    await uow.releases.save(period, list(release.items()))
    log.info("period published", extra={"count": len(release)})
    return release


async def list_due_periods(
    message: ListDuePeriods, uow: SignalsUnitOfWork, deps: Deps
) -> list[str]:
    """Closed, plausible periods with contributions and no release yet, oldest first.

    Contributions stored before periods were checked may lie outside the plausible range; such
    periods are left alone (and logged) rather than published."""
    del message
    now, grace = deps.clock(), deps.settings.grace_days
    due: list[str] = []
    for period in await uow.contributions.unpublished_periods():
        try:
            plausible_period(period, now)
        except InvalidPeriodError:
            log.warning(
                "contributions of an implausible period not published", extra={"period": period}
            )
            continue
        if is_closed(period, now, grace):
            due.append(period)
    return due


def check_plausible(period: str, now: datetime) -> None:
    """Refuse a period that is not a month from 2000-01 up to ``now``'s (UTC), or malformed,
    with `ImplausiblePeriodError` (the reason never repeats the input)."""
    try:
        plausible_period(period, now)
    except InvalidPeriodError as exc:
        raise ImplausiblePeriodError(str(exc)) from None


def open_until(period: str, settings: Settings) -> str:
    """The reason of `PeriodOpenError`: when the period closes (ISO 8601, UTC)."""
    return f"the period {period} is open until {closes_at(period, settings.grace_days).isoformat()}"


def publishable_tables(settings: Settings) -> dict[str, catalogue.TableSpec]:
    """Tables of a release. The open-valued country table is left out under noise: which
    country codes appear at all would not be protected by the noise."""
    tables = catalogue.allowed_tables(settings.allow_country_of_origin)
    if settings.dp_enabled:
        tables = {n: s for n, s in tables.items() if all(d.values for d in s.dimensions)}
    return tables


async def _count_tables(
    uow: SignalsUnitOfWork, settings: Settings, period: str
) -> list[CountTable]:
    tables: list[CountTable] = []
    for spec in publishable_tables(settings).values():
        counts = await uow.contributions.cell_counts(
            period,
            spec.name,
            spec.dimension_names,
            require_consent=settings.require_reporting_consent,
        )
        axes = tuple(
            d.values if d.values is not None else tuple(sorted({k[i] for k in counts}))
            for i, d in enumerate(spec.dimensions)
        )
        tables.append(CountTable(spec.name, spec.dimension_names, axes, counts))
    return tables


async def _add_noise(
    uow: SignalsUnitOfWork,
    settings: Settings,
    period: str,
    tables: list[CountTable],
    mechanism: LaplaceMechanism,
) -> list[CountTable]:
    """Charge the ledger for every table first (all or nothing), then add the noise."""
    ledger = BudgetLedger(settings.dp_budget_per_period, await uow.ledger.lock(period))
    try:
        for table in tables:
            ledger = ledger.charge(table.name, mechanism.epsilon)
    except BudgetExceededError as exc:
        raise BudgetExhaustedError(str(exc)) from None
    for table in tables:
        await uow.ledger.record_spend(period, table.name, mechanism.epsilon)
    return [mechanism.noisy(table) for table in tables]
