"""Updating a case: coarse facts, and the person's data re-sealed under the same key."""

from typing import Any

import pytest
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration


async def _deadlines(cf: Any, case_id: str) -> list[tuple[str, str]]:
    view = (await cf.http.get(f"/cases/{case_id}", headers=cf.token(Role.COUNSELLOR))).json()
    return [(d["kind"], d["due_date"]) for d in view["deadlines"]]


async def test_moving_out_of_and_into_a_family_location_tracks_its_end(casefile: Any) -> None:
    case_id = await casefile.open_case()  # family location, child born 2019-02-28
    headers = casefile.token(Role.COUNSELLOR)
    assert await _deadlines(casefile, case_id) == [("family_location_end", "2037-02-28")]

    response = await casefile.http.patch(
        f"/cases/{case_id}", json={"location_type": "vbl"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert await _deadlines(casefile, case_id) == []

    response = await casefile.http.patch(
        f"/cases/{case_id}",
        json={"location_type": "family_location", "vulnerabilities": ["medical"]},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert await _deadlines(casefile, case_id) == [("family_location_end", "2037-02-28")]
    empty = await casefile.http.patch(f"/cases/{case_id}", json={}, headers=headers)
    assert empty.status_code == 422


async def test_replacing_the_person_re_seals_and_recomputes_household_facts(
    casefile: Any,
) -> None:
    case_id = await casefile.open_case()
    headers = casefile.token(Role.COUNSELLOR)
    keys_before = await casefile.fetchval("SELECT wrapped_key FROM person_keys")
    body = {
        "person": {"name": "Nieuwe Naam-Zeldzaam", "date_of_birth": "1980-01-01"},
        "household": [
            {"relation": "child", "date_of_birth": "2019-02-28"},
            {"relation": "child", "date_of_birth": "2024-02-29"},
        ],
    }
    response = await casefile.http.put(f"/cases/{case_id}/person", json=body, headers=headers)
    assert response.status_code == 200, response.text
    view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
    assert view["person"]["identity"]["name"] == "Nieuwe Naam-Zeldzaam"
    assert view["person"]["contact"] == {"phone": None}
    assert "medical_needs" not in view["person"]  # no longer given: no longer stored
    assert view["household_size"] == 3
    assert await casefile.fetchval("SELECT wrapped_key FROM person_keys") == keys_before
    # The youngest (a leap-day child) decides: 18 on 1 March 2042.
    assert await _deadlines(casefile, case_id) == [("family_location_end", "2042-03-01")]
    bad = {**body, "person": {**body["person"], "date_of_birth": "2999-01-01"}}
    refused = await casefile.http.put(f"/cases/{case_id}/person", json=bad, headers=headers)
    assert refused.status_code == 422
    view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
    assert view["person"]["identity"]["date_of_birth"] == "1980-01-01"
