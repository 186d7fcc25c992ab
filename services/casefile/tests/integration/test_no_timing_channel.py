"""The topic cannot tell the day a family-location end falls on (a child's 18th birthday).

Two children of two families turn 18 on different days of one week (Tuesday and Friday). Read
from the real topic, their deadline notices come out in the same weekly runs, with the same
event time (the week's start), and nothing is published in between.
"""

from datetime import datetime
from typing import Any

import pytest
from casefile import workers
from casefile.bootstrap import deps
from casefile.domain.deadlines import AMSTERDAM
from hub_contracts import Envelope, Topic
from hub_runtime.auth import Role
from hub_runtime.testing import read_all, wait_until

pytestmark = pytest.mark.integration

TUESDAY_CHILD = "2008-03-03"  # 18 on Tuesday 3 March 2026
FRIDAY_CHILD = "2008-03-06"  # 18 on Friday 6 March 2026
WEEK_START = datetime(2026, 3, 2, 0, 0, tzinfo=AMSTERDAM)
NEXT_WEEK_START = datetime(2026, 3, 9, 0, 0, tzinfo=AMSTERDAM)


async def _notices(cf: Any, case_ids: set[str]) -> list[Envelope]:
    records = await read_all(cf.hub, cf.hub.topic(Topic.CASEFILE_EVENTS))
    found = [Envelope.from_bytes(r.value) for r in records]
    return [
        e
        for e in found
        if e.subject in case_ids
        and (".DeadlinePassed." in e.type or ".DeadlineApproaching." in e.type)
    ]


async def test_two_birthdays_in_one_week_are_published_alike(
    start_casefile: Any, make_clock: Any
) -> None:
    clock = make_clock(datetime(2026, 2, 25, 12, tzinfo=AMSTERDAM))  # the week before
    cf = await start_casefile(clock=clock, deadline_check_seconds=3600)
    wired = deps(cf.settings, clock)
    ctx = cf.runtime.context
    cases = {}
    for born in (TUESDAY_CHILD, FRIDAY_CHILD):
        household = [{"relation": "child", "name": "Kind", "date_of_birth": born}]
        cases[born] = await cf.open_case(household=household, location_type="family_location")
    case_ids = set(cases.values())
    due = await cf.http.get(f"/cases/{cases[TUESDAY_CHILD]}", headers=cf.token(Role.COUNSELLOR))
    assert [d["due_date"] for d in due.json()["deadlines"]] == ["2026-03-03"]

    # The week before: nothing. Then every day of the birthdays' week, a run.
    assert await workers.deadline_pass(ctx, wired) == 0
    sent_per_day = []
    for day in range(2, 9):  # Monday 2 .. Sunday 8 March
        clock.now = datetime(2026, 3, day, 12, tzinfo=AMSTERDAM)
        sent_per_day.append(await workers.deadline_pass(ctx, wired))
    # Both reminders in the week's first run; nothing on Wednesday (Tuesday's passed) or later.
    assert sent_per_day == [2, 0, 0, 0, 0, 0, 0]
    clock.now = datetime(2026, 3, 9, 0, 5, tzinfo=AMSTERDAM)
    assert await workers.deadline_pass(ctx, wired) == 2
    assert await workers.deadline_pass(ctx, wired) == 0

    async def all_published() -> bool:
        return len(await _notices(cf, case_ids)) == 4

    await wait_until(all_published)
    notices = await _notices(cf, case_ids)
    by_kind: dict[str, set[tuple[datetime, str]]] = {}
    for envelope in notices:
        name = envelope.type.split(".")[2]
        by_kind.setdefault(name, set()).add((envelope.time, str(envelope.data)))
    # Same event time for both children, the week's start; same payload shape.
    assert {t for t, _ in by_kind["DeadlineApproaching"]} == {WEEK_START}
    assert {t for t, _ in by_kind["DeadlinePassed"]} == {NEXT_WEEK_START}
    for envelope in notices:
        assert set(envelope.data) == {"case_id", "deadline_id", "kind"}
        assert envelope.time.astimezone(AMSTERDAM).weekday() == 0
