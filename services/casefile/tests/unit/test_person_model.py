"""The person model: categories for consent, minors, impossible dates."""

from datetime import date

from casefile.domain.model import HouseholdMember, Person


def _person(born: date, *children: date) -> Person:
    return Person(
        name="N",
        date_of_birth=born,
        phone=None,
        languages=("ar",),
        household=tuple(HouseholdMember("child", c) for c in children),
    )


def test_minors_are_counted_on_the_day_with_leap_day_birthdays() -> None:
    assert _person(date(1980, 1, 1), date(2008, 2, 29)).has_minors(date(2026, 2, 28))
    assert not _person(date(1980, 1, 1), date(2008, 2, 29)).has_minors(date(2026, 3, 1))
    assert _person(date(2010, 1, 1)).has_minors(date(2026, 1, 1))  # unaccompanied minor


def test_categories_hold_only_what_was_given() -> None:
    categories = _person(date(1980, 1, 1), date(2015, 5, 5)).by_category()
    assert set(categories) == {"identity", "contact", "household"}
    assert categories["household"]["members"][0]["date_of_birth"] == "2015-05-05"


def test_future_birth_dates_are_named_by_field() -> None:
    person = _person(date(2030, 1, 1), date(2010, 1, 1), date(2031, 1, 1))
    assert person.dates_in_future(date(2026, 1, 1)) == [
        "person.date_of_birth",
        "household[1].date_of_birth",
    ]
