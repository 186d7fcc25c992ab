"""POST /cases/{id}/corrections on the real stack: a mistyped date of a stage change or a
decision is corrected beside the original, the departure period is recounted and announced on
Kafka without a date, and every refusal comes in the hub's error shape."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hub_contracts import Envelope, Topic
from hub_runtime.auth import Role
from hub_runtime.testing import read_all, wait_until

pytestmark = pytest.mark.integration


async def _events(cf: Any, case_id: str) -> list[Envelope]:
    records = await read_all(cf.hub, cf.hub.topic(Topic.CASEFILE_EVENTS))
    envelopes = [Envelope.from_bytes(r.value) for r in records]
    return [e for e in envelopes if e.subject == case_id]


async def _case(cf: Any, case_id: str) -> dict[str, Any]:
    response = await cf.http.get(f"/cases/{case_id}", headers=cf.token(Role.COUNSELLOR))
    assert response.status_code == 200, response.text
    return dict(response.json())


FUTURE_REASON = (
    "decided_on: lies in the future; it should be today or earlier (the council's day, Amsterdam)"
)


def _error(response: Any, status: int, code: str, reasons: list[str] | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["error"], type(body["detail"]), body["reasons"]) == (code, str, reasons or [])


async def test_a_final_rejections_date_is_corrected_and_the_departure_recounted(
    start_casefile: Any, make_clock: Any
) -> None:
    cf = await start_casefile(make_clock(datetime.now(UTC) - timedelta(days=40)))
    case_id = await cf.open_case(location_type="azc", household=[])
    cf.clock.now = datetime.now(UTC)
    headers = cf.token(Role.COUNSELLOR)
    typed = cf.today() - timedelta(days=2)
    response = await cf.http.post(
        f"/cases/{case_id}/stage",
        json={"to_stage": "final_rejection", "decided_on": typed.isoformat()},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    before = await _case(cf, case_id)
    entry_id = before["stage_history"][-1]["entry_id"]
    right = typed - timedelta(days=5)

    response = await cf.http.post(
        f"/cases/{case_id}/corrections",
        json={"entry_id": entry_id, "decided_on": right.isoformat(), "reason": "typing_error"},
        headers=cf.token(Role.COORDINATOR, sub="carol"),
    )

    assert response.status_code == 201, response.text
    assert response.json()["entry_id"] == entry_id
    after = await _case(cf, case_id)
    stage = after["stage_history"][-1]
    assert (stage["decided_on"], stage["originally_decided_on"]) == (
        right.isoformat(), typed.isoformat())  # fmt: skip
    (departure,) = [d for d in after["deadlines"] if d["kind"] == "departure_period"]
    assert date.fromisoformat(departure["due_date"]) == right + timedelta(days=28)
    kinds = [e["kind"] for e in after["timeline"]]
    assert kinds[-2:] == ["stage_change_date_corrected", "deadline_scheduled"]
    assert after["timeline"][-2]["details"]["corrected_by"] == "carol"
    assert "stage_changed" in kinds  # the original entry stays

    async def published() -> bool:
        return any("StageChangeDateCorrected" in e.type for e in await _events(cf, case_id))

    await wait_until(published)
    envelopes = await _events(cf, case_id)
    corrected = next(e for e in envelopes if "StageChangeDateCorrected" in e.type)
    assert corrected.data["decided_on"] == right.isoformat()
    assert corrected.data["reason"] == "typing_error"
    assert all("due_date" not in e.data for e in envelopes if "Deadline" in e.type)


async def test_refusals_come_in_the_hubs_error_shape(start_casefile: Any) -> None:
    cf = await start_casefile()
    case_id = await cf.open_case()
    headers = cf.token(Role.COUNSELLOR)
    today = cf.today().isoformat()
    await cf.http.post(
        f"/cases/{case_id}/decision",
        json={"decision": "undecided", "decided_on": today},
        headers=headers,
    )
    view = await _case(cf, case_id)
    decision = view["decisions"][0]["entry_id"]
    opened = view["timeline"][0]["entry_id"]
    url = f"/cases/{case_id}/corrections"

    def body(entry: str, on: str = today, reason: str = "other") -> dict[str, str]:
        return {"entry_id": entry, "decided_on": on, "reason": reason}

    tomorrow = (cf.today() + timedelta(days=1)).isoformat()
    _error(
        await cf.http.post(url, json=body(opened), headers=headers), 422, "entry_not_correctable"
    )
    _error(await cf.http.post(url, json=body(case_id), headers=headers), 404, "entry_not_found")
    _error(
        await cf.http.post(url, json=body(decision, tomorrow), headers=headers),
        422,
        "date_in_future",
        # The field and the rule, as a validation error's reasons (a new user's trial: empty).
        [FUTURE_REASON],
    )
    _error(await cf.http.post(url, json=body(decision), headers=headers), 422, "date_unchanged")
    bad_reason = await cf.http.post(url, json=body(decision, reason="my words"), headers=headers)
    assert bad_reason.status_code == 422
    admin = cf.token(Role.ADMIN)
    _error(await cf.http.post(url, json=body(decision), headers=admin), 403, "forbidden")
    await cf.http.post(f"/cases/{case_id}/close", json={"closed_on": today}, headers=headers)
    _error(await cf.http.post(url, json=body(decision), headers=headers), 409, "case_closed")
    await cf.http.delete(f"/cases/{case_id}/person", headers=admin)
    _error(await cf.http.post(url, json=body(decision), headers=headers), 410, "person_erased")
    assert await cf.fetchval("SELECT count(*) FROM date_corrections") == 0
