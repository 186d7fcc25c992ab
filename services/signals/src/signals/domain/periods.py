"""Reporting periods are calendar months, written ``YYYY-MM``."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, timedelta

from hub_contracts.codes import PERIOD

_LAST_PERIOD = "9999-12"

EARLIEST_PERIOD = "2000-01"
"""No earlier month is plausible: neither this service nor its sources saw cases before it.

A release is never revised, so a typo such as year 0001 or 1990 must not become one."""


class InvalidPeriodError(ValueError):
    """A string that is not a plausible ``YYYY-MM`` period (message safe to show: no input)."""


def period_of(day: date) -> str:
    """The period (month) a day belongs to."""
    return f"{day.year:04d}-{day.month:02d}"


def parse_period(period: str) -> tuple[int, int]:
    """(year, month) of a period; raises :class:`InvalidPeriodError` for anything else.

    The form is the contracts' one (``hub_contracts.codes.PERIOD``, the period of
    ``SignalsPublished.v2``): matched whole and ASCII only (``$`` would let "2024-01\\n"
    through, ``\\d`` "٢٠٢٤-01"), no year 0000 (``date`` starts at year 1).
    """
    try:
        PERIOD.validate(period)
    except ValueError:
        raise InvalidPeriodError("a period is a month written YYYY-MM") from None
    return int(period[:4]), int(period[5:])


def plausible_period(period: str, now: datetime) -> str:
    """The period itself if it is a month from :data:`EARLIEST_PERIOD` up to ``now``'s month.

    A later month is not closed yet, so it has nothing to publish; refusing it as well keeps
    the date arithmetic of the closing time away from the end of the calendar.
    """
    check_plausible_month(*parse_period(period), now)
    return period


_EARLIEST_MONTH = parse_period(EARLIEST_PERIOD)


def check_plausible_month(year: int, month: int, now: datetime) -> None:
    """The range rule of :func:`plausible_period` on a (year, month), without parsing text: the
    consumer applies it to every event's day."""
    today = now.astimezone(UTC).date()
    if not _EARLIEST_MONTH <= (year, month) <= (today.year, today.month):
        raise InvalidPeriodError(f"a period lies between {EARLIEST_PERIOD} and {period_of(today)}")


def first_day(period: str) -> date:
    """The first day of ``period``; raises `InvalidPeriodError` for a malformed one."""
    year, month = parse_period(period)
    return date(year, month, 1)


def next_period(period: str) -> str:
    """The month after ``period``; raises `InvalidPeriodError` after 9999-12."""
    year, month = parse_period(period)
    if period == _LAST_PERIOD:
        raise InvalidPeriodError(f"no period follows {_LAST_PERIOD}")
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def closes_at(period: str, grace_days: int) -> datetime:
    """When a period becomes closed: the first instant of the next month plus the grace days.

    The grace lets events that happened in the month but arrive late still be counted before
    the period is published (a published period is never revised).
    """
    start_next = first_day(next_period(period))
    return datetime(start_next.year, start_next.month, start_next.day, tzinfo=UTC) + timedelta(
        days=grace_days
    )


def is_closed(period: str, now: datetime, grace_days: int) -> bool:
    """Whether ``period`` is closed at ``now`` (aware): see `closes_at`."""
    return now >= closes_at(period, grace_days)


def periods_between(start: date, end: date, *, limit: int = 60) -> list[str]:
    """Every period from ``start``'s month to ``end``'s month, at most ``limit`` of them."""
    return list(_periods_between(start, end, limit))


@functools.lru_cache(maxsize=1024)  # consents of one day share their validity windows
def _periods_between(start: date, end: date, limit: int) -> tuple[str, ...]:
    periods: list[str] = []
    current = period_of(start)
    last = period_of(end)
    while current <= last and len(periods) < limit:
        periods.append(current)
        if current == last:  # the last month of the calendar has no next one
            break
        current = next_period(current)
    return tuple(periods)
