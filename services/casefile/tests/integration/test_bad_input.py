"""Bad input answers 4xx with a reason a counsellor's tool can show, and writes nothing."""

import gzip
import json
import logging
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from hub_runtime.auth import Role
from hub_runtime.db import dsn_for_database
from hub_runtime.validation_reasons import UNKNOWN_FIELD

pytestmark = pytest.mark.integration


async def _footprint(cf: Any) -> tuple[int, ...]:
    """Row counts of every table a use case writes (including the outbox)."""
    tables = [
        "cases",
        "person_keys",
        "person_fields",
        "timeline",
        "decisions",
        "stage_changes",
        "bottlenecks",
        "options_discussed",
        "efforts",
        "deadlines",
        "deadline_notices",
        "hub_outbox",
    ]
    return tuple([await cf.fetchval(f"SELECT count(*) FROM {t}") for t in tables])


def _with_person(cf: Any, **person: Any) -> dict[str, Any]:
    body = cf.case_body()
    body["person"] = {**body["person"], **person}
    return body


async def test_bad_new_cases_are_refused_with_reasons(casefile: Any) -> None:
    headers = casefile.token(Role.COUNSELLOR)
    future = "2999-01-01"
    household_future = casefile.case_body(
        household=[{"relation": "child", "date_of_birth": future}]
    )
    cases: list[tuple[dict[str, Any], int, str]] = [
        (_with_person(casefile, date_of_birth=future), 422, "person.date_of_birth"),
        (household_future, 422, "household[0].date_of_birth"),
        (_with_person(casefile, date_of_birth="1850-01-01"), 422, "before 1900"),
        (
            _with_person(casefile, date_of_birth="2023-02-29"),
            422,
            "person.date_of_birth: should be a day that exists, written YYYY-MM-DD (RFC 3339"
            " full-date)",
        ),
        (
            casefile.case_body(household=[{"date_of_birth": "2015-01-01"}]),
            422,
            "household[0].relation: is required",
        ),
        (casefile.case_body(person=[]), 422, "person: should be a JSON object"),
        (_with_person(casefile, date_of_birth="yesterday"), 422, "date_of_birth"),
        # Lax spellings pydantic would read as a day nobody chose: a time part, a number.
        (_with_person(casefile, date_of_birth="1990-05-17T00:00:00"), 422, "YYYY-MM-DD"),
        (_with_person(casefile, date_of_birth=7441), 422, "YYYY-MM-DD"),
        (casefile.case_body(stage="deported"), 422, "stage"),
        (casefile.case_body(region="amsterdam-centrum"), 422, "region"),
        (casefile.case_body(vulnerabilities=["sad"]), 422, "vulnerabilities"),
        (casefile.case_body(country_of_origin="Syria"), 422, "country_of_origin"),
        # A second new user's trial: XX, two capitals but no country, was accepted.
        (
            casefile.case_body(country_of_origin="XX"),
            422,
            "country_of_origin: should be an ISO 3166-1 alpha-2 code assigned to a country",
        ),
        (
            casefile.case_body(passport_number="X123"),
            422,
            "body: has a field this request does not take",
        ),
        (_with_person(casefile, phone="call me"), 422, "phone"),
        (casefile.case_body(final_decision_on=future, stage="final_rejection"), 422, "future"),
        (
            casefile.case_body(final_decision_on="0001-01-01", stage="final_rejection"),
            422,
            "final_decision_on is before 1900",
        ),
        (
            casefile.case_body(final_decision_on="1986-12-31", stage="final_rejection"),
            422,
            "before the person's date of birth",
        ),
        (casefile.case_body(departure_period_shortened="yes"), 422, "departure_period_shortened"),
    ]
    before = await _footprint(casefile)
    for body, status, reason in cases:
        response = await casefile.http.post("/cases", json=body, headers=headers)
        assert response.status_code == status, (reason, response.text)
        assert reason in response.json()["detail"], (reason, response.json())
        assert casefile.NAME not in response.text  # reasons never echo personal data
    assert await _footprint(casefile) == before


async def test_an_impossible_date_gets_the_hubs_sentence_only(casefile: Any) -> None:
    """The fourth trial: the parser's "(day value is outside expected range)" followed the
    hub's sentence."""
    body = _with_person(casefile, date_of_birth="2023-02-29")
    response = await casefile.http.post(
        "/cases", json=body, headers=casefile.token(Role.COUNSELLOR)
    )
    assert response.status_code == 422, response.text
    assert response.json()["reasons"] == [
        "person.date_of_birth: should be a day that exists, written YYYY-MM-DD (RFC 3339 full-date)"
    ]


async def test_implausible_dates_name_the_field_and_the_rule_in_reasons(casefile: Any) -> None:
    """A second new user's trial: ``date_in_future`` and ``date_implausible`` left ``reasons``
    empty; a tool could not tell which field to correct."""
    headers = casefile.token(Role.COUNSELLOR)
    born_later = casefile.case_body(
        person={**casefile.case_body()["person"], "date_of_birth": "2999-01-01"},
        household=[{"relation": "child", "date_of_birth": "1850-01-01"}],
    )
    response = await casefile.http.post("/cases", json=born_later, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "date_in_future"
    assert response.json()["reasons"] == [
        "person.date_of_birth: lies in the future; it should be today or earlier (the council's"
        " day, Amsterdam)"
    ]
    old = casefile.case_body(household=[{"relation": "parent", "date_of_birth": "1850-01-01"}])
    response = await casefile.http.post("/cases", json=old, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "date_implausible"
    assert response.json()["reasons"] == [
        "household[0].date_of_birth: is before 1900; no date in a case lies that far back"
        " (a typing error?)"
    ]
    case_id = await casefile.open_case(stage="appeal_pending", location_type="azc")
    for body, code, field in (
        ({"decision": "undecided", "decided_on": "2999-01-01"}, "date_in_future", "decided_on"),
        ({"decision": "undecided", "decided_on": "1899-12-31"}, "date_implausible", "decided_on"),
    ):
        response = await casefile.http.post(
            f"/cases/{case_id}/decision", json=body, headers=headers
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"] == code
        reasons = response.json()["reasons"]
        assert len(reasons) == 1, reasons
        assert reasons[0].startswith(f"{field}: "), reasons
        assert "2999" not in response.text
        assert "1899" not in response.text
    ban = {"kind": "entry_ban_end", "starts_on": "2999-01-01", "years": 2}
    response = await casefile.http.post(f"/cases/{case_id}/deadlines", json=ban, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["reasons"][0].startswith("starts_on: lies more than a year ahead")


async def test_oversized_and_malformed_bodies(casefile: Any) -> None:
    headers = casefile.token(Role.COUNSELLOR)
    before = await _footprint(casefile)
    huge = _with_person(casefile, medical_needs="x" * 300_000)
    response = await casefile.http.post("/cases", json=huge, headers=headers)
    assert response.status_code == 413
    too_long = _with_person(casefile, medical_needs="x" * 5000)
    response = await casefile.http.post("/cases", json=too_long, headers=headers)
    assert response.status_code == 422
    assert "medical_needs" in response.json()["detail"]
    response = await casefile.http.post(
        "/cases", content=b"{not json", headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 422
    # A second new user's trial: a 5000-digit number was called "not valid JSON".
    digits = b'{"person": {"languages": [' + b"7" * 5000 + b"]}}"
    response = await casefile.http.post(
        "/cases", content=digits, headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "number_too_large"
    assert response.json()["reasons"] == [
        "body: a number has more than 100 digits (too large to read)"
    ]
    response = await casefile.http.get("/cases/not-a-uuid", headers=headers)
    assert response.status_code == 422
    assert await _footprint(casefile) == before


async def test_a_gzip_body_is_refused_415_and_writes_nothing(casefile: Any) -> None:
    """A second new user's trial: ``Content-Encoding: gzip`` was ignored (the body read as if
    plain). Refused by the runtime's edge before the body is read, on every service."""
    headers = {
        **casefile.token(Role.COUNSELLOR),
        "content-type": "application/json",
        "content-encoding": "gzip",
    }
    before = await _footprint(casefile)
    body = gzip.compress(json.dumps(casefile.case_body()).encode())
    response = await casefile.http.post("/cases", content=body, headers=headers)
    assert response.status_code == 415, response.text
    assert response.json()["error"] == "unsupported_content_encoding"
    assert response.headers["accept-encoding"] == "identity"
    assert await _footprint(casefile) == before


async def test_bad_updates_to_a_case_write_nothing(casefile: Any) -> None:
    case_id = await casefile.open_case(stage="appeal_pending", location_type="azc")
    headers = casefile.token(Role.COUNSELLOR)
    today = casefile.today().isoformat()
    calls: list[tuple[str, dict[str, Any], int, str]] = [
        ("decision", {"decision": "undecided", "decided_on": "2000-01-01"}, 422, "before the case"),
        ("decision", {"decision": "undecided", "decided_on": "2999-01-01"}, 422, "future"),
        ("decision", {"decision": "forced_return", "decided_on": today}, 422, "decision"),
        ("bottlenecks", {"category": "bad_weather", "observed_on": today}, 422, "category"),
        ("bottlenecks", {"category": "journey_debts", "observed_on": 20260101}, 422, "observed_on"),
        ("decision", {"decision": "undecided", "decided_on": f"{today}T00:00:00Z"}, 422, "YYYY"),
        ("stage", {"to_stage": "buitenschuld_granted", "decided_on": today}, 409, "cannot move"),
        ("stage", {"to_stage": "final_rejection", "decided_on": "2999-01-01"}, 422, "future"),
        (
            "deadlines",
            {"kind": "extension", "weeks": 4, "cooperating": True},
            422,
            "departure period",
        ),
        ("deadlines", {"kind": "extension", "weeks": 13, "cooperating": True}, 422, "weeks"),
        ("deadlines", {"kind": "entry_ban_end", "starts_on": today, "years": 11}, 422, "years"),
        (
            "deadlines",
            {"kind": "family_detention_limit", "detained_at": "2026-03-01T10:00"},
            422,
            "detained_at",
        ),
        ("deadlines", {"kind": "holiday"}, 422, "kind"),
        (
            "options",
            {"options": [], "language": "ar", "interpreter_used": False, "discussed_on": today},
            422,
            "options: should have at least 1 item",  # the fifth trial: "List should have ..."
        ),
        (
            "efforts",
            {
                "kind": "embassy_visit",
                "occurred_on": today,
                "authority": "embassy",
                "outcome": "refused",
                "evidence_refs": ["a b c"],
            },
            422,
            "evidence_refs",
        ),
        ("close", {"closed_on": "2000-01-01"}, 422, "before the case"),
    ]
    before = await _footprint(casefile)
    for path, body, status, reason in calls:
        response = await casefile.http.post(f"/cases/{case_id}/{path}", json=body, headers=headers)
        assert response.status_code == status, (path, body, response.text)
        assert reason in response.json()["detail"], (path, response.json())
    assert await _footprint(casefile) == before
    unknown = await casefile.http.post(
        "/cases/00000000-0000-4000-8000-000000000000/decision",
        json={"decision": "undecided", "decided_on": today},
        headers=headers,
    )
    assert unknown.status_code == 404


@pytest.mark.expected_server_errors  # a 500 provoked by a CHECK constraint added for the test
async def test_a_failure_midway_rolls_back_the_whole_use_case(casefile: Any) -> None:
    """A stage change whose deadline cannot be stored leaves neither the change nor events."""
    case_id = await casefile.open_case(stage="appeal_pending", location_type="azc")
    headers = casefile.token(Role.COUNSELLOR)
    # Make the last write of the use case fail: the deadlines table refuses the insert. A
    # schema change is the owner role's (the service runs as its app role, without DDL).
    owner = await asyncpg.connect(
        dsn_for_database(casefile.settings.hub.pg_owner_dsn, casefile.settings.database)
    )
    await owner.execute(
        "ALTER TABLE deadlines ADD CONSTRAINT no_departure CHECK (kind <> 'departure_period')"
    )
    before = await _footprint(casefile)
    response = await casefile.http.post(
        f"/cases/{case_id}/stage",
        json={"to_stage": "final_rejection", "decided_on": casefile.today().isoformat()},
        headers=headers,
    )
    assert response.status_code == 500
    assert await _footprint(casefile) == before
    await owner.execute("ALTER TABLE deadlines DROP CONSTRAINT no_departure")
    await owner.close()
    view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
    assert view["stage"] == "appeal_pending"


async def test_reasons_never_echo_an_unknown_key_or_a_wrong_tag(casefile: Any) -> None:
    """Found by exploratory testing: pydantic's messages quoted the tag and the unknown key."""
    case_id = await casefile.open_case(stage="appeal_pending", location_type="azc")
    headers = casefile.token(Role.COUNSELLOR)
    secret_key = "Zara Probe 1991-07-04"
    with_key = _with_person(casefile, **{secret_key: "x"})
    unknown_key = await casefile.http.post("/cases", json=with_key, headers=headers)
    assert unknown_key.status_code == 422
    assert "person: has a field this request does not take" in unknown_key.json()["detail"]
    wrong_tag = await casefile.http.post(
        f"/cases/{case_id}/deadlines", json={"kind": "Zara Probe +31612345678"}, headers=headers
    )
    assert wrong_tag.status_code == 422
    assert (
        "kind: should be 'extension', 'entry_ban_end' or 'family_detention_limit'"
        in wrong_tag.json()["detail"]
    )
    assert "entry_ban_end" in wrong_tag.json()["detail"]
    # The tenth trial: no tag at all read "kind: Unable to extract tag using discriminator
    # 'kind'", pydantic's sentence.
    no_tag = await casefile.http.post(f"/cases/{case_id}/deadlines", json={"x": 1}, headers=headers)
    assert no_tag.status_code == 422
    assert no_tag.json()["reasons"] == ["kind: is required"]
    for answer in (unknown_key.text, wrong_tag.text):
        assert "Zara" not in answer
        assert "1991" not in answer
        assert "+3161" not in answer


async def test_deadline_dates_near_the_calendar_ends_are_refused_not_crashed(
    casefile: Any,
) -> None:
    """Found by exploratory testing: these answered 500 (OverflowError, AssertionError)."""
    case_id = await casefile.open_case(stage="appeal_pending", location_type="azc")
    headers = casefile.token(Role.COUNSELLOR)
    today = casefile.today()
    calls: list[tuple[dict[str, Any], str]] = [
        (
            {"kind": "family_detention_limit", "detained_at": "9999-12-25T23:00:00+00:00"},
            "detained_at lies in the future",
        ),
        (
            {"kind": "family_detention_limit", "detained_at": "0001-01-01T00:30:00+01:00"},
            "detained_at is before 1900",
        ),
        (
            {"kind": "family_detention_limit", "detained_at": "2099-01-01T10:00:00+01:00"},
            "detained_at lies in the future",
        ),
        ({"kind": "entry_ban_end", "starts_on": "9999-06-01", "years": 1}, "more than a year"),
        ({"kind": "entry_ban_end", "starts_on": "9995-02-28", "years": 10}, "more than a year"),
        ({"kind": "entry_ban_end", "starts_on": "0001-01-01", "years": 2}, "before 1900"),
        (
            {
                "kind": "entry_ban_end",
                "starts_on": (today.replace(year=today.year + 2)).isoformat(),
            },
            "more than a year",
        ),
    ]
    before = await _footprint(casefile)
    for body, reason in calls:
        response = await casefile.http.post(
            f"/cases/{case_id}/deadlines", json=body, headers=headers
        )
        assert response.status_code == 422, (body, response.text)
        assert reason in response.json()["detail"], (body, response.json())
    assert await _footprint(casefile) == before
    # A detention that began a moment ago and a ban from a departure next month are fine.
    now = casefile.clock().isoformat()
    for body in (
        {"kind": "family_detention_limit", "detained_at": now},
        {"kind": "entry_ban_end", "starts_on": (today + timedelta(days=30)).isoformat()},
    ):
        response = await casefile.http.post(
            f"/cases/{case_id}/deadlines", json=body, headers=headers
        )
        assert response.status_code == 201, (body, response.text)


async def test_procedure_dates_before_1900_or_the_case_are_refused(casefile: Any) -> None:
    case_id = await casefile.open_case(stage="appeal_pending", location_type="azc")
    headers = casefile.token(Role.COUNSELLOR)
    calls: list[tuple[str, dict[str, Any], str]] = [
        (
            "bottlenecks",
            {"category": "journey_debts", "observed_on": "1990-01-01"},
            "before the case",
        ),
        ("stage", {"to_stage": "final_rejection", "decided_on": "0001-01-01"}, "before 1900"),
        ("decision", {"decision": "undecided", "decided_on": "0001-01-01"}, "before 1900"),
    ]
    before = await _footprint(casefile)
    for path, body, reason in calls:
        response = await casefile.http.post(f"/cases/{case_id}/{path}", json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert reason in response.json()["detail"], (path, response.json())
        assert "0001-01-01" not in response.text  # the reason names the field, not the date
    assert await _footprint(casefile) == before


async def test_an_unknown_key_written_like_a_field_name_is_named_nowhere(
    casefile: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The fifth new user's trial: ``{"haddad": 1}`` was answered ``haddad: not a field of this
    request``; a surname used as a key is written like a field name. Neither the answer nor a
    log line of the service names it."""
    surname = "haddadzeldzaam"  # a marker that appears nowhere else
    headers = casefile.token(Role.COUNSELLOR)
    body = _with_person(casefile, **{surname: 1})
    body[surname] = {"note": "x"}
    caplog.set_level(logging.DEBUG)
    before = await _footprint(casefile)
    response = await casefile.http.post("/cases", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert sorted(response.json()["reasons"]) == [
        f"body: {UNKNOWN_FIELD}",
        f"person: {UNKNOWN_FIELD}",
    ]
    assert surname not in response.text
    assert surname not in str(response.headers)
    logged = [f"{r.getMessage()} {vars(r)}" for r in caplog.records]
    assert logged  # the request was logged, and no line names the key
    assert not [line for line in logged if surname in line]
    assert await _footprint(casefile) == before


async def test_a_case_patch_with_only_nulls_gets_the_rules_sentence(casefile: Any) -> None:
    """The fifth new user's trial: ``{"region": null}`` got only "body: is not valid" (the
    sentence names the field the body has, which was taken for an echo of the input)."""
    case_id = await casefile.open_case()
    headers = casefile.token(Role.COUNSELLOR)
    before = await _footprint(casefile)
    for body in ({"region": None}, {"region": None, "location_type": None}, {}):
        response = await casefile.http.patch(f"/cases/{case_id}", json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["reasons"] == [
            "body: give at least one of location_type, region, vulnerabilities"
        ]
    assert await _footprint(casefile) == before
