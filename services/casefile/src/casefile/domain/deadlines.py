"""Time limits of the return procedure (domain.md, §1.1, §1.2) on real calendar dates.

Dates are stored as dates; where the time of day matters (the 14-day detention limit) the
computation runs in Europe/Amsterdam wall-clock time, so a daylight-saving change inside the
period neither shortens nor lengthens it by an hour on the clock the person lives by.
"""

from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from hub_contracts.vocabulary import DeadlineKind

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

DEPARTURE_PERIOD_DAYS = 28
MAX_EXTENSION_WEEKS = 12
ADULT_AGE = 18
DEFAULT_ENTRY_BAN_YEARS = 2
MAX_ENTRY_BAN_YEARS = 10
FAMILY_DETENTION_DAYS = 14


class DeadlineRuleError(ValueError):
    """Input that no rule allows (e.g. an extension of 13 weeks); the text is for people."""


_OUTSIDE_CALENDAR = "the deadline would fall outside the calendar (years 1 to 9999)"
Day = TypeVar("Day", date, datetime)


def _shifted(start: Day, by: timedelta) -> Day:
    """`start + by`, refused as a rule error instead of an OverflowError near year 1 or 9999:
    the handlers refuse implausible dates first, this keeps every caller from a crash."""
    try:
        return start + by
    except OverflowError as exc:
        raise DeadlineRuleError(_OUTSIDE_CALENDAR) from exc


@dataclass(frozen=True)
class Due:
    """A computed time limit: its ``kind``, the last day (``due_date``, a calendar date) and, where
    the time of day matters (the family detention limit), ``due_at``: a timezone-aware moment in
    Europe/Amsterdam; None otherwise."""

    kind: DeadlineKind
    due_date: date
    due_at: datetime | None = None  # only where the time of day matters


def add_years(start: date, years: int, *, leap_day_to_march: bool) -> date:
    """`start` plus whole years. 29 February in a non-leap target year becomes 28 February,
    or 1 March when `leap_day_to_march` (the choice depends on whom the later day protects)."""
    target = start.year + years
    if not MINYEAR <= target <= MAXYEAR:
        raise DeadlineRuleError(_OUTSIDE_CALENDAR)
    try:
        return start.replace(year=target)
    except ValueError:  # 29 February into a non-leap year
        return date(target, 3, 1) if leap_day_to_march else date(target, 2, 28)


def departure_period(final_decision_on: date, *, shortened: bool = False) -> Due:
    """28 days from the final decision; shortened to 0 days the period ends that same day."""
    days = 0 if shortened else DEPARTURE_PERIOD_DAYS
    return Due(DeadlineKind.DEPARTURE_PERIOD, _shifted(final_decision_on, timedelta(days=days)))


def extension(departure_end: date, *, weeks: int, cooperating: bool) -> Due:
    """An extension (in a VBL) of up to 12 weeks after the departure period, only when the
    person cooperates with return."""
    if not cooperating:
        raise DeadlineRuleError("an extension is only possible when the person cooperates")
    if not 1 <= weeks <= MAX_EXTENSION_WEEKS:
        raise DeadlineRuleError(f"an extension is 1 to {MAX_EXTENSION_WEEKS} weeks")
    return Due(DeadlineKind.EXTENSION, _shifted(departure_end, timedelta(weeks=weeks)))


def family_location_end(children_born_on: list[date]) -> Due | None:
    """The right to the family location ends when the youngest child turns 18 (None: no
    children). A child born on 29 February turns 18 on 1 March in a non-leap year: the later
    day, because the right protects the family."""
    if not children_born_on:
        return None
    youngest = max(children_born_on)
    return Due(
        DeadlineKind.FAMILY_LOCATION_END,
        add_years(youngest, ADULT_AGE, leap_day_to_march=True),
    )


def entry_ban_end(starts_on: date, *, years: int = DEFAULT_ENTRY_BAN_YEARS) -> Due:
    """Normally 2 years, up to 10 in special cases. A ban from 29 February ends on 28
    February in a non-leap year: the earlier day, because the ban restricts the person."""
    if not 1 <= years <= MAX_ENTRY_BAN_YEARS:
        raise DeadlineRuleError(f"an entry ban lasts 1 to {MAX_ENTRY_BAN_YEARS} years")
    return Due(DeadlineKind.ENTRY_BAN_END, add_years(starts_on, years, leap_day_to_march=False))


def family_detention_limit(detained_at: datetime) -> Due:
    """At most 14 days, counted on the Amsterdam wall clock from the moment of detention."""
    if detained_at.tzinfo is None:
        raise DeadlineRuleError("the moment of detention needs a time zone")
    try:
        local = detained_at.astimezone(AMSTERDAM)  # overflows for a moment in year 0 or 10000
    except OverflowError as exc:
        raise DeadlineRuleError(_OUTSIDE_CALENDAR) from exc
    # Add days to the naive wall-clock time, then attach the zone again: across a DST change
    # the limit stays at the same hour of the day (335 or 337 hours later, not 336).
    wall_clock = _shifted(local.replace(tzinfo=None), timedelta(days=FAMILY_DETENTION_DAYS))
    limit = wall_clock.replace(tzinfo=AMSTERDAM)
    return Due(DeadlineKind.FAMILY_DETENTION_LIMIT, limit.date(), due_at=limit)


def age_on(born_on: date, on: date) -> int:
    """Age in whole years on a day (a 29 February child ages on 1 March in non-leap years)."""
    years = on.year - born_on.year
    birthday = add_years(born_on, years, leap_day_to_march=True) if years > 0 else born_on
    return years if on >= birthday else years - 1


def today_in_amsterdam(now: datetime) -> date:
    """The calendar day in the Netherlands at `now` (an aware datetime)."""
    return now.astimezone(AMSTERDAM).date()


class Notice(StrEnum):
    """What the deadline worker tells the hub about one deadline, each at most once.

    ``approaching_7`` and ``approaching_2`` are the daily reminders of before the weekly run
    (issue 12); rows of them may still be in the database and count as "reminded".
    """

    APPROACHING_7 = "approaching_7"
    APPROACHING_2 = "approaching_2"
    APPROACHING_WEEK = "approaching_week"
    PASSED = "passed"


REMINDED = frozenset({Notice.APPROACHING_7, Notice.APPROACHING_2, Notice.APPROACHING_WEEK})

PUBLICATION_WEEKDAY = 0
"""Deadline notices go out in a weekly run on Monday (``date.weekday()`` 0), Europe/Amsterdam.

The moment a notice is published would otherwise tell the day a limit ends or ended, and for a
family-location end that day is the youngest child's 18th birthday (issue 12, "no timing
channel"). Every notice of a week carries the week's start as its event time and is published
in the first run of that week, so a reader of the topic learns the week, never the day."""


def days_left(due_date: date, today: date) -> int:
    """Whole days from ``today`` until ``due_date``: 0 on the day itself, negative once it
    passed."""
    return (due_date - today).days


def publication_week(now: datetime) -> date:
    """The first day (a Monday, Europe/Amsterdam) of the publication week that holds ``now``."""
    today = today_in_amsterdam(now)
    return today - timedelta(days=(today.weekday() - PUBLICATION_WEEKDAY) % 7)


def publication_time(week: date) -> datetime:
    """The event time of every notice of the week: its first day at 00:00 in Amsterdam."""
    return datetime.combine(week, datetime.min.time(), tzinfo=AMSTERDAM)


def last_day_of_week(week: date) -> date:
    """The last day (a Sunday) of the publication week that starts on ``week`` (a Monday): ``week``
    + 6 days."""
    return week + timedelta(days=6)


def weekly_notice_due(due: date, week: date, already: frozenset[Notice]) -> Notice | None:
    """The one notice of a deadline in the run of the publication week starting ``week``.

    Passed: the limit's last day lies before the week (it passed in an earlier week; a limit
    with a time of day counts by its day). Approaching: the limit ends within the week and no
    reminder was sent yet. A limit first seen after it passed gets no late reminder.
    """
    if due < week:
        return None if Notice.PASSED in already else Notice.PASSED
    if due <= last_day_of_week(week) and not already & REMINDED:
        return Notice.APPROACHING_WEEK
    return None
