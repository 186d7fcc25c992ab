"""A validate-only request runs every check of opening a case and writes nothing; writes with
an Idempotency-Key are applied once, a repeat answers the first answer."""

from typing import Any

import pytest
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

COUNT_WRITES = (
    "SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM person_keys)"
    " + (SELECT count(*) FROM hub_outbox) + (SELECT count(*) FROM hub_idempotency_keys)"
)


async def test_validate_only_runs_the_handlers_checks_and_leaves_nothing(casefile: Any) -> None:
    headers = casefile.token(Role.COUNSELLOR)
    before = await casefile.fetchval(COUNT_WRITES)

    valid = await casefile.http.post("/cases/validate", json=casefile.case_body(), headers=headers)
    assert valid.status_code == 200, valid.text
    assert valid.json() == {"valid": True}

    # Only the handler knows: a child born four years after the person.
    household = [{"relation": "child", "date_of_birth": "1991-01-01"}]
    refused = await casefile.http.post(
        "/cases/validate", json=casefile.case_body(household=household), headers=headers
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "implausible_household_dates"
    assert casefile.BIRTH not in refused.text
    assert "1991-01-01" not in refused.text

    edge = await casefile.http.post(
        "/cases/validate", json=casefile.case_body(region="atlantis"), headers=headers
    )
    assert edge.status_code == 422
    assert edge.json()["reasons"][0].startswith("region:")
    assert await casefile.fetchval(COUNT_WRITES) == before

    opened = await casefile.http.post("/cases", json=casefile.case_body(), headers=headers)
    assert opened.status_code == 201
    assert await casefile.fetchval(COUNT_WRITES) > before  # the count sees writes


async def test_a_write_repeated_with_its_key_is_applied_once(casefile: Any) -> None:
    headers = {**casefile.token(Role.COUNSELLOR), "Idempotency-Key": "import-test-0001"}
    first = await casefile.http.post("/cases", json=casefile.case_body(), headers=headers)
    again = await casefile.http.post("/cases", json=casefile.case_body(), headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await casefile.fetchval("SELECT count(*) FROM cases") == 1

    other = casefile.case_body(region="west")
    reused = await casefile.http.post("/cases", json=other, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["error"] == "idempotency_key_reused"

    case_id = first.json()["case_id"]
    stage = {"to_stage": "final_rejection", "decided_on": casefile.today().isoformat()}
    keyed = {**headers, "Idempotency-Key": "stage-test-0001"}
    staged = [
        await casefile.http.post(f"/cases/{case_id}/stage", json=stage, headers=keyed)
        for _ in range(2)
    ]
    # Without the key the second would be 409 impossible_transition (already at that stage).
    assert [s.status_code for s in staged] == [200, 200], staged[1].text
    assert staged[1].json() == {"case_id": case_id, "stage": "final_rejection"}
