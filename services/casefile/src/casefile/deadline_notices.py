"""The deadline worker's pass: weekly notices, so that no publication moment tells a day.

A family-location end is the youngest child's 18th birthday. The events carry no date (v2), but
a notice published on the day a limit passes, or a reminder counting the days left, would give
the day away to every reader of the topic, and Kafka cannot be erased. So every notice of a
publication week (Monday to Sunday, Europe/Amsterdam) goes out in that week's first run, with
the week's start as its event time and in an order unrelated to the due days:

- ``DeadlinePassed.v2``: the limits whose last day lay in an earlier week;
- ``DeadlineApproaching.v3``: the limits that end within this week (no days left).

Counsellors read the exact dates from the HTTP API (``GET /cases?sort=deadline``).
"""

from datetime import datetime

from hub_contracts import DeadlineApproachingV3, DeadlinePassedV2, EventPayload
from hub_contracts.vocabulary import DeadlineKind
from hub_runtime.unit_of_work import UnitOfWork

from casefile import repository as repo
from casefile.domain import deadlines as dl
from casefile.handlers import add_timeline


def _notice_event(notice: dl.Notice, row: repo.DeadlineRow) -> EventPayload:
    case_id, deadline_id, kind = row.case_id, row.deadline_id, DeadlineKind(row.kind)
    if notice is dl.Notice.PASSED:
        return DeadlinePassedV2(case_id=case_id, deadline_id=deadline_id, kind=kind)
    return DeadlineApproachingV3(case_id=case_id, deadline_id=deadline_id, kind=kind)


async def send_due_notices(uow: UnitOfWork, now: datetime, limit: int = 200) -> int:
    """One pass of the deadline worker: at most one notice per deadline, each exactly once.

    Returns how many notices were queued. The notice row and the outbox row commit in the
    caller's transaction: a crash before the commit sends nothing, a restart after it finds the
    notice recorded and sends nothing again. Runs every minute; only the first pass of a week
    finds anything, apart from deadlines scheduled later in the week (announced with the same
    week's time, so their timing tells the scheduling moment, not the due day).
    """
    week = dl.publication_week(now)
    at = dl.publication_time(week)
    sent = 0
    for row in await repo.claim_weekly_deadlines(uow.conn, week, dl.last_day_of_week(week), limit):
        notice = dl.weekly_notice_due(row.due_date, week, row.sent)
        if notice is None:
            continue
        envelope = uow.emit(_notice_event(notice, row), subject=row.case_id, time=at)
        await repo.record_notice(uow.conn, row.deadline_id, notice.value, envelope.id)
        await add_timeline(uow, row.case_id, f"deadline_{notice.value}", {"kind": row.kind})
        sent += 1
    return sent
