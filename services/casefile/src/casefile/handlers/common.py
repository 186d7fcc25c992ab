"""What many handlers share: the writable case, date plausibility, timeline entries."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from casefile.domain.model import Case
from casefile.errors import (
    BEFORE_1900_RULE,
    FUTURE_RULE,
    CaseClosedError,
    CaseNotFoundError,
    ImplausibleDateError,
    PersonErasedGoneError,
)
from casefile.repository.timeline import TimelineEntry
from casefile.unit_of_work import CasefileUow

EARLIEST_PLAUSIBLE_YEAR = 1900
"""Before 1900 a date in a case is a typing error (as for dates of birth, see model.py)."""
ENTRY_BAN_START_MAX_AHEAD = timedelta(days=366)
"""An entry ban starts at the departure, which is planned at most about a year ahead."""
CLOCK_SKEW = timedelta(minutes=5)
"""A counsellor's tool may send "now" from a clock running slightly ahead of ours."""


async def existing_case(uow: CasefileUow, case_id: UUID, *, lock: bool = False) -> Case:
    """The case, readable: raises `CaseNotFoundError` (404) and `PersonErasedGoneError` (410)."""
    case = await uow.cases.get(case_id, lock=lock)
    if case is None:
        raise CaseNotFoundError()
    if case.is_erased:
        raise PersonErasedGoneError()
    return case


async def writable_case(uow: CasefileUow, case_id: UUID, *, closed_ok: bool = False) -> Case:
    """The case, locked for this transaction; 404 unknown, 410 erased, 409 ``case_closed``
    (`CaseClosedError`) when closed, unless ``closed_ok``.

    A closed case still takes (``closed_ok``): the erasure of the person (GDPR art. 17, and the
    retention worker), the rectification of the person's data (GDPR art. 16, without tracking
    deadlines again) and the closing call itself (answered ``already_closed``). Everything that
    would move the case on is refused: a new decision could start a referral on a case whose
    referrals were withdrawn when it closed.
    """
    case = await existing_case(uow, case_id, lock=True)
    if case.is_closed and not closed_ok:
        raise CaseClosedError()
    return case


# Reasons name the field, never the submitted date (the README: no answer echoes the input).
def not_in_future(day: date, today: date, what: str) -> None:
    """Raises `ImplausibleDateError` ``date_in_future`` when ``day`` is after ``today``."""
    if day > today:
        raise ImplausibleDateError(
            f"{what} lies in the future", code="date_in_future", fields=[what], rule=FUTURE_RULE
        )


def not_implausibly_old(day: date, what: str) -> None:
    """Raises `ImplausibleDateError` ``date_implausible`` for a day before 1900."""
    if day.year < EARLIEST_PLAUSIBLE_YEAR:
        raise ImplausibleDateError(
            f"{what} is before {EARLIEST_PLAUSIBLE_YEAR}",
            code="date_implausible",
            fields=[what],
            rule=BEFORE_1900_RULE,
        )


def plausible_past_day(day: date, today: date, what: str) -> None:
    """A day something already happened on: not in the future, not before 1900 (422)."""
    not_in_future(day, today, what)
    not_implausibly_old(day, what)


def not_before_case(day: date, case: Case, what: str) -> None:
    """Raises `ImplausibleDateError` ``date_before_case`` for a day before the case opened."""
    if day < case.opened_on:
        raise ImplausibleDateError(
            f"{what} is before the case was opened ({case.opened_on.isoformat()})",
            code="date_before_case",
        )


async def add_timeline(
    uow: CasefileUow,
    case_id: UUID,
    kind: str,
    details: dict[str, Any],
    *,
    entry_id: UUID | None = None,
) -> UUID:
    """Append casefile's own entry (codes, ids and dates only); returns its ``entry_id``."""
    entry = TimelineEntry(
        entry_id=entry_id or uuid4(),
        case_id=case_id,
        occurred_at=datetime.now(UTC),
        kind=kind,
        source="casefile",
        details=details,
    )
    await uow.timeline.add(entry)
    return entry.entry_id
