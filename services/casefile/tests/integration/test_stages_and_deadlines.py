"""Stage changes and deadline notices on the real stack, exactly once across restarts."""

import asyncio
from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from casefile import workers
from casefile.bootstrap import deps
from casefile.domain.deadlines import AMSTERDAM
from hub_contracts import Envelope, Topic
from hub_contracts.registry import decode
from hub_runtime.auth import Role
from hub_runtime.testing import read_all, wait_until

pytestmark = pytest.mark.integration


def _amsterdam(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=AMSTERDAM)


async def _deadline_events(cf: Any, case_id: str) -> list[dict[str, Any]]:
    records = await read_all(cf.hub, cf.hub.topic(Topic.CASEFILE_EVENTS))
    events = []
    for record in records:
        envelope = Envelope.from_bytes(record.value)
        if envelope.subject == case_id and "Deadline" in envelope.type:
            payload = decode(envelope).model_dump(mode="json")
            _, _, name, version = envelope.type.split(".")
            events.append({"type": name, "version": version, **payload})
    return events


async def test_impossible_stage_moves_are_refused_and_write_nothing(start_casefile: Any) -> None:
    cf = await start_casefile()
    case_id = await cf.open_case(stage="in_procedure")
    headers = cf.token(Role.COUNSELLOR)
    today = cf.today().isoformat()
    response = await cf.http.post(
        f"/cases/{case_id}/stage",
        json={"to_stage": "buitenschuld_granted", "decided_on": today},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json()["error"] == "impossible_transition"
    assert "cannot move" in response.json()["detail"]
    assert await cf.fetchval("SELECT count(*) FROM stage_changes") == 0
    view = (await cf.http.get(f"/cases/{case_id}", headers=headers)).json()
    assert view["stage"] == "in_procedure"

    response = await cf.http.post(
        f"/cases/{case_id}/stage",
        json={"to_stage": "first_rejection", "decided_on": today},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    view = (await cf.http.get(f"/cases/{case_id}", headers=headers)).json()
    assert view["stage"] == "first_rejection"
    assert [(s["from_stage"], s["to_stage"]) for s in view["stage_history"]] == [
        ("in_procedure", "first_rejection")
    ]


async def test_deadline_notices_are_published_once_each_across_restarts(
    start_casefile: Any, make_clock: Any
) -> None:
    clock = make_clock(_amsterdam(2026, 3, 1))
    cf = await start_casefile(clock=clock, deadline_check_seconds=0.1)
    case_id = await cf.open_case(stage="appeal_pending", location_type="azc")
    response = await cf.http.post(
        f"/cases/{case_id}/stage",
        json={"to_stage": "final_rejection", "decided_on": "2026-03-01"},
        headers=cf.token(Role.COUNSELLOR),
    )
    assert response.status_code == 200, response.text

    async def notices(n: int) -> bool:
        return bool(await cf.fetchval("SELECT count(*) FROM deadline_notices") == n)

    # Due Sunday 2026-03-29: the run of its week (Monday 23 March) says "this week".
    clock.now = _amsterdam(2026, 3, 23)
    await wait_until(lambda: notices(2))
    await cf.stop()

    # A new process on the same database: what was sent stays sent.
    cf = await start_casefile(clock=clock, deadline_check_seconds=0.1)
    ctx = cf.runtime.context
    wired = deps(cf.settings, clock)
    # Several passes racing each other send nothing twice; nothing more within the week.
    clock.now = _amsterdam(2026, 3, 28)
    await asyncio.gather(*(workers.deadline_pass(ctx, wired) for _ in range(5)))
    assert await cf.fetchval("SELECT count(*) FROM deadline_notices") == 2
    clock.now = _amsterdam(2026, 3, 30, 0)  # the next week's run: passed
    await wait_until(lambda: notices(3))
    await asyncio.gather(*(workers.deadline_pass(ctx, wired) for _ in range(5)))

    async def all_published() -> bool:
        return len(await _deadline_events(cf, case_id)) >= 3

    await wait_until(all_published)
    events = await _deadline_events(cf, case_id)
    # No due date, no days left: the approaching notice only says "this week" (v3).
    kinds = Counter((e["type"], e["version"]) for e in events)
    assert kinds == Counter(
        {
            ("DeadlineScheduled", "v2"): 1,
            ("DeadlineApproaching", "v3"): 1,
            ("DeadlinePassed", "v2"): 1,
        }
    )
    assert not [e for e in events if "due_date" in e or "days_left" in e]
    assert {e["kind"] for e in events} == {"departure_period"}
    assert await cf.fetchval("SELECT count(*) FROM deadline_notices") == 3


async def test_cases_listed_by_upcoming_deadline(start_casefile: Any, make_clock: Any) -> None:
    clock = make_clock(_amsterdam(2026, 3, 1))
    cf = await start_casefile(clock=clock)
    headers = cf.token(Role.COUNSELLOR)
    no_deadline = await cf.open_case(stage="in_procedure", location_type="azc")
    entry_ban = await cf.open_case(stage="in_procedure", location_type="azc")
    response = await cf.http.post(
        f"/cases/{entry_ban}/deadlines",
        json={"kind": "entry_ban_end", "starts_on": "2026-02-01", "years": 2},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    departure = await cf.open_case(
        stage="final_rejection", location_type="azc", final_decision_on="2026-02-20"
    )
    family = await cf.open_case()  # family location, child born 2019-02-28: ends 2037-02-28

    response = await cf.http.get("/cases", params={"sort": "deadline"}, headers=headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["case_id"] for i in items] == [departure, entry_ban, family, no_deadline]
    assert items[0]["next_deadline"]["due_date"] == "2026-03-20"
    assert items[0]["next_deadline"]["days_left"] == 19
    assert items[2]["next_deadline"] == {
        "deadline_id": items[2]["next_deadline"]["deadline_id"],
        "kind": "family_location_end",
        "due_date": "2037-02-28",
        "days_left": (datetime(2037, 2, 28) - datetime(2026, 3, 1)).days,
    }
    advocacy = await cf.http.get("/cases", headers=cf.token(Role.ADVOCACY))
    assert advocacy.status_code == 403
