"""Every weekly notice fits its contract and carries neither a date nor days left."""

from datetime import date, timedelta
from uuid import uuid4

from casefile.domain import deadlines as dl
from casefile.domain.deadlines import Notice
from casefile.handlers.deadlines import notice_event
from casefile.repository.deadlines import DeadlineRow
from hub_contracts import DeadlineApproachingV3, DeadlinePassedV2
from hub_contracts.vocabulary import DeadlineKind
from hypothesis import given
from hypothesis import strategies as st

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31))


@given(
    due=DAYS,
    weeks=st.integers(min_value=-8, max_value=2),
    sent=st.frozensets(st.sampled_from(list(Notice))),
)
def test_each_notice_becomes_an_event_without_a_date(
    due: date, weeks: int, sent: frozenset[Notice]
) -> None:
    week = dl.publication_week(dl.publication_time(due)) + timedelta(weeks=weeks)
    notice = dl.weekly_notice_due(due, week, sent)
    if notice is None:
        return
    row = DeadlineRow(uuid4(), uuid4(), DeadlineKind.FAMILY_LOCATION_END.value, due, None, sent)
    event = notice_event(notice, row)
    expected = DeadlinePassedV2 if notice is Notice.PASSED else DeadlineApproachingV3
    assert type(event) is expected
    dumped = event.model_dump(mode="json")
    assert set(dumped) == {"case_id", "deadline_id", "kind"}
