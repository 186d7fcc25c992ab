"""A family-location end is a child's 18th birthday: no deadline event on Kafka may carry it.

Read from the real topic: every deadline event (scheduled, approaching, passed, rescheduled)
of a case at a family location, compared with every household member's 18th birthday.
"""

import calendar
from datetime import date, datetime
from typing import Any

import pytest
from hub_contracts import (
    DeadlineApproachingV3,
    DeadlinePassedV2,
    DeadlineScheduledV2,
    Envelope,
    Topic,
)
from hub_contracts.registry import decode
from hub_runtime.auth import Role
from hub_runtime.testing import read_all, wait_until

pytestmark = pytest.mark.integration

PERSON_BORN = "1987-04-23"
NEARLY_ADULT_BORN = "2008-03-04"  # the youngest at first: 18 on 2026-03-04, in the week of "now"
ADULT_CHILD_BORN = "2005-01-20"
NEWBORN = "2024-02-29"  # added later: becomes the youngest (18 on 2042-03-01 or 02-28)
NOW = datetime.fromisoformat("2026-03-02T12:00:00+01:00")  # the Monday of the birthday week
# The Monday after the birthday's week (2026-03-04 is a Wednesday; its week's run was 2 March).
AFTER_THE_BIRTHDAY = datetime.fromisoformat("2026-03-09T12:00:00+01:00")
V2_TYPES = {
    DeadlineScheduledV2.event_type,
    DeadlineApproachingV3.event_type,
    DeadlinePassedV2.event_type,
}


def eighteenth_birthdays(born: str) -> set[str]:
    """Both readings of a leap-day birthday, computed here, independently of casefile."""
    day = date.fromisoformat(born)
    year = day.year + 18
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return {date(year, 2, 28).isoformat(), date(year, 3, 1).isoformat()}
    return {day.replace(year=year).isoformat()}


def leaves(node: Any, path: str = "") -> list[tuple[str, Any]]:
    """(field path, value) of every scalar in a payload, nested fields included."""
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in leaves(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [leaf for i, value in enumerate(node) for leaf in leaves(value, f"{path}[{i}]")]
    return [(path, node)]


def dates_in(value: Any) -> set[str]:
    """The calendar day a value names, if it names one (ISO date or date-time)."""
    if not isinstance(value, str):
        return set()
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            parsed = parse(value)
        except ValueError:
            continue
        return {(parsed.date() if isinstance(parsed, datetime) else parsed).isoformat()}
    return set()


async def deadline_events(cf: Any, case_id: str) -> list[tuple[Envelope, dict[str, Any]]]:
    records = await read_all(cf.hub, cf.hub.topic(Topic.CASEFILE_EVENTS))
    found = []
    for record in records:
        envelope = Envelope.from_bytes(record.value)
        if envelope.subject == case_id and ".Deadline" in envelope.type:
            found.append((envelope, decode(envelope).model_dump(mode="json")))
    return found


async def test_no_deadline_event_carries_a_household_members_18th_birthday(
    start_casefile: Any, make_clock: Any
) -> None:
    clock = make_clock(NOW)
    cf = await start_casefile(clock=clock, deadline_check_seconds=0.1)
    headers = cf.token(Role.COUNSELLOR)
    household = [
        {"relation": "child", "name": "Kind Een", "date_of_birth": NEARLY_ADULT_BORN},
        {"relation": "child", "name": "Kind Twee", "date_of_birth": ADULT_CHILD_BORN},
    ]
    person = {"name": cf.NAME, "date_of_birth": PERSON_BORN}
    case_id = await cf.open_case(
        person=person, household=household, location_type="family_location"
    )

    async def events_of(name: str, n: int) -> bool:
        # By name, whatever the version: a regression to v1 must fail on the birthday below.
        found = [e for e, _ in await deadline_events(cf, case_id) if f".{name}.v" in e.type]
        return len(found) >= n

    # Scheduled, then "this week" (the week's run), then passed in the next week's run.
    await wait_until(lambda: events_of("DeadlineApproaching", 1))
    view = (await cf.http.get(f"/cases/{case_id}", headers=headers)).json()
    # The exact date is still there for counsellors, through the HTTP API.
    assert [(d["kind"], d["due_date"]) for d in view["deadlines"]] == [
        ("family_location_end", "2026-03-04")
    ]
    clock.now = AFTER_THE_BIRTHDAY
    await wait_until(lambda: events_of("DeadlinePassed", 1))

    # A newborn joins the household: the family-location end is scheduled again.
    household.append({"relation": "child", "name": "Kind Drie", "date_of_birth": NEWBORN})
    response = await cf.http.put(
        f"/cases/{case_id}/person",
        json={"person": person, "household": household},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    await wait_until(lambda: events_of("DeadlineScheduled", 2))

    events = await deadline_events(cf, case_id)
    assert {payload["kind"] for _, payload in events} == {"family_location_end"}
    forbidden = set().union(
        *(eighteenth_birthdays(b) for b in (PERSON_BORN, NEARLY_ADULT_BORN, ADULT_CHILD_BORN)),
        eighteenth_birthdays(NEWBORN),
    )
    assert {"2026-03-04", "2042-03-01"} <= forbidden  # the two dates casefile tracked
    for envelope, payload in events:
        for field, value in leaves(payload):
            assert not dates_in(value) & forbidden, f"{envelope.type} {field} is an 18th birthday"
            assert "date" not in field, f"{envelope.type} carries a date field {field}"
    # casefile emits the dateless revisions only (the approaching notice without days left)
    assert {envelope.type for envelope, _ in events} == V2_TYPES
