"""What the edge and the router refuse under ``/portal`` answers a browser the portal's message
page in the reader's language, with the refusal's status (a second new user's trial got JSON
for an unknown portal path, a 405 and the 413/414/431 limits); the API keeps its JSON, and so
does a client that does not ask for HTML (`hub_runtime.edge_pages`). On the running gateway,
over a real socket."""

from __future__ import annotations

import gzip
from urllib.parse import urlencode

import pytest
from hub_runtime.edge_limits import MAX_HEADER_BYTES, MAX_TARGET_BYTES
from hub_runtime.staff_pages import MAX_FORM_FIELDS
from markupsafe import escape
from partner_gateway.api.portal import i18n, labels

from .conftest import Gateway
from .portal import PASSWORD, browser, csrf_of, signed_in_staff

pytestmark = pytest.mark.integration

BROWSER_FR = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "fr-FR,fr;q=0.9",
}


def _french(code: str) -> str:
    # Escaped as the template escapes it (an apostrophe becomes &#39;).
    return str(escape(i18n.load()["fr"].gettext(labels.ERROR[code])))


async def test_edge_refusals_under_the_portal_are_its_page_in_french(gateway: Gateway) -> None:
    http = browser(gateway)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    cases = [
        (await http.get("/portal/no-such-page", headers=BROWSER_FR), 404, "page_not_found"),
        (await http.delete("/portal/", headers=BROWSER_FR), 405, "method_not_allowed"),
        (
            await http.post(
                "/portal/sign-in", content=b"x=" + b"a" * 2_000_000, headers={**BROWSER_FR, **form}
            ),
            413,
            "payload_too_large",
        ),
        (  # the fourth trial: more fields than a form has was "the form has expired"
            await http.post(
                "/portal/sign-in",
                content="&".join(f"f{i}=x" for i in range(MAX_FORM_FIELDS + 1)).encode(),
                headers={**BROWSER_FR, **form},
            ),
            413,
            "payload_too_large",
        ),
        (
            await http.get("/portal/?q=" + "a" * MAX_TARGET_BYTES, headers=BROWSER_FR),
            414,
            "uri_too_long",
        ),
        (
            await http.get(
                "/portal/", headers={**BROWSER_FR, "X-Filler": "a" * (MAX_HEADER_BYTES + 1)}
            ),
            431,
            "headers_too_large",
        ),
        (
            await http.post(
                "/portal/sign-in",
                content=gzip.compress(b"email=a%40b.example&password=x"),
                headers={**BROWSER_FR, **form, "Content-Encoding": "gzip"},
            ),
            415,
            "unsupported_content_encoding",
        ),
        (  # the eighth trial: the reset page read the first of two codes
            await http.get("/portal/reset?code=Fatima-1987&code=B", headers=BROWSER_FR),
            400,
            "query_parameter_repeated",
        ),
        (  # the fifth trial: JSON to a form was "the form has expired" (403)
            await http.post(
                "/portal/sign-in",
                json={"email": "zara.probe@example.org", "password": "x"},
                headers=BROWSER_FR,
            ),
            415,
            "unsupported_media_type",
        ),
    ]
    for answer, status, code in cases:
        assert answer.status_code == status, (code, answer.text[:300])
        assert answer.headers["content-type"].startswith("text/html"), (code, answer.text[:300])
        assert '<html lang="fr"' in answer.text, code
        assert _french(code) in answer.text, (code, answer.text)
        assert f"<code>{code}</code>" in answer.text, code
        assert answer.headers["cache-control"] == "no-store", code
    assert cases[1][0].headers["allow"]  # what a client acts on is kept
    assert "Fatima" not in cases[-2][0].text  # the values are not shown
    # A parameter the page does not know (a mail's tracking) does not break its link.
    tracked = await http.get("/portal/reset?code=A&utm_source=mail", headers=BROWSER_FR)
    assert tracked.status_code == 200, tracked.text[:300]


async def test_the_api_and_clients_not_asking_for_html_keep_the_json(gateway: Gateway) -> None:
    http = browser(gateway)
    answers = [
        (await http.get("/partner/no-such-route", headers=BROWSER_FR), 404, "not_found"),
        (await http.get("/portal/no-such-page"), 404, "not_found"),  # httpx sends */*
        (
            await http.get("/portal/no-such-page", headers={"Accept": "application/json"}),
            404,
            "not_found",
        ),
    ]
    for answer, status, code in answers:
        assert answer.status_code == status, answer.text
        assert answer.json()["error"] == code, answer.text


@pytest.mark.parametrize("path", ["/portal/sign-in", "/portal/sign-out", "/portal/activate"])
async def test_json_sent_to_a_form_is_415_not_an_expired_form(gateway: Gateway, path: str) -> None:
    """The fifth new user's trial: JSON posted to a staff form got the "form has expired" 403.
    Every portal form reads its body through `hub_runtime.staff_pages.form_fields`."""
    http = browser(gateway)
    await http.get("/portal/sign-in", headers=BROWSER_FR)  # the CSRF cookie, as a browser has
    answer = await http.post(path, json={"email": "zara.probe@example.org", "password": "x"})
    assert answer.status_code == 415, answer.text
    assert answer.json()["error"] == "unsupported_media_type"
    assert "zara" not in answer.text


async def test_a_form_with_a_field_twice_signs_nobody_in_and_reports_nothing(
    gateway: Gateway,
) -> None:
    """The fifth trial: ``csrf=<valid>&csrf=zzz``, ``email=<staff>&email=<other>`` signed the
    staff member in (the first value won). Any field twice is 400 ``duplicate_field``, the
    portal's page in the reader's language, quoting no value; the monitoring form's outcome
    checkboxes still repeat (test_portal_referrals)."""
    partner_id, _, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    http = browser(gateway)
    token = csrf_of(await http.get("/portal/sign-in", headers=BROWSER_FR))
    form = {**BROWSER_FR, "Content-Type": "application/x-www-form-urlencoded"}
    right = [("csrf", token), ("email", staff.email), ("password", PASSWORD)]
    for extra in [("csrf", "zzz"), ("email", "zara@partner.example"), ("password", "Zara")]:
        answer = await http.post(
            "/portal/sign-in", content=urlencode([*right, extra]), headers=form
        )
        assert answer.status_code == 400, (extra, answer.text[:300])
        assert '<html lang="fr"' in answer.text
        assert _french("duplicate_field") in answer.text
        assert "zzz" not in answer.text
        assert "zara" not in answer.text.lower()
        assert "portal_session" not in http.cookies
    as_json = await http.post(
        "/portal/sign-in",
        content=urlencode([*right, ("email", "zara@partner.example")]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert as_json.json() == {
        "error": "duplicate_field",
        "detail": "a form sends each of its fields once",
        "reasons": [],
    }
    assert (await http.post("/portal/sign-in", content=urlencode(right), headers=form)).is_redirect
    page = await staff.http.get(f"/portal/referrals/{referral_id}")
    twice = [("csrf", csrf_of(page)), ("idem", "k" * 16)]
    twice += [("status", "accepted"), ("status", "declined")]
    answer = await staff.http.post(
        f"/portal/referrals/{referral_id}/status", content=urlencode(twice), headers=form
    )
    assert answer.status_code == 400
    still = await gateway.view_holds(
        "SELECT status = 'approved' FROM referrals WHERE referral_id = $1", referral_id
    )
    assert still is None  # nothing was reported
