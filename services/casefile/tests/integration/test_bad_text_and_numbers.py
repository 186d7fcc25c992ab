"""Issue 13 on casefile's HTTP edge: unbounded numbers, invisible or control text, and
household dates that contradict each other answer 422 with a reason, and write nothing."""

import unicodedata
from typing import Any

import pytest
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "query",
    [
        "offset=9223372036854775808",  # the issue's: beyond bigint, a 500 before
        "offset=1000001",  # past the offset bound, still a bigint: same class (no upper bound)
        "offset=%D9%A1",  # an Arabic-Indic one: a number not written in ASCII digits
        "limit=1_0",  # pydantic's lax int would read 10: a number not written whole
    ],
)
async def test_paging_numbers_are_bounded_and_ascii(casefile: Any, query: str) -> None:
    response = await casefile.http.get(f"/cases?{query}", headers=casefile.token(Role.ADMIN))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"


def _person(cf: Any, **person: Any) -> dict[str, Any]:
    body = cf.case_body()
    body["person"] = {**body["person"], **person}
    return body


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Amina\u0000", "control character"),  # the NUL class
        ("\u200b" * 10, "format character"),  # the ten zero-width spaces
        ("\u3164\u3164\u3164", "shows nothing"),  # Hangul fillers: letters that show nothing
        ("Amina\n## Decision", "control character"),  # a forged Markdown heading
    ],
)
async def test_names_are_visible_one_line_text(casefile: Any, name: str, why: str) -> None:
    before = await casefile.fetchval("SELECT count(*) FROM cases")
    response = await casefile.http.post(
        "/cases", json=_person(casefile, name=name), headers=casefile.token(Role.COUNSELLOR)
    )
    assert response.status_code == 422, response.text
    assert "person.name" in response.json()["detail"]
    assert why in response.json()["detail"]
    assert await casefile.fetchval("SELECT count(*) FROM cases") == before


async def test_a_name_is_stored_in_nfc(casefile: Any) -> None:
    nfd = unicodedata.normalize("NFD", "Zoë Çelik")
    case_id = await casefile.open_case(person={**casefile.case_body()["person"], "name": nfd})
    case = await casefile.http.get(f"/cases/{case_id}", headers=casefile.token(Role.COUNSELLOR))
    assert case.json()["person"]["identity"]["name"] == "Zoë Çelik"


@pytest.mark.parametrize(
    ("household", "where"),
    [
        # the issue's: a child born before the parent (a family-location end in 1968)
        ([{"relation": "child", "date_of_birth": "1950-01-01"}], "household[0]"),
        # a child born when the person was 5: same class, dates that contradict each other
        ([{"relation": "child", "date_of_birth": "1992-04-23"}], "household[0]"),
        # a parent younger than the person: the same rule seen from the other side
        (
            [
                {"relation": "child", "date_of_birth": "2019-02-28"},
                {"relation": "parent", "date_of_birth": "1990-01-01"},
            ],
            "household[1]",
        ),
    ],
)
async def test_household_dates_must_fit_the_persons(
    casefile: Any, household: list[dict[str, Any]], where: str
) -> None:
    response = await casefile.http.post(
        "/cases",
        json=casefile.case_body(household=household),
        headers=casefile.token(Role.COUNSELLOR),
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "implausible_household_dates"
    assert where in response.json()["detail"]
    assert await casefile.fetchval("SELECT count(*) FROM deadlines") == 0


async def test_a_partner_of_any_age_and_a_plausible_child_pass(casefile: Any) -> None:
    await casefile.open_case(
        household=[
            {"relation": "partner", "date_of_birth": "1999-01-01"},
            {"relation": "child", "date_of_birth": "2019-02-28"},
        ]
    )
