"""The portal's referral pages on the real stack: the same disclosure as the API's fetch
(re-checked, logged naming the staff member), reports and acknowledgements through the API's
handlers, once per form."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hub_contracts import (
    DisclosureMade,
    MonitoringReported,
    NoticeAcknowledged,
    PartnerStatusReportedV2,
    PersonErased,
)
from markupsafe import escape
from partner_gateway.api.portal import i18n, labels

from .conftest import Gateway
from .portal import IDEM, browser, csrf_of, signed_in_staff

pytestmark = pytest.mark.integration

FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


async def test_opening_a_referral_is_a_disclosure_logged_with_the_staff_member(
    gateway: Gateway,
) -> None:
    partner_id, _, consent_id, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    listing = await staff.http.get("/portal/")
    assert f"/portal/referrals/{referral_id}" in listing.text
    assert await gateway.disclosures(referral_id) == []  # the list discloses nothing

    page = await staff.http.get(f"/portal/referrals/{referral_id}")
    assert page.status_code == 200
    assert "value-of-identity" in page.text
    assert "never-consented" not in page.text  # only the consented categories pass
    [logged] = await gateway.disclosures(referral_id)
    assert logged["staff_id"] == str(staff.staff_id)
    assert logged["consent_id"] == str(consent_id)
    [made] = await gateway.emitted(DisclosureMade)
    assert made.referral_id == referral_id

    # the API's fetch is logged without a staff member
    api = await gateway.http.get(
        f"/partner/referrals/{referral_id}", headers=gateway.as_partner(partner_id)
    )
    assert api.status_code == 200
    assert [d["staff_id"] for d in await gateway.disclosures(referral_id)] == [
        str(staff.staff_id),
        None,
    ]


async def test_another_partners_staff_sees_nothing_and_nothing_is_logged(
    gateway: Gateway,
) -> None:
    _, _, _, referral_id = await gateway.approved_referral()
    other_partner = await gateway.register_partner()
    await gateway.wait_for_partner(other_partner)
    stranger = await signed_in_staff(gateway, other_partner)
    assert f"/portal/referrals/{referral_id}" not in (await stranger.http.get("/portal/")).text
    page = await stranger.http.get(f"/portal/referrals/{referral_id}")
    assert page.status_code == 404
    assert await gateway.disclosures(referral_id) == []


async def test_after_withdrawal_the_page_is_gone_unlogged_and_the_notice_is_acknowledged(
    gateway: Gateway,
) -> None:
    partner_id, case_id, consent_id, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    await gateway.withdraw(case_id, consent_id, partner_id)
    await gateway.view_holds("SELECT count(*) = 1 FROM notices WHERE referral_id = $1", referral_id)
    page = await staff.http.get(f"/portal/referrals/{referral_id}")
    assert page.status_code == 410
    assert "consent_withdrawn" in page.text
    assert await gateway.disclosures(referral_id) == []
    assert gateway.casefile.requests == []

    listing = await staff.http.get("/portal/")
    assert f"/portal/referrals/{referral_id}" not in listing.text  # judged as the inbox is
    [action] = re.findall(r'action="(/portal/notices/[0-9a-f-]+/ack)"', listing.text)
    data = {"csrf": csrf_of(listing), "idem": IDEM.findall(listing.text)[0]}
    done = await staff.http.post(action, data=data)
    assert (done.status_code, done.headers["location"]) == (303, "/portal/?done=ack")
    again = await staff.http.post(action, data=data)  # the same form twice: one ack
    assert again.status_code == 303
    [ack] = await gateway.emitted(NoticeAcknowledged)
    assert ack.partner_id == partner_id
    after = await staff.http.get("/portal/?done=ack")
    assert "The notice is acknowledged." in after.text
    assert "/ack" not in after.text  # no button any more


def shown(language: str, sentence: str) -> str:
    """``sentence`` in ``language`` as the template writes it (an apostrophe is &#39;)."""
    return str(escape(i18n.load()[language].gettext(sentence)))


async def test_after_erasure_the_page_says_the_data_was_erased(gateway: Gateway) -> None:
    """The sixth trial: an erased person's referral read the withdrawn-or-expired sentence.
    The gate's code (``person_erased``) has its own, in each language, with the API's 410."""
    partner_id, case_id, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    await gateway.publish(PersonErased(case_id=case_id, erased_at=datetime.now(UTC)))
    await gateway.view_holds("SELECT true FROM erased_cases WHERE case_id = $1", case_id)
    erased = labels.ERROR["person_erased"]
    for language in i18n.LANGUAGES:
        page = await staff.http.get(
            f"/portal/referrals/{referral_id}", headers={"Accept-Language": language}
        )
        assert page.status_code == 410
        assert shown(language, erased) in page.text, (language, page.text)
        assert shown(language, labels.GONE) not in page.text
    assert await gateway.disclosures(referral_id) == []


async def test_accept_progress_monitoring_and_decline_go_through_the_apis_handlers(
    gateway: Gateway,
) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    path = f"/portal/referrals/{referral_id}"
    accepted = await staff.form(path, f"{path}/status", status="accepted")
    assert (accepted.status_code, accepted.headers["location"]) == (303, "/portal/?done=status")
    progress = await staff.form(path, f"{path}/status", status="departed")
    assert progress.status_code == 303
    monitoring = await staff.http.get(path)
    sent = await staff.http.post(
        f"{path}/monitoring",
        data={
            "csrf": csrf_of(monitoring),
            "idem": IDEM.findall(monitoring.text)[-1],
            "months_after_return": "3",
            "outcomes": ["problems_with_authorities", "safety_concern"],
        },
    )
    assert sent.status_code == 303
    reports = [(r.status, r.reason_code) for r in await gateway.emitted(PartnerStatusReportedV2)]
    assert reports == [("accepted", None), ("departed", None)]
    [monitored] = await gateway.emitted(MonitoringReported)
    assert monitored.months_after_return == 3
    assert sorted(monitored.outcomes) == ["problems_with_authorities", "safety_concern"]
    listing = await staff.http.get("/portal/")
    # the status the gateway keeps (a departure is a fact that leaves it accepted)
    assert "<td>Accepted</td>" in listing.text

    # a report the lifecycle refuses is the API's 409, as a page
    back = await staff.form(path, f"{path}/status", status="declined", reason_code="other")
    assert back.status_code == 409
    assert "impossible_transition" in back.text


async def test_a_decline_needs_a_reason_from_the_closed_list(gateway: Gateway) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    path = f"/portal/referrals/{referral_id}"
    for reason in ("", "the family name is X"):
        refused = await staff.form(path, f"{path}/status", status="declined", reason_code=reason)
        assert refused.status_code == 422
    nothing = await staff.form(path, f"{path}/monitoring", months_after_return="2")
    assert nothing.status_code == 422  # no outcome chosen
    assert await gateway.emitted(PartnerStatusReportedV2) == []
    declined = await staff.form(
        path, f"{path}/status", status="declined", reason_code="no_capacity"
    )
    assert declined.status_code == 303
    [report] = await gateway.emitted(PartnerStatusReportedV2)
    assert (report.status, report.reason_code) == ("declined", "no_capacity")


async def test_the_same_form_sent_twice_is_one_report(gateway: Gateway) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    path = f"/portal/referrals/{referral_id}"
    page = await staff.http.get(path)
    data = {"csrf": csrf_of(page), "idem": IDEM.findall(page.text)[0], "status": "accepted"}
    first = await staff.http.post(f"{path}/status", data=data)
    second = await staff.http.post(f"{path}/status", data=data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert len(await gateway.emitted(PartnerStatusReportedV2)) == 1
    # the key with another report is refused, not applied, and says so (the sixth trial: it
    # read "The request was refused.") in each of the portal's languages
    for language in i18n.LANGUAGES:
        reused = await staff.http.post(
            f"{path}/status",
            data={**data, "status": "in_progress"},
            headers={"Accept-Language": language},
        )
        assert reused.status_code == 422
        sentence = shown(language, labels.ERROR["idempotency_key_reused"])
        assert sentence in reused.text, (language, reused.text)
        assert shown(language, labels.GENERIC) not in reused.text
    assert len(await gateway.emitted(PartnerStatusReportedV2)) == 1


async def test_a_malformed_id_in_a_portal_url_answers_the_page_not_json(gateway: Gateway) -> None:
    """A portal page is read by a person: an id that cannot exist (not a UUID) in any portal
    route with an id answers its HTML message page, 404, in the reader's language (it was
    FastAPI's JSON 422); signed in or not, and nothing is disclosed or reported. The API keeps
    its JSON error shape."""
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    staff = await signed_in_staff(gateway, partner_id)
    french = i18n.load()["fr"].gettext(labels.ERROR["not_found"])
    # Escaped as the template escapes it (an apostrophe becomes &#39;).
    expected = str(escape(french))
    csrf = csrf_of(await staff.http.get("/portal/"))
    form = {"csrf": csrf, "idem": "portal-bad-id-1", "status": "accepted"}
    answers = [
        await staff.http.get("/portal/referrals/not-a-uuid", headers=FRENCH),
        await staff.http.post("/portal/referrals/not-a-uuid/status", data=form, headers=FRENCH),
        await staff.http.post(
            "/portal/referrals/12345/monitoring",
            data={**form, "months_after_return": "1"},
            headers=FRENCH,
        ),
        await staff.http.post("/portal/notices/not-a-uuid/ack", data=form, headers=FRENCH),
        await browser(gateway).get("/portal/referrals/not-a-uuid", headers=FRENCH),
    ]
    for answer in answers:
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"].startswith("text/html"), answer.text
        assert '<html lang="fr"' in answer.text
        assert expected in answer.text, answer.text
    assert await gateway.emitted(PartnerStatusReportedV2) == []
    api = await gateway.http.get(
        "/partner/referrals/not-a-uuid", headers=gateway.as_partner(partner_id)
    )
    assert api.status_code == 422
    assert api.json()["error"] == "invalid_request"
