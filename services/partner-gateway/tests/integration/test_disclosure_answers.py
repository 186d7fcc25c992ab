"""The ninth new user's findings on the disclosure, on the real stack over real HTTP: a HEAD on
a referral asked casefile and logged a disclosure though no body was sent; the 503 of a
casefile that could not disclose had no ``Retry-After``; casefile's 409 reached the partner as
503."""

import uuid

import pytest
from hub_contracts import DisclosureMade
from hub_runtime.http import UNAVAILABLE_RETRY_AFTER_SECONDS

from .conftest import Gateway
from .portal import signed_in_staff

pytestmark = pytest.mark.integration


async def _nothing_disclosed(gateway: Gateway, referral_id: uuid.UUID) -> None:
    assert gateway.casefile.requests == []  # casefile was not even asked
    assert await gateway.disclosures(referral_id) == []
    assert await gateway.emitted(DisclosureMade) == []


async def test_head_on_a_referral_is_405_and_discloses_nothing(gateway: Gateway) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    path = f"/partner/referrals/{referral_id}"
    head = await gateway.http.head(path, headers=gateway.as_partner(partner_id))
    assert head.status_code == 405
    assert head.headers["allow"] == "GET"
    assert head.content == b""
    await _nothing_disclosed(gateway, referral_id)
    # the GET itself still discloses, once, logged
    assert (await gateway.http.get(path, headers=gateway.as_partner(partner_id))).status_code == 200
    assert len(await gateway.disclosures(referral_id)) == 1


async def test_head_on_a_referral_page_of_the_portal_discloses_nothing(gateway: Gateway) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    head = await staff.http.head(f"/portal/referrals/{referral_id}")
    assert head.status_code == 405
    assert head.headers["allow"] == "GET"
    await _nothing_disclosed(gateway, referral_id)


@pytest.mark.parametrize(
    ("status", "code"),
    [(503, "partner_not_known_yet"), (500, "error_500"), (502, "bad_gateway")],
)
async def test_casefile_not_disclosing_is_503_with_retry_after(
    gateway: Gateway, status: int, code: str
) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    gateway.casefile.refusal = (status, code)
    response = await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(partner_id)
    )
    assert response.status_code == 503
    assert response.json()["error"] == "upstream_unavailable"
    assert response.headers["retry-after"] == str(UNAVAILABLE_RETRY_AFTER_SECONDS)
    assert await gateway.disclosures(referral_id) == []


async def test_casefiles_409_is_the_partners_409_suspended_not_503(gateway: Gateway) -> None:
    """A 409 from casefile: the case's state refuses the disclosure for now; the partner gets
    the gateway's own answer for that, 409 ``referral_suspended`` (it waits for the resumption
    notice), not casefile's code, and nothing is logged as disclosed."""
    partner_id, _, _, referral_id = await gateway.approved_referral()
    gateway.casefile.refusal = (409, "appeal_pending_travel_documents")
    response = await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(partner_id)
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "referral_suspended"
    assert body["detail"] == (
        "the referral is suspended for now (it may resume): nothing is disclosed meanwhile"
    )
    assert set(body) == {"error", "detail", "reasons"}
    assert "retry-after" not in response.headers
    assert len(gateway.casefile.requests) == 1
    assert await gateway.disclosures(referral_id) == []


async def test_the_portals_page_for_casefile_not_disclosing_has_retry_after(
    gateway: Gateway,
) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    gateway.casefile.refusal = (503, "consent_not_known_yet")
    page = await staff.http.get(f"/portal/referrals/{referral_id}")
    assert page.status_code == 503
    assert page.headers["retry-after"] == str(UNAVAILABLE_RETRY_AFTER_SECONDS)
    assert await gateway.disclosures(referral_id) == []


@pytest.mark.parametrize(
    ("casefile_code", "status", "code"),
    [
        ("appeal_pending_travel_documents", 409, "referral_suspended"),
        ("category_not_needed_for_purpose", 403, "consent_not_covering"),
    ],
)
async def test_casefiles_403_is_a_suspension_only_for_a_rule_that_passes_by_itself(
    gateway: Gateway, casefile_code: str, status: int, code: str
) -> None:
    """Casefile may hear of an appeal before the gateway does (its stage event is still on its
    way): it refuses 403 ``appeal_pending_travel_documents``, a rule that passes by itself.
    The partner gets the suspension's 409, as from the gateway's own gate a moment later, not
    a 403 ``consent_not_covering`` that tells it the consent will never do; any other 403
    stays that. Nothing is logged either way."""
    partner_id, _, _, referral_id = await gateway.approved_referral()
    gateway.casefile.refusal = (403, casefile_code)
    response = await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(partner_id)
    )
    assert response.status_code == status
    assert response.json()["error"] == code
    assert await gateway.disclosures(referral_id) == []
