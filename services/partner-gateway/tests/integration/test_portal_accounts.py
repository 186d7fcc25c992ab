"""Portal accounts on the real stack: invitation, password, sessions and their cookies, CSRF,
the sign-in rate limit, the idle and absolute timeouts, sign-out, revocation, no-store."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

from .conftest import Gateway, GatewayFactory
from .portal import PASSWORD, Staff, browser, csrf_of, invite, signed_in_staff

pytestmark = pytest.mark.integration


async def _partner(gateway: Gateway) -> uuid.UUID:
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    return partner_id


def _set_cookie(headers: list[str], name: str) -> str:
    [cookie] = [h for h in headers if h.startswith(f"{name}=")]
    return cookie


async def test_an_invitation_sets_a_password_once_and_only_hashes_are_stored(
    gateway: Gateway,
) -> None:
    partner_id = await _partner(gateway)
    staff = await signed_in_staff(gateway, partner_id)
    pool = gateway.runtime.context.pool  # type: ignore[union-attr]  # started: a context
    row = await pool.fetchrow("SELECT * FROM portal_staff WHERE staff_id = $1", staff.staff_id)
    assert row["invite_hash"] is None  # used up
    assert row["password_hash"] is not None
    assert PASSWORD.encode() not in bytes(row["password_hash"])
    [session] = await pool.fetch("SELECT * FROM portal_sessions")
    cookie = staff.http.cookies["portal_session"]
    assert bytes(session["session_hash"]) == hashlib.sha256(cookie.encode()).digest()

    # the same code again: refused, the password stays
    _, code = await invite(gateway, partner_id, "second@partner.example")
    other = Staff(uuid.uuid4(), partner_id, "second@partner.example", browser(gateway))
    first = await other.form(
        "/portal/activate", "/portal/activate", code=code, password=PASSWORD, confirm=PASSWORD
    )
    assert first.status_code == 303
    again = await other.form(
        "/portal/activate", "/portal/activate", code=code, password="x" * 20, confirm="x" * 20
    )
    assert again.status_code == 401
    assert "not valid any more" in again.text
    short = await invite(gateway, partner_id, "third@partner.example")
    weak = await other.form(
        "/portal/activate", "/portal/activate", code=short[1], password="short", confirm="short"
    )
    assert weak.status_code == 422


async def test_the_admin_lists_and_refuses_a_second_account_for_one_address(
    gateway: Gateway,
) -> None:
    partner_id = await _partner(gateway)
    await invite(gateway, partner_id, "Lead@Partner.example")
    again = await gateway.http.post(
        f"/admin/partners/{partner_id}/staff",
        json={"email": "lead@partner.example"},
        headers=gateway.admin(),
    )
    assert (again.status_code, again.json()["error"]) == (409, "staff_exists")
    listed = await gateway.http.get(f"/admin/partners/{partner_id}/staff", headers=gateway.admin())
    [account] = listed.json()["items"]
    assert account["email"] == "lead@partner.example"
    assert "invite_hash" not in account
    assert "password_hash" not in account
    unknown = await gateway.http.post(
        f"/admin/partners/{uuid.uuid4()}/staff",
        json={"email": "a@b.example"},
        headers=gateway.admin(),
    )
    assert unknown.status_code == 404
    as_partner = await gateway.http.post(
        f"/admin/partners/{partner_id}/staff",
        json={"email": "c@d.example"},
        headers=gateway.as_partner(partner_id),
    )
    assert as_partner.status_code == 403


async def test_the_lead_role_is_granted_by_true_only(gateway: Gateway) -> None:
    """The fifth trial: ``"lead": "yes"`` (or ``"true"``, ``1``) granted the privileged lead
    role; only JSON ``true`` or ``false`` is taken (422 otherwise, no account made)."""
    partner_id = await _partner(gateway)
    url = f"/admin/partners/{partner_id}/staff"
    for i, value in enumerate(["yes", "true", 1, "1", "on", 0, None]):
        body = {"email": f"lead{i}@partner.example", "lead": value}
        answer = await gateway.http.post(url, json=body, headers=gateway.admin())
        assert answer.status_code == 422, (value, answer.text)
        assert answer.json()["reasons"] == ["lead: should be true or false"], answer.text
    listed = await gateway.http.get(url, headers=gateway.admin())
    assert listed.json()["items"] == []
    for value in (True, False):
        body = {"email": f"{str(value).lower()}@partner.example", "lead": value}
        assert (await gateway.http.post(url, json=body, headers=gateway.admin())).status_code == 201
    listed = await gateway.http.get(url, headers=gateway.admin())
    roles = {a["email"]: a["role"] for a in listed.json()["items"]}
    assert roles == {"true@partner.example": "lead", "false@partner.example": "member"}


async def test_cookies_are_httponly_strict_and_secure_outside_development(
    start_gateway: GatewayFactory,
) -> None:
    gateway = await start_gateway(hub_env="production")
    partner_id = await _partner(gateway)
    email = "prod@partner.example"
    _, code = await invite(gateway, partner_id, email)
    http = browser(gateway)

    async def post(page_path: str, action: str, **fields: str) -> httpx.Response:
        # httpx keeps no Secure cookie over http: send the CSRF cookie back by hand, as a
        # browser on https would.
        page = await http.get(page_path)
        csrf_cookie = _set_cookie(page.headers.get_list("set-cookie"), "portal_csrf")
        assert "HttpOnly" in csrf_cookie
        assert "Secure" in csrf_cookie
        value = csrf_cookie.split(";")[0].split("=", 1)[1]
        return await http.post(
            action,
            data={"csrf": csrf_of(page), **fields},
            headers={"cookie": f"portal_csrf={value}"},
        )

    done = await post(
        "/portal/activate", "/portal/activate", code=code, password=PASSWORD, confirm=PASSWORD
    )
    assert done.status_code == 303
    signed = await post("/portal/sign-in", "/portal/sign-in", email=email, password=PASSWORD)
    assert signed.status_code == 303
    session = _set_cookie(signed.headers.get_list("set-cookie"), "portal_session")
    for attribute in ("HttpOnly", "Secure", "SameSite=strict", "Path=/portal"):
        assert attribute in session


async def test_the_development_cookie_is_httponly_and_strict_without_secure(
    gateway: Gateway,
) -> None:
    partner_id = await _partner(gateway)
    email = "dev@partner.example"
    _, code = await invite(gateway, partner_id, email)
    staff = Staff(uuid.uuid4(), partner_id, email, browser(gateway))
    await staff.form(
        "/portal/activate", "/portal/activate", code=code, password=PASSWORD, confirm=PASSWORD
    )
    signed = await staff.form("/portal/sign-in", "/portal/sign-in", email=email, password=PASSWORD)
    session = _set_cookie(signed.headers.get_list("set-cookie"), "portal_session")
    assert "HttpOnly" in session
    assert "SameSite=strict" in session
    assert "Secure" not in session


async def test_every_form_refuses_a_missing_foreign_or_cross_site_csrf_token(
    gateway: Gateway,
) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    page = await staff.http.get("/portal/")
    token = csrf_of(page)
    intruder = browser(gateway)  # another browser: its own CSRF cookie, no session
    await intruder.get("/portal/sign-in")
    attempts = [
        (staff.http, f"/portal/referrals/{referral_id}/status", {"status": "accepted"}),
        (staff.http, "/portal/sign-out", {}),
        (staff.http, "/portal/sign-in", {"email": staff.email, "password": PASSWORD}),
        (staff.http, "/portal/activate", {"code": "x" * 20, "password": PASSWORD}),
    ]
    for client, action, fields in attempts:
        assert (await client.post(action, data={**fields, "idem": "k" * 16})).status_code == 403
        forged = {**fields, "csrf": "0" * 64, "idem": "k" * 16}
        assert (await client.post(action, data=forged)).status_code == 403
        # not ASCII: a constant-time comparison of str would raise (a 500), not refuse
        odd = {**fields, "csrf": "é" * 64, "idem": "k" * 16}
        assert (await client.post(action, data=odd)).status_code == 403
        # more fields than any form has (parse_qs' limit raised ValueError: a 500; then the
        # "form has expired" 403 even with the right token): too large, and nothing done
        crowded = {**fields, "csrf": token, "idem": "k" * 16, **{f"f{i}": "x" for i in range(50)}}
        refused = await client.post(action, data=crowded)
        assert (refused.status_code, refused.json()["error"]) == (413, "payload_too_large")
    # the staff member's token is worth nothing with another browser's cookies
    stolen = {"csrf": token, "status": "accepted", "idem": "k" * 16}
    answer = await intruder.post(f"/portal/referrals/{referral_id}/status", data=stolen)
    assert answer.status_code in (303, 403)  # no session there: to sign-in, never accepted
    # a cross-site form carrying the right token (Fetch Metadata says so) is refused too
    cross = await staff.http.post(
        f"/portal/referrals/{referral_id}/status",
        data={"csrf": token, "status": "accepted", "idem": "k" * 16},
        headers={"sec-fetch-site": "cross-site"},
    )
    assert cross.status_code == 403
    assert "This form has expired" in cross.text
    status = await gateway.view_holds(
        "SELECT status = 'approved' FROM referrals WHERE referral_id = $1", referral_id
    )
    assert status is None  # nothing was reported


async def test_a_control_character_in_the_address_is_a_failed_sign_in_not_an_error(
    gateway: Gateway,
) -> None:
    partner_id = await _partner(gateway)
    staff = await signed_in_staff(gateway, partner_id)
    for email in (staff.email + "\x00", "\x07", ""):
        page = await staff.form("/portal/sign-in", "/portal/sign-in", email=email, password="x")
        assert page.status_code == 401, email


async def test_sign_in_is_rate_limited_per_address(gateway: Gateway) -> None:
    partner_id = await _partner(gateway)
    staff = await signed_in_staff(gateway, partner_id)
    guesser = Staff(staff.staff_id, partner_id, staff.email, browser(gateway))
    answers = [
        await guesser.form("/portal/sign-in", "/portal/sign-in", email=staff.email, password="no")
        for _ in range(6)
    ]
    assert [a.status_code for a in answers[:4]] == [401] * 4  # one attempt went to signing in
    assert answers[4].status_code == 429
    assert int(answers[4].headers["retry-after"]) >= 1
    # even the right password waits now
    right = await guesser.form(
        "/portal/sign-in", "/portal/sign-in", email=staff.email, password=PASSWORD
    )
    assert right.status_code == 429


async def test_an_idle_session_ends_and_so_does_an_old_one(gateway: Gateway) -> None:
    partner_id = await _partner(gateway)
    staff = await signed_in_staff(gateway, partner_id)
    assert (await staff.http.get("/portal/")).status_code == 200
    pool = gateway.runtime.context.pool  # type: ignore[union-attr]
    idle = gateway.settings.portal_idle_seconds + 5
    await pool.execute(
        "UPDATE portal_sessions SET last_seen_at = now() - make_interval(secs => $1)", idle
    )
    ended = await staff.http.get("/portal/")
    assert (ended.status_code, ended.headers["location"]) == (303, "/portal/sign-in?ended=1")
    assert await pool.fetchval("SELECT count(*) FROM portal_sessions") == 0

    other = await signed_in_staff(gateway, partner_id)
    assert (await other.http.get("/portal/")).status_code == 200
    old = gateway.settings.portal_absolute_seconds + 5
    await pool.execute(
        "UPDATE portal_sessions SET created_at = now() - make_interval(secs => $1)", old
    )
    assert (await other.http.get("/portal/")).status_code == 303


async def test_sign_out_and_revocation_end_the_session(gateway: Gateway) -> None:
    partner_id = await _partner(gateway)
    staff = await signed_in_staff(gateway, partner_id)
    cookie = staff.http.cookies["portal_session"]
    out = await staff.form("/portal/", "/portal/sign-out")
    assert (out.status_code, out.headers["location"]) == (303, "/portal/sign-in?signed_out=1")
    # the old cookie, replayed, opens nothing
    replay = browser(gateway)
    replay.cookies.set("portal_session", cookie, path="/portal")
    assert (await replay.get("/portal/")).status_code == 303

    second = await signed_in_staff(gateway, partner_id)
    revoked = await gateway.http.post(
        f"/admin/staff/{second.staff_id}/revoke", headers=gateway.admin()
    )
    assert revoked.json() == {"staff_id": str(second.staff_id), "status": "revoked"}
    assert (await second.http.get("/portal/")).status_code == 303
    again = await second.form(
        "/portal/sign-in", "/portal/sign-in", email=second.email, password=PASSWORD
    )
    assert again.status_code == 401


async def test_every_portal_page_says_no_store(gateway: Gateway) -> None:
    partner_id, _, _, referral_id = await gateway.approved_referral()
    staff = await signed_in_staff(gateway, partner_id)
    paths = [
        "/portal/",
        f"/portal/referrals/{referral_id}",
        f"/portal/referrals/{uuid.uuid4()}",  # not this partner's: a 404 page
        "/portal/sign-in",
        "/portal/activate",
    ]
    for path in paths:
        page = await staff.http.get(path)
        assert page.headers["cache-control"] == "no-store", path
        assert page.status_code in (200, 404), (path, page.status_code)
        assert "script-src" not in page.headers["content-security-policy"]  # none allowed
        assert page.headers["referrer-policy"] == "no-referrer"
    css = await staff.http.get("/portal/static/portal.css")
    assert css.headers["cache-control"].startswith("public")


async def test_the_language_links_do_not_repeat_an_invitation_code(gateway: Gateway) -> None:
    """The activation page keeps the code in its form field; its language links carry the
    page's path and no query, so never the code (a one-time secret, fourth trial)."""
    code = "pic_Secret123-" + "x" * 18  # shaped like an issued code (32 URL-safe characters)
    page = await browser(gateway).get(f"/portal/activate?code={code}&lang=x")
    assert page.status_code == 200
    links = [line for line in page.text.splitlines() if "/portal/language/" in line]
    assert links
    assert all("pic_Secret123" not in line for line in links)
    assert all('?next=%2Fportal%2Factivate"' in line for line in links)
    assert f'value="{code}"' in page.text
