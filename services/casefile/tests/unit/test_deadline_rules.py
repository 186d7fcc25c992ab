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


MONDAY = date(2026, 3, 30)  # a publication week: Monday 30 March .. Sunday 5 April 2026


def test_the_publication_week_starts_on_monday_in_amsterdam() -> None:
    for day in range(7):
        assert dl.publication_week(_at(MONDAY + timedelta(days=day), 9)) == MONDAY
    # 22:30 UTC on Sunday 5 April is 00:30 on Monday 6 April in Amsterdam (CEST).
    assert dl.publication_week(datetime(2026, 4, 5, 22, 30, tzinfo=UTC)) == date(2026, 4, 6)
    assert dl.publication_time(MONDAY) == datetime(2026, 3, 30, 0, 0, tzinfo=AMSTERDAM)


def test_weekly_notices_approaching_in_the_week_passed_in_the_next() -> None:
    none: frozenset[Notice] = frozenset()
    due = date(2026, 4, 2)  # Thursday of the week
    assert dl.weekly_notice_due(due, MONDAY - timedelta(weeks=1), none) is None
    assert dl.weekly_notice_due(due, MONDAY, none) is Notice.APPROACHING_WEEK
    reminded = frozenset({Notice.APPROACHING_WEEK})
    assert dl.weekly_notice_due(due, MONDAY, reminded) is None
    assert dl.weekly_notice_due(due, MONDAY + timedelta(weeks=1), reminded) is Notice.PASSED
    done = reminded | {Notice.PASSED}
    assert dl.weekly_notice_due(due, MONDAY + timedelta(weeks=2), done) is None


def test_a_late_seen_deadline_gets_only_the_passed_notice() -> None:
    assert dl.weekly_notice_due(date(2026, 3, 1), MONDAY, frozenset()) is Notice.PASSED


def test_older_daily_reminders_count_as_reminded() -> None:
    for old in (Notice.APPROACHING_7, Notice.APPROACHING_2):
        assert dl.weekly_notice_due(date(2026, 4, 2), MONDAY, frozenset({old})) is None


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
def test_every_weekly_run_sends_each_notice_once_in_order_and_by_week(due: date) -> None:
    """Walking every day: both notices come out in weekly runs only, and any two due days of
    one week get the same notices in the same runs."""
    sent: list[tuple[Notice, date]] = []
    for offset in range(-20, 20):
        week = dl.publication_week(_at(due + timedelta(days=offset), 9))
        notice = dl.weekly_notice_due(due, week, frozenset(n for n, _ in sent))
        if notice is not None:
            sent.append((notice, week))
    own_week = dl.publication_week(_at(due))
    assert sent == [
        (Notice.APPROACHING_WEEK, own_week),
        (Notice.PASSED, own_week + timedelta(weeks=1)),
    ]


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
