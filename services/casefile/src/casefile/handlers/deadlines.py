"""Deadlines: tracking one (and announcing it), and the deadline worker's weekly notices.

Deadline events are v2 and later only: no date and no days left. A due date on Kafka (or one
computable from the event time) could be a child's 18th birthday, which an erasure cannot take
back out of a topic; counsellors read dates from the HTTP API.

Weekly notices: every notice of a publication week (Monday to Sunday, Europe/Amsterdam) goes out
in that week's first run, with the week's start as its event time and in an order unrelated to
the due days (``DeadlinePassed.v2`` for limits whose last day lay in an earlier week,
``DeadlineApproaching.v3`` for limits ending within this week), so no publication moment tells
a day (issue 12, "no timing channel").
"""

from datetime import datetime
from uuid import UUID, uuid4

from hub_contracts import (
    DeadlineApproachingV3,
    DeadlinePassedV2,
    DeadlineScheduledV2,
    EventPayload,
)
from hub_contracts.vocabulary import DeadlineKind

from casefile import bodies as b
from casefile import messages as m
from casefile.deps import Deps
from casefile.domain import deadlines as dl
from casefile.errors import FUTURE_RULE, DeadlineRuleRefusedError, ImplausibleDateError
from casefile.handlers.common import (
    CLOCK_SKEW,
    ENTRY_BAN_START_MAX_AHEAD,
    add_timeline,
    not_implausibly_old,
    writable_case,
)
from casefile.repository.deadlines import DeadlineRow
from casefile.unit_of_work import CasefileUow

SCHEDULED = "scheduled"


async def schedule(uow: CasefileUow, deps: Deps, case_id: UUID, due: dl.Due) -> UUID:
    """Track a deadline (replacing the live one of the same kind) and announce it once
    (``DeadlineScheduled.v2``, its notice row, a timeline entry without the date); returns
    the new deadline id."""
    now = deps.clock()
    await uow.deadlines.cancel(case_id, due.kind.value, now)
    deadline_id = uuid4()
    await uow.deadlines.add(deadline_id, case_id, due.kind.value, due.due_date, due.due_at)
    event = DeadlineScheduledV2(case_id=case_id, deadline_id=deadline_id, kind=due.kind)
    envelope = uow.emit(event, subject=case_id)
    await uow.deadlines.record_notice(deadline_id, SCHEDULED, envelope.id)
    # No due date on the timeline: a family-location end is a child's 18th birthday.
    await add_timeline(uow, case_id, "deadline_scheduled", {"kind": due.kind.value})
    return deadline_id


async def schedule_deadline(message: m.ScheduleDeadline, uow: CasefileUow, deps: Deps) -> UUID:
    """Track an extension, entry ban or family detention limit (domain.md §1.1, §1.2).

    Raises 404/410/409 (`writable_case`), `ImplausibleDateError` for an impossible start,
    `DeadlineRuleRefusedError` (422 ``deadline_rule`` or ``no_departure_period``)."""
    await writable_case(uow, message.case_id)
    _plausible_deadline_start(message.body, deps.clock())
    try:
        due = await _due_for(uow, message.case_id, message.body)
    except dl.DeadlineRuleError as exc:
        raise DeadlineRuleRefusedError(str(exc)) from exc
    return await schedule(uow, deps, message.case_id, due)


def _plausible_deadline_start(body: b.ScheduleDeadline, now: datetime) -> None:
    """The day or moment a deadline counts from must be a real one: a detention has begun
    (not in the future), an entry ban starts at a departure at most about a year ahead, and
    neither lies before 1900. Besides clear reasons, this keeps the date arithmetic far from
    the calendar's ends (years 1 and 9999), where it would overflow."""
    if isinstance(body, b.ScheduleFamilyDetention):
        not_implausibly_old(body.detained_at.date(), "detained_at")
        if body.detained_at > now + CLOCK_SKEW:
            raise ImplausibleDateError(
                "detained_at lies in the future",
                code="date_in_future",
                fields=["detained_at"],
                rule=FUTURE_RULE,
            )
    elif isinstance(body, b.ScheduleEntryBan):
        not_implausibly_old(body.starts_on, "starts_on")
        if body.starts_on > dl.today_in_amsterdam(now) + ENTRY_BAN_START_MAX_AHEAD:
            raise ImplausibleDateError(
                "starts_on lies more than a year ahead: an entry ban starts at the departure",
                code="date_implausible",
                fields=["starts_on"],
                rule="lies more than a year ahead; an entry ban starts at the departure, which"
                " is planned at most about a year ahead",
            )


async def _due_for(uow: CasefileUow, case_id: UUID, body: b.ScheduleDeadline) -> dl.Due:
    # The body is a tagged union (``kind``): each variant has its own rule.
    if isinstance(body, b.ScheduleExtension):
        departure = await live_deadline(uow, case_id, DeadlineKind.DEPARTURE_PERIOD)
        if departure is None:
            raise DeadlineRuleRefusedError(
                "an extension needs a departure period: record the final rejection first",
                code="no_departure_period",
            )
        return dl.extension(departure.due_date, weeks=body.weeks, cooperating=body.cooperating)
    if isinstance(body, b.ScheduleEntryBan):
        return dl.entry_ban_end(body.starts_on, years=body.years)
    return dl.family_detention_limit(body.detained_at)


async def live_deadline(uow: CasefileUow, case_id: UUID, kind: DeadlineKind) -> DeadlineRow | None:
    """The case's live deadline of ``kind`` (the last one if several), or None."""
    live = [d for d in await uow.deadlines.of_case(case_id) if d.kind == kind.value]
    return live[-1] if live else None


def notice_event(notice: dl.Notice, row: DeadlineRow) -> EventPayload:
    """The v2+ event of a weekly notice: ids and kind only, never a date."""
    case_id, deadline_id, kind = row.case_id, row.deadline_id, DeadlineKind(row.kind)
    if notice is dl.Notice.PASSED:
        return DeadlinePassedV2(case_id=case_id, deadline_id=deadline_id, kind=kind)
    return DeadlineApproachingV3(case_id=case_id, deadline_id=deadline_id, kind=kind)


async def send_deadline_notices(
    message: m.SendDeadlineNotices, uow: CasefileUow, deps: Deps
) -> int:
    """One pass of the deadline worker at ``message.now``: at most one notice per deadline,
    each exactly once; returns how many were queued.

    The notice row and the outbox row commit together: a crash before the commit sends
    nothing, a restart after it finds the notice recorded and sends nothing again. Only the
    first pass of a week finds anything, apart from deadlines scheduled later in the week
    (announced with the same week's time: their timing tells the scheduling moment, not the
    due day)."""
    del deps
    week = dl.publication_week(message.now)
    at = dl.publication_time(week)
    sent = 0
    for row in await uow.deadlines.claim_weekly(week, dl.last_day_of_week(week), message.limit):
        notice = dl.weekly_notice_due(row.due_date, week, row.sent)
        if notice is None:
            continue
        envelope = uow.emit(notice_event(notice, row), subject=row.case_id, time=at)
        await uow.deadlines.record_notice(row.deadline_id, notice.value, envelope.id)
        await add_timeline(uow, row.case_id, f"deadline_{notice.value}", {"kind": row.kind})
        sent += 1
    return sent
