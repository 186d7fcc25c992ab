"""No portal page echoes what was typed into its address (fifth trial, privacy): a name in an
unknown path, an e-mail in a query, a made-up invitation code. The language links carry a
closed ``next`` (the path of a GET page that rendered, no query; the start page on an error
page), and the activation and reset forms show only a text shaped like an issued code (from
the link, or sent in a refused form: sixth trial), a refused e-mail field only a valid
address (sixth trial). On the running gateway, over a real socket."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from .conftest import Gateway, GatewayFactory
from .portal import PASSWORD, browser, csrf_of, signed_in_staff

pytestmark = pytest.mark.integration

HTML = {"Accept": "text/html", "Accept-Language": "en"}
MARKER = "QxHaddad"  # stands for a person's name typed into an address
NEXT = re.compile(r'href="/portal/language/[a-z]+\?next=([^"]*)"')


def _nexts(page: httpx.Response) -> set[str]:
    found = set(NEXT.findall(page.text))
    assert found, page.text[:500]
    return found


def _echoes(page: httpx.Response) -> bool:
    return MARKER.lower() in page.text.lower()


async def test_pages_without_a_session_echo_nothing_of_the_address(gateway: Gateway) -> None:
    http = browser(gateway)
    form = {**HTML, "Content-Type": "application/x-www-form-urlencoded"}
    answers = [
        (await http.get(f"/portal/Fatima%20{MARKER}?x={MARKER}", headers=HTML), 404),
        (await http.get(f"/portal/referrals/Fatima%20{MARKER}", headers=HTML), 404),
        (await http.post(f"/portal/referrals/{MARKER}", headers=form, content=b"a=b"), 405),
        (await http.post(f"/portal/referrals/{MARKER}/status", headers=form, content=b""), 404),
        (await http.get(f"/portal/sign-in?email=fatima.{MARKER}@gmail.com", headers=HTML), 200),
        (await http.get(f"/portal/activate?code=Fatima%20{MARKER}", headers=HTML), 200),
        (await http.get(f"/portal/reset?code={MARKER}", headers=HTML), 200),
    ]
    for answer, status in answers:
        where = str(answer.request.url)
        assert answer.status_code == status, (where, answer.text[:300])
        assert not _echoes(answer), (where, answer.text)
    for answer, status in answers:
        expected = {"%2Fportal%2F"} if status >= 400 else {quote(answer.url.path, safe="")}
        assert _nexts(answer) == expected, str(answer.request.url)


async def test_signed_in_pages_keep_their_path_but_no_query(gateway: Gateway) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id, lead=True)
    for path in ["/portal/", f"/portal/referrals/{referral_id}", "/portal/team", "/portal/factor"]:
        page = await staff.http.get(f"{path}?done={MARKER}&x=Fatima%20{MARKER}", headers=HTML)
        assert page.status_code == 200, (path, page.text[:300])
        assert not _echoes(page), (path, page.text)
        assert _nexts(page) == {quote(path, safe="")}, path
    missing = await staff.http.get(f"/portal/referrals/Fatima%20{MARKER}", headers=HTML)
    assert missing.status_code == 404
    assert not _echoes(missing)
    assert _nexts(missing) == {"%2Fportal%2F"}


async def test_a_link_s_code_is_prefilled_only_when_shaped_like_one(gateway: Gateway) -> None:
    """The invitation and reset links prefill their form (the code a lead sent); a text that
    is no code (a name, an e-mail) is not put into the page."""
    http = browser(gateway)
    code = "A" * 16 + "b-_9" * 4  # 32 URL-safe base64 characters, as `new_code` makes
    for path in ["/portal/activate", "/portal/reset"]:
        page = await http.get(f"{path}?code={code}", headers=HTML)
        assert f'value="{code}"' in page.text, path
        assert code not in "".join(NEXT.findall(page.text))  # nor in the language links
        for typed in [code + "x", code[:-1], f"{code[:-8]}Fatima H", "fatima@mail.example"]:
            page = await http.get(path, params={"code": typed}, headers=HTML)
            assert page.status_code == 200
            assert 'name="code" required maxlength="64" autocomplete="off" value=""' in page.text
            assert typed not in page.text, (path, typed)
            assert "fatima" not in page.text.lower(), (path, typed)


async def test_a_refused_form_keeps_only_a_code_shaped_code(gateway: Gateway) -> None:
    """A refused activation or reset form (the passwords differ: 422; an unknown code: 401)
    shows its code field again with the code as sent only when it is shaped like an issued
    code; a name typed into the field is not put into the page (sixth trial)."""
    http = browser(gateway)
    code = "A" * 16 + "b-_9" * 4  # shaped like an issued code, but none was issued
    for path in ["/portal/activate", "/portal/reset"]:
        csrf = csrf_of(await http.get(path, headers=HTML))
        for typed, confirm, status in [
            (f"Fatima {MARKER}", PASSWORD + "x", 422),
            (f"Fatima {MARKER}", PASSWORD, 401),
            (f"fatima.{MARKER}@mail.example", PASSWORD, 401),
            (code, PASSWORD + "x", 422),
            (code, PASSWORD, 401),
        ]:
            data = {"csrf": csrf, "code": typed, "password": PASSWORD, "confirm": confirm}
            page = await http.post(path, data=data, headers=HTML)
            assert page.status_code == status, (path, typed, page.text[:300])
            assert 'id="problem"' in page.text, (path, typed)
            shown = code if typed == code else ""
            field = f'name="code" required maxlength="64" autocomplete="off" value="{shown}"'
            assert field in page.text, (path, typed)
            assert not _echoes(page), (path, typed)


def _email_field(page: httpx.Response) -> str:
    found = re.search(r'<input id="email" [^>]*value="([^"]*)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


async def test_a_refused_e_mail_field_keeps_only_a_valid_address(
    start_gateway: GatewayFactory,
) -> None:
    """A refused sign-in and a refused invitation show their e-mail field again with the text
    as sent only when it is a valid address of at most 254 characters (the portal's rule for
    an address); a name, or an address too long, is not put into the page (sixth trial)."""
    gateway = await start_gateway(portal_sign_in_burst=50)  # many sign-ins from one address
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    lead = await signed_in_staff(gateway, partner_id, lead=True)
    long = f"fatima.{MARKER}.{'x' * 240}@mail.example"  # shaped like one, but 265 characters
    http = browser(gateway)
    csrf = csrf_of(await http.get("/portal/sign-in", headers=HTML))
    for typed, shown in [
        (f"Fatima {MARKER}", ""),
        (long, ""),
        (f" Fatima.{MARKER}@Mail.Example ", f"fatima.{MARKER.lower()}@mail.example"),
    ]:
        data = {"csrf": csrf, "email": typed, "password": PASSWORD}
        page = await http.post("/portal/sign-in", data=data, headers=HTML)
        assert page.status_code == 401, (typed, page.text[:300])
        assert _email_field(page) == shown, typed
        assert shown or not _echoes(page), typed
    for typed, status, shown in [
        (f"Fatima {MARKER}", 422, ""),
        (long, 422, ""),
        (lead.email, 409, lead.email),  # a valid address that has an account already
    ]:
        page = await lead.form("/portal/team", "/portal/team/invite", email=typed)
        assert page.status_code == status, (typed, page.text[:300])
        assert _email_field(page) == shown, typed
        assert not _echoes(page), typed
