"""The referral policy's refusal sentences follow ``Accept-Language`` (nl or en, English by
default) on the real stack: a refused consent's error body (``detail`` and ``reasons``) and a
refused referral's ``refusal_reasons``, for an origin-country authority. The codes are the same
in every language (issue 18)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

ORIGIN_NL = "Autoriteiten van het land van herkomst ontvangen nooit persoonsgegevens."
ORIGIN_EN = "Origin-country authorities never receive personal data."
MISSING_NL = "Geen toestemming dekt deze doorverwijzing."


async def _embassy_and_case(stack: Any) -> tuple[str, Any]:
    embassy = await stack.register_partner(
        name="Embassy of the origin country",
        partner_type="authority_origin",
        countries=["IQ"],
        purposes=["travel_documents"],
    )
    return embassy["partner_id"], await stack.open_case()


async def _consent(stack: Any, case_id: Any, partner: str, language: str | None) -> httpx.Response:
    headers = stack.token(Role.COUNSELLOR)
    if language is not None:
        headers["Accept-Language"] = language
    return await stack.http.post(
        f"/cases/{case_id}/consents",
        json=stack.consent_body(partner, purposes=["travel_documents"]),
        headers=headers,
    )


async def test_a_refused_consent_answers_in_dutch_or_english(stack: Any) -> None:
    partner, case_id = await _embassy_and_case(stack)
    dutch = await _consent(stack, case_id, partner, "nl-NL,nl;q=0.9,en;q=0.5")
    english = await _consent(stack, case_id, partner, "en-GB")
    default = await _consent(stack, case_id, partner, None)
    other = await _consent(stack, case_id, partner, "fr-FR")
    assert dutch.status_code == english.status_code == default.status_code == 403
    assert dutch.json()["error"] == english.json()["error"] == "partner_origin_authority"
    assert dutch.json()["detail"] == ORIGIN_NL
    assert dutch.json()["reasons"] == [ORIGIN_NL]
    assert dutch.headers["content-language"] == "nl"
    assert "Accept-Language" in dutch.headers["vary"]
    assert english.json()["detail"] == ORIGIN_EN
    assert english.json()["reasons"] == [ORIGIN_EN]
    assert english.headers["content-language"] == "en"
    assert default.json() == english.json()  # English when no language is asked for
    assert other.json() == english.json()  # ... or one referral does not speak


async def test_a_refused_referral_gives_its_reasons_in_dutch_or_english(stack: Any) -> None:
    partner, case_id = await _embassy_and_case(stack)
    body = {
        "partner_id": partner,
        "purpose": "travel_documents",
        "data_categories": ["identity"],
    }
    headers = {**stack.token(Role.COUNSELLOR), "Accept-Language": "nl"}
    refused = await stack.http.post(f"/cases/{case_id}/referrals", json=body, headers=headers)
    assert refused.status_code == 201, refused.text
    assert refused.json()["status"] == "refused"
    assert refused.headers["content-language"] == "nl"
    dutch = {r["code"]: r["text"] for r in refused.json()["refusal_reasons"]}
    assert dutch["partner_origin_authority"] == ORIGIN_NL
    assert dutch["consent_missing"] == MISSING_NL
    # The same referral read again in English: the same codes, English sentences.
    referral_id = refused.json()["referral_id"]
    read = await stack.http.get(
        f"/referrals/{referral_id}",
        headers={**stack.token(Role.COUNSELLOR), "Accept-Language": "en"},
    )
    english = {r["code"]: r["text"] for r in read.json()["refusal_reasons"]}
    assert list(english) == list(dutch)
    assert english["partner_origin_authority"] == ORIGIN_EN
    assert english["consent_missing"] == "No consent covers this referral."
