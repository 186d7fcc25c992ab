"""The persons' blind index on the real stack (PostgreSQL): a second open case for the same
person answers 409 ``person_already_known`` with the first case's id (validate-only too, and
for two requests at the same moment); erasure deletes the index row, after which the person
can be opened again; `python -m casefile.reindex` fills the rows of older cases."""

import asyncio
from typing import Any

import pytest
from casefile.reindex import reindex
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

ROWS = "SELECT count(*) FROM person_index"


async def test_the_same_person_twice_is_refused_with_the_open_case(casefile: Any) -> None:
    headers = casefile.token(Role.COUNSELLOR)
    first = await casefile.open_case()
    spelled = casefile.case_body(region="west")
    spelled["person"] = {**spelled["person"], "name": f"  {casefile.NAME.upper()} "}
    for path in ("/cases", "/cases/validate"):
        again = await casefile.http.post(path, json=spelled, headers=headers)
        assert again.status_code == 409, again.text
        body = again.json()
        assert (body["error"], body["case_id"]) == ("person_already_known", first)
        assert casefile.NAME not in again.text
        assert casefile.BIRTH not in again.text
    assert await casefile.fetchval("SELECT count(*) FROM cases") == 1
    digest = await casefile.fetchval(
        "SELECT digest FROM person_index WHERE case_id = $1::uuid", first
    )
    assert len(digest) == 32
    assert casefile.NAME.encode() not in digest


async def test_a_checked_namesake_is_opened_beside_the_other_case(casefile: Any) -> None:
    """Two persons may share a name and a birth date (1 January is common among people
    without documents): a counsellor who checked the case the 409 named opens the new one
    beside it by naming it in ``not_the_person_of``; a third still meets both."""
    headers = casefile.token(Role.COUNSELLOR)
    first = await casefile.open_case()
    body = casefile.case_body() | {"not_the_person_of": [first]}
    second = await casefile.http.post("/cases", json=body, headers=headers)
    assert second.status_code == 201, second.text
    namesake = second.json()["case_id"]
    assert await casefile.fetchval(ROWS) == 2
    third = await casefile.http.post("/cases", json=body, headers=headers)
    assert (third.status_code, third.json()["case_id"]) == (409, namesake)
    both = casefile.case_body() | {"not_the_person_of": [first, namesake]}
    assert (await casefile.http.post("/cases/validate", json=both, headers=headers)).is_success
    repeated = casefile.case_body() | {"not_the_person_of": [first, first]}
    refused = await casefile.http.post("/cases", json=repeated, headers=headers)
    assert refused.status_code == 422, refused.text


async def test_two_requests_at_once_open_one_case(casefile: Any) -> None:
    headers = casefile.token(Role.COUNSELLOR)
    answers = await asyncio.gather(
        *(
            casefile.http.post("/cases", json=casefile.case_body(), headers=headers)
            for _ in range(4)
        )
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    (opened,) = [a.json()["case_id"] for a in answers if a.status_code == 201]
    assert {a.json()["case_id"] for a in answers} == {opened}
    assert await casefile.fetchval("SELECT count(*) FROM cases") == 1


async def test_erasure_deletes_the_index_row_and_frees_the_person(casefile: Any) -> None:
    case_id = await casefile.open_case()
    assert await casefile.fetchval(ROWS) == 1
    erased = await casefile.http.delete(
        f"/cases/{case_id}/person", headers=casefile.token(Role.COORDINATOR)
    )
    assert erased.status_code == 200, erased.text
    assert await casefile.fetchval(ROWS) == 0
    again = await casefile.open_case()
    assert again != case_id
    assert await casefile.fetchval("SELECT array_agg(case_id::text) FROM person_index") == [again]


async def test_reindex_fills_the_rows_of_cases_opened_before_the_index(casefile: Any) -> None:
    ids = [
        await casefile.open_case(person={**casefile.case_body()["person"], "name": f"Persoon {i}"})
        for i in range(5)
    ]
    before = await casefile.fetchval("SELECT array_agg(digest ORDER BY case_id) FROM person_index")
    await casefile.fetchval("DELETE FROM person_index RETURNING 1")  # as right after 0022
    assert await casefile.fetchval(ROWS) == 0

    indexed, known = await reindex(casefile.settings, every=False, batch=2)
    assert (indexed, known) == (5, [])
    after = await casefile.fetchval("SELECT array_agg(digest ORDER BY case_id) FROM person_index")
    assert after == before
    refused = await casefile.http.post(
        "/cases",
        json=casefile.case_body(person={**casefile.case_body()["person"], "name": "Persoon 3"}),
        headers=casefile.token(Role.COUNSELLOR),
    )
    assert refused.json()["case_id"] == ids[3]
    assert await reindex(casefile.settings, every=True) == (5, [])
