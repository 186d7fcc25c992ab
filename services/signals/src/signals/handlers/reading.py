"""Reading what is published: stored releases only, so nothing below k ever leaves here.

No read publishes: a closed period that has no release yet answers `NotPublishedError`.
Refusals never echo a requested table or dimension name (it may be personal data typed by
mistake); they list what is allowed instead.
"""

from typing import Any

from signals.deps import Deps
from signals.domain.catalogue import (
    NotAllowedError,
    TableSpec,
    allowed_tables,
    table_for_dimensions,
)
from signals.domain.periods import is_closed
from signals.errors import (
    CrosstabNotAllowedError,
    NotPublishedError,
    PeriodOpenError,
    TableNotAllowedError,
    TableNotReleasedError,
)
from signals.handlers.publishing import check_plausible, open_until
from signals.messages import (
    CountContributions,
    ListPublishedPeriods,
    ListTables,
    ReadCrosstab,
    ReadRelease,
    ReadTable,
)
from signals.repository.protocols import ContributionCount, PublishedPeriod, Release
from signals.unit_of_work import SignalsUnitOfWork


async def list_tables(message: ListTables, uow: SignalsUnitOfWork, deps: Deps) -> list[TableSpec]:
    """The allowed cross-tabulations under the settings (the country table only if allowed)."""
    del message, uow
    return list(allowed_tables(deps.settings.allow_country_of_origin).values())


async def list_published_periods(
    message: ListPublishedPeriods, uow: SignalsUnitOfWork, deps: Deps
) -> list[PublishedPeriod]:
    """Every published period, oldest first, with its tables."""
    del message, deps
    return await uow.releases.published_periods()


async def read_release(message: ReadRelease, uow: SignalsUnitOfWork, deps: Deps) -> Release:
    """The stored release of the period. Raises `ImplausiblePeriodError` for a period outside
    2000-01 .. now, `PeriodOpenError` while it is open, `NotPublishedError` once it is closed
    and not published yet."""
    period, now = message.period, deps.clock()
    check_plausible(period, now)
    release = await uow.releases.get(period)
    if release:
        return release
    if not is_closed(period, now, deps.settings.grace_days):
        raise PeriodOpenError(open_until(period, deps.settings))
    raise NotPublishedError(
        f"the period {period} is closed but not published yet; the scheduled job publishes"
        " it, or an admin with POST /admin/periods/{period}/publish"
    )


async def read_table(message: ReadTable, uow: SignalsUnitOfWork, deps: Deps) -> dict[str, Any]:
    """One table of the period's release (its ``SignalsPublished.v2`` payload as JSON).

    Raises `ImplausiblePeriodError` for a period that is no plausible month (checked first: a
    malformed request is 422 whatever the table, as the publish route answers it; the seventh
    trial got 404 ``table_not_allowed`` for ``2026-13``), then `TableNotAllowedError` for a name
    outside the catalogue, then what `read_release` raises, then `TableNotReleasedError` when
    the release lacks the table."""
    check_plausible(message.period, deps.clock())
    allowed = allowed_tables(deps.settings.allow_country_of_origin)
    if message.table not in allowed:
        names = ", ".join(sorted(allowed))
        raise TableNotAllowedError(
            f"this table is not an allowed cross-tabulation; allowed: {names}"
        )
    release = await read_release(ReadRelease(message.period), uow, deps)
    if message.table not in release:
        # An allowed name (checked above), so repeating it reveals nothing typed by mistake.
        raise TableNotReleasedError(
            f"the table {message.table!r} is not part of the release of {message.period}"
        )
    return release[message.table]


async def read_crosstab(
    message: ReadCrosstab, uow: SignalsUnitOfWork, deps: Deps
) -> dict[str, Any]:
    """The table with exactly these dimensions, in either order (the answer keeps the table's
    own order). Raises `ImplausiblePeriodError` for a period that is no plausible month, then
    `CrosstabNotAllowedError` for any other cross-tabulation, then what `read_table` raises."""
    check_plausible(message.period, deps.clock())
    try:
        spec = table_for_dimensions(message.dimensions, deps.settings.allow_country_of_origin)
    except NotAllowedError as exc:
        raise CrosstabNotAllowedError(str(exc)) from None
    return await read_table(ReadTable(message.period, spec.name), uow, deps)


async def count_contributions(
    message: CountContributions, uow: SignalsUnitOfWork, deps: Deps
) -> list[ContributionCount]:
    """How many contributions exist per period and table (operations; never a cell)."""
    del message, deps
    return await uow.contributions.summary()
