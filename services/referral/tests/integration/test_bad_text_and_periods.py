"""Issue 13 on referral's edge: partner names and review reasons are visible text, lists have
bounds and no repeats, and consents and agreements end within reviewable periods."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import timedelta
from typing import Any

import pytest
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

PARTNER = {
    "name": "IOM Netherlands",
    "partner_type": "intergovernmental",
    "countries": ["NL", "IQ"],
    "purposes": ["return_counselling"],
}


def _says(body: dict[str, Any], field: str) -> bool:
    """The refusal names the field, or (a NUL anywhere, refused by the edge before any model is
    read) says it is the NUL character."""
    text = " ".join([body["detail"], *body.get("reasons", [])])
    return field in text or "NUL character" in text


async def _post_partner(stack: Any, **changes: Any) -> Any:
    return await stack.http.post(
        "/partners", json={**PARTNER, **changes}, headers=stack.token(Role.ADMIN)
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "IOM\u0000"}, "name"),  # the NUL in an admin's partner name (500)
        ({"name": "\u200b\u200c\u200d"}, "name"),  # only invisible characters
        ({"name": "\u3164"}, "name"),  # a Hangul filler: a letter that shows nothing
        ({"services": ["grants\u202e"]}, "services"),  # a bidi override in another text
        ({"countries": ["NL"] * 10_001}, "countries"),  # the 10,001 duplicates
        ({"countries": ["NL", "IQ", "NL"]}, "countries"),  # a short repeat: same class
        ({"countries": ["NL\n"]}, "countries"),  # a code with a trailing line feed
        # A second new user's trial: XX (user-assigned, no country) was accepted.
        ({"countries": ["NL", "XX"]}, "countries[1]: should be an ISO 3166-1 alpha-2 code"),
        ({"countries": ["UK"]}, "countries[0]: should be an ISO 3166-1 alpha-2 code"),
        ({"purposes": ["return_counselling"] * 2}, "purposes"),  # a repeated purpose
    ],
)
async def test_bad_partner_entries_are_422_and_not_listed(
    stack: Any, changes: dict[str, Any], field: str
) -> None:
    response = await _post_partner(stack, **changes)
    assert response.status_code == 422, response.text
    assert _says(response.json(), field)
    listed = await stack.http.get("/partners", headers=stack.token(Role.ADMIN))
    assert listed.json() == []


async def test_kosovo_is_a_country_a_partner_can_work_in(stack: Any) -> None:
    """XK is user-assigned, not ISO 3166-1, and accepted on purpose (hub_contracts.countries)."""
    response = await _post_partner(stack, countries=["XK", "NL"])
    assert response.status_code == 201, response.text
    assert response.json()["countries"] == ["XK", "NL"]


async def test_a_partner_name_is_stored_in_nfc(stack: Any) -> None:
    nfd = unicodedata.normalize("NFD", "Çal\u0131şma Derneği")
    response = await _post_partner(stack, name=nfd)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Çal\u0131şma Derneği"


async def test_agreements_end_within_five_years(stack: Any) -> None:
    """The issue's 9999-12-31 (never reviewed) and the first day past the bound."""
    from referral.domain.validity import latest_agreement_end

    latest = latest_agreement_end(stack.today())
    for until in ("9999-12-31", (latest + timedelta(days=1)).isoformat()):
        response = await _post_partner(
            stack, agreement_reference="DSA-1", agreement_valid_until=until
        )
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "agreement_period_too_long"
    fine = await _post_partner(
        stack, agreement_reference="DSA-1", agreement_valid_until=latest.isoformat()
    )
    assert fine.status_code == 201, fine.text


async def test_consents_end_within_two_years(stack: Any) -> None:
    """The issue's 9999-12-31 and the first day past the bound."""
    from referral.domain.validity import latest_consent_end

    case_id = await stack.open_case()
    partner = await stack.register_partner(purposes=["return_counselling"])
    latest = latest_consent_end(stack.today())
    for until in ("9999-12-31", (latest + timedelta(days=1)).isoformat()):
        response = await stack.grant(case_id, partner["partner_id"], valid_until=until)
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "consent_period_too_long"
    fine = await stack.grant(case_id, partner["partner_id"], valid_until=latest.isoformat())
    assert fine.status_code == 201, fine.text


@pytest.mark.parametrize(
    "reason",
    [
        "\u200b" * 10,  # the ten zero-width spaces
        "\u2800" * 12,  # twelve blank braille patterns: symbols that show nothing
        "Refused: see file\u0000",  # a NUL (the PostgreSQL 500 class)
    ],
)
async def test_review_reasons_are_visible_text(stack: Any, reason: str) -> None:
    response = await stack.http.post(
        f"/referrals/{uuid.uuid4()}/review",
        json={"decision": "refuse", "reason": reason},
        headers=stack.token(Role.COORDINATOR),
    )
    assert response.status_code == 422, response.text
    assert _says(response.json(), "reason")


async def test_the_migration_normalises_names_stored_before(stack: Any) -> None:
    """Names typed before the text type may be NFD: 0002_nfc_text.sql makes them NFC."""
    from referral.bootstrap import MIGRATIONS

    created = await _post_partner(stack, services=["grants"])
    partner_id = uuid.UUID(created.json()["partner_id"])
    nfd = unicodedata.normalize("NFD", "Zoë Çelik Stichting")
    pool = stack.runtime.context.pool
    await pool.execute(
        "UPDATE partners SET name = $2, services = $3 WHERE partner_id = $1",
        partner_id,
        nfd,
        [nfd, "grants"],
    )
    await pool.execute((MIGRATIONS / "0002_nfc_text.sql").read_text())
    row = await pool.fetchrow(
        "SELECT name, services FROM partners WHERE partner_id = $1", partner_id
    )
    assert row["name"] == "Zoë Çelik Stichting"
    assert row["services"] == ["Zoë Çelik Stichting", "grants"]
