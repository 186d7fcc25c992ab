"""Every notice the deadline rules can send fits the v2 contract, and carries no date."""

from datetime import date, datetime, timedelta
from uuid import uuid4

from casefile import handlers
from casefile.domain import deadlines as dl
from casefile.domain.deadlines import AMSTERDAM, Notice
from casefile.repository import DeadlineRow
from hub_contracts import DeadlineApproachingV2, DeadlinePassedV2
from hub_contracts.vocabulary import DeadlineKind
from hypothesis import given
from hypothesis import strategies as st

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31))


def _row(due: date, due_at: datetime | None, sent: frozenset[Notice]) -> DeadlineRow:
    kind = (
        DeadlineKind.FAMILY_LOCATION_END if due_at is None else DeadlineKind.FAMILY_DETENTION_LIMIT
    )
    return DeadlineRow(uuid4(), uuid4(), kind.value, due, due_at, sent)


@given(
    due=DAYS,
    offset_hours=st.integers(min_value=-30 * 24, max_value=5 * 24),
    timed=st.booleans(),
    sent=st.frozensets(st.sampled_from(list(Notice))),
)
def test_each_notice_becomes_a_v2_event_without_a_date(
    due: date, offset_hours: int, timed: bool, sent: frozenset[Notice]
) -> None:
    due_at = datetime(due.year, due.month, due.day, 10, tzinfo=AMSTERDAM) if timed else None
    now = datetime(due.year, due.month, due.day, 9, tzinfo=AMSTERDAM) + timedelta(
        hours=offset_hours
    )
    notice = dl.notice_due(due, due_at, now, sent)
    if notice is None:
        return
    row = _row(due, due_at, sent)
    # Building the payload validates it: a days_left outside 0..7 would raise here.
    event = handlers._notice_event(notice, row, dl.today_in_amsterdam(now))
    expected = DeadlinePassedV2 if notice is Notice.PASSED else DeadlineApproachingV2
    assert type(event) is expected
    dumped = event.model_dump(mode="json")
    assert due.isoformat() not in dumped.values()
    assert not [name for name in dumped if "date" in name]
    if isinstance(event, DeadlineApproachingV2):
        assert event.days_left == (due - dl.today_in_amsterdam(now)).days


def test_the_reminder_window_fits_the_contract() -> None:
    days_left = DeadlineApproachingV2.model_json_schema()["properties"]["days_left"]
    assert max(dl.REMINDER_DAYS) <= days_left["maximum"]
