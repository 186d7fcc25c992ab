"""Deadline rules on real calendar dates: month ends, leap years, daylight-saving changes."""

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from casefile.domain import deadlines as dl
from casefile.domain.deadlines import AMSTERDAM, Notice
from hub_contracts.vocabulary import DeadlineKind
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("decided", "due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),  # across a short month end
        (date(2024, 2, 1), date(2024, 2, 29)),  # lands on a leap day
        (date(2023, 2, 1), date(2023, 3, 1)),  # same day, no leap year
        (date(2026, 12, 10), date(2027, 1, 7)),  # across the year end
        (date(2026, 3, 15), date(2026, 4, 12)),  # across the spring DST change
    ],
)
def test_departure_period_is_28_calendar_days(decided: date, due: date) -> None:
    result = dl.departure_period(decided)
    assert result.kind is DeadlineKind.DEPARTURE_PERIOD
    assert result.due_date == due


def test_a_shortened_departure_period_ends_the_day_of_the_decision() -> None:
    assert dl.departure_period(date(2026, 5, 4), shortened=True).due_date == date(2026, 5, 4)


def test_extension_up_to_twelve_weeks_only_when_cooperating() -> None:
    end = date(2024, 1, 3)
    assert dl.extension(end, weeks=12, cooperating=True).due_date == date(2024, 3, 27)
    assert dl.extension(end, weeks=8, cooperating=True).due_date == date(2024, 2, 28)
    with pytest.raises(dl.DeadlineRuleError, match="1 to 12 weeks"):
        dl.extension(end, weeks=13, cooperating=True)
    with pytest.raises(dl.DeadlineRuleError, match="cooperates"):
        dl.extension(end, weeks=4, cooperating=False)


def test_family_location_ends_when_the_youngest_child_turns_18() -> None:
    children = [date(2010, 6, 1), date(2015, 10, 31), date(2012, 1, 1)]
    result = dl.family_location_end(children)
    assert result is not None
    assert result.due_date == date(2033, 10, 31)
    assert dl.family_location_end([]) is None


def test_a_leap_day_child_turns_18_on_1_march_in_a_common_year() -> None:
    result = dl.family_location_end([date(2008, 2, 29)])
    assert result is not None
    assert result.due_date == date(2026, 3, 1)
    # ... and on 29 February when the 18th birthday falls in a leap year.
    result = dl.family_location_end([date(2012, 2, 29)])
    assert result is not None
    assert result.due_date == date(2030, 3, 1)
    result = dl.family_location_end([date(2016, 2, 29)])
    assert result is not None
    assert result.due_date == date(2034, 3, 1)
    result = dl.family_location_end([date(2006, 2, 28)])
    assert result is not None
    assert result.due_date == date(2024, 2, 28)


def test_entry_ban_end_normally_two_years_up_to_ten() -> None:
    assert dl.entry_ban_end(date(2025, 8, 31)).due_date == date(2027, 8, 31)
    assert dl.entry_ban_end(date(2024, 2, 29)).due_date == date(2026, 2, 28)
    assert dl.entry_ban_end(date(2024, 2, 29), years=4).due_date == date(2028, 2, 29)
    assert dl.entry_ban_end(date(2020, 1, 1), years=10).due_date == date(2030, 1, 1)
    with pytest.raises(dl.DeadlineRuleError):
        dl.entry_ban_end(date(2020, 1, 1), years=11)


def test_family_detention_limit_keeps_the_wall_clock_hour_across_dst() -> None:
    # Detained 10:00 in Amsterdam on 20 March 2026 (CET); DST starts 29 March.
    detained = datetime(2026, 3, 20, 10, 0, tzinfo=AMSTERDAM)
    limit = dl.family_detention_limit(detained)
    assert limit.due_date == date(2026, 4, 3)
    assert limit.due_at is not None
    assert limit.due_at.astimezone(AMSTERDAM).hour == 10
    # Python subtracts same-zone datetimes on the wall clock: compare in UTC.
    assert limit.due_at.astimezone(UTC) - detained.astimezone(UTC) == timedelta(hours=335)
    # Across the autumn change (25 October 2026) the period is an hour longer.
    autumn = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # 11:00 CEST
    limit = dl.family_detention_limit(autumn)
    assert limit.due_at is not None
    assert limit.due_at.astimezone(AMSTERDAM).hour == 11
    assert limit.due_at - autumn == timedelta(days=14, hours=1)


def test_detention_near_midnight_utc_counts_the_amsterdam_day() -> None:
    # 23:30 UTC on 31 January is already 1 February in Amsterdam.
    limit = dl.family_detention_limit(datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    assert limit.due_date == date(2026, 2, 15)
    with pytest.raises(dl.DeadlineRuleError):
        dl.family_detention_limit(datetime(2026, 1, 31, 23, 30))


def test_age_counts_whole_years_with_leap_day_birthdays() -> None:
    assert dl.age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert dl.age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
    assert dl.age_on(date(2000, 5, 5), date(2018, 5, 4)) == 17
    assert dl.age_on(date(2000, 5, 5), date(2018, 5, 5)) == 18


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=AMSTERDAM)


def test_notices_in_order_7_then_2_then_passed() -> None:
    due = date(2026, 3, 31)
    none: frozenset[Notice] = frozenset()
    assert dl.notice_due(due, None, _at(date(2026, 3, 23)), none) is None  # 8 days left
    assert dl.notice_due(due, None, _at(date(2026, 3, 24)), none) is Notice.APPROACHING_7
    seven = frozenset({Notice.APPROACHING_7})
    assert dl.notice_due(due, None, _at(date(2026, 3, 25)), seven) is None
    assert dl.notice_due(due, None, _at(date(2026, 3, 29)), seven) is Notice.APPROACHING_2
    both = seven | {Notice.APPROACHING_2}
    assert dl.notice_due(due, None, _at(date(2026, 3, 31), 23), both) is None  # still the day
    assert dl.notice_due(due, None, _at(date(2026, 4, 1), 0), both) is Notice.PASSED
    assert dl.notice_due(due, None, _at(date(2026, 4, 2)), both | {Notice.PASSED}) is None


def test_a_late_seen_deadline_gets_only_the_relevant_notice() -> None:
    due = date(2026, 6, 10)
    none: frozenset[Notice] = frozenset()
    assert dl.notice_due(due, None, _at(date(2026, 6, 9)), none) is Notice.APPROACHING_2
    assert dl.notice_due(due, None, _at(date(2026, 6, 20)), none) is Notice.PASSED


def test_the_amsterdam_day_decides_not_the_utc_day() -> None:
    due = date(2026, 7, 1)
    # 22:30 UTC on 1 July is 00:30 on 2 July in Amsterdam (CEST): passed.
    late = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    assert dl.notice_due(due, None, late, frozenset()) is Notice.PASSED


def test_a_deadline_with_a_time_passes_at_that_moment() -> None:
    limit = dl.family_detention_limit(datetime(2026, 3, 20, 10, 0, tzinfo=AMSTERDAM))
    assert limit.due_at is not None
    sent = frozenset({Notice.APPROACHING_7, Notice.APPROACHING_2})
    before = limit.due_at - timedelta(minutes=1)
    assert dl.notice_due(limit.due_date, limit.due_at, before, sent) is None
    assert dl.notice_due(limit.due_date, limit.due_at, limit.due_at, sent) is Notice.PASSED


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
def test_every_day_walk_sends_each_notice_once_and_in_order(due: date) -> None:
    sent: list[Notice] = []
    for offset in range(-20, 5):
        now = _at(due + timedelta(days=offset), 9)
        notice = dl.notice_due(due, None, now, frozenset(sent))
        if notice is not None:
            sent.append(notice)
    assert sent == [Notice.APPROACHING_7, Notice.APPROACHING_2, Notice.PASSED]


@pytest.mark.parametrize(
    "compute",
    [
        lambda: dl.family_detention_limit(datetime(9999, 12, 25, 23, 0, tzinfo=UTC)),
        lambda: dl.family_detention_limit(
            datetime.fromisoformat("0001-01-01T00:30:00+01:00")  # year 0 in Amsterdam
        ),
        lambda: dl.entry_ban_end(date(9999, 6, 1), years=1),
        lambda: dl.entry_ban_end(date(9995, 2, 28), years=10),
        lambda: dl.entry_ban_end(date(9996, 2, 29), years=4),  # a leap day into year 10000
        lambda: dl.departure_period(date(9999, 12, 20)),
        lambda: dl.extension(date(9999, 12, 1), weeks=12, cooperating=True),
    ],
)
def test_a_deadline_beyond_the_calendar_is_a_rule_error_not_a_crash(
    compute: Callable[[], object],
) -> None:
    """Found by exploratory testing: OverflowError and AssertionError answered 500."""
    with pytest.raises(dl.DeadlineRuleError, match="outside the calendar"):
        compute()


def test_the_last_representable_deadlines_still_compute() -> None:
    assert dl.entry_ban_end(date(9989, 12, 31), years=10).due_date == date(9999, 12, 31)
    assert dl.departure_period(date(9999, 12, 3)).due_date == date(9999, 12, 31)
