"""The lead's pages, the second factor and reset links on the real stack: a lead invites a
member through the portal (the link shown once), the member enrols TOTP and signs in with a
code, a reset link is used once and ends sessions, a lead never reaches another partner's
staff; bad input gets a 4xx page, never a 5xx; everything audited."""

from __future__ import annotations

import html
import re
import time
import uuid

import pyotp
import pytest

from .conftest import Gateway, GatewayFactory
from .portal import PASSWORD, Staff, browser, csrf_of, signed_in_staff

pytestmark = pytest.mark.integration

LINK = re.compile(r'<code class="link" dir="ltr">(https?://[^<]+)</code>')
KEY = re.compile(r'<code class="link" dir="ltr">([A-Z2-7]{32})</code>')
NEW_PASSWORD = "a brand new password"


async def _partner(gateway: Gateway) -> uuid.UUID:
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    return partner_id


def _code_of(link: str) -> str:
    return html.unescape(link).split("code=", 1)[1]


async def _member_via_lead(gateway: Gateway, lead: Staff, email: str) -> Staff:
    shown = await lead.form("/portal/team", "/portal/team/invite", email=email)
    assert shown.status_code == 200, shown.text
    assert shown.headers["cache-control"] == "no-store"
    [link] = LINK.findall(shown.text)
    assert "/portal/activate?code=" in link
    member = Staff(uuid.uuid4(), lead.partner_id, email, browser(gateway))
    code = _code_of(link)
    done = await member.form(
        f"/portal/activate?code={code}",
        "/portal/activate",
        code=code,
        password=PASSWORD,
        confirm=PASSWORD,
    )
    assert done.status_code == 303
    signed = await member.form("/portal/sign-in", "/portal/sign-in", email=email, password=PASSWORD)
    assert signed.headers["location"] == "/portal/"
    return member


async def test_a_lead_invites_a_member_who_enrols_totp_and_signs_in_with_a_code(
    start_gateway: GatewayFactory,
) -> None:
    # many sign-ins from one address: a wider burst than the default 5 a minute
    gateway = await start_gateway(portal_sign_in_burst=50)
    partner_id = await _partner(gateway)
    lead = await signed_in_staff(gateway, partner_id, lead=True)
    email = f"member-{uuid.uuid4().hex[:6]}@partner.example"
    member = await _member_via_lead(gateway, lead, email)
    assert (await member.http.get("/portal/team")).status_code == 403  # a member is no lead

    enrol = await member.http.get("/portal/factor")
    assert enrol.status_code == 200
    assert enrol.headers["cache-control"] == "no-store"
    assert '<svg role="img" aria-labelledby="qr-label"' in enrol.text
    [secret] = KEY.findall(enrol.text)
    pool = gateway.runtime.context.pool  # type: ignore[union-attr]
    row = await pool.fetchrow("SELECT * FROM portal_staff WHERE email = $1", email)
    assert secret.encode() not in bytes(row["totp_pending"])  # sealed at rest
    wrong = await member.form("/portal/factor", "/portal/factor", code="123456")
    assert wrong.status_code == 422
    confirmed = await member.form("/portal/factor", "/portal/factor", code=pyotp.TOTP(secret).now())
    assert (confirmed.status_code, confirmed.headers["location"]) == (303, "/portal/factor?done=1")

    browser_two = Staff(member.staff_id, partner_id, email, browser(gateway))
    signed = await browser_two.form(
        "/portal/sign-in", "/portal/sign-in", email=email, password=PASSWORD
    )
    assert signed.headers["location"] == "/portal/sign-in/code"
    assert "portal_session" not in browser_two.http.cookies
    assert (await browser_two.http.get("/portal/")).status_code == 303  # no session yet
    bad = await browser_two.form("/portal/sign-in/code", "/portal/sign-in/code", code="000000")
    assert bad.status_code == 401
    assert "The code is not right" in bad.text
    following = pyotp.TOTP(secret).at(time.time() + 30)
    good = await browser_two.form("/portal/sign-in/code", "/portal/sign-in/code", code=following)
    assert (good.status_code, good.headers["location"]) == (303, "/portal/")
    assert (await browser_two.http.get("/portal/")).status_code == 200

    # the lead removes the lost factor: the member's sessions end, the password alone works
    team = await lead.http.get("/portal/team")
    assert email in team.text
    removed = await lead.form("/portal/team", f"/portal/team/{row['staff_id']}/factor")
    assert removed.headers["location"] == "/portal/team?done=factor_reset"
    assert (await browser_two.http.get("/portal/")).status_code == 303

    audit = await gateway.http.get(
        f"/admin/partners/{partner_id}/staff-audit", headers=gateway.admin()
    )
    assert [(a["action"], a["actor_kind"]) for a in audit.json()["items"]] == [
        ("invited", "admin"),
        ("invited", "lead"),
        ("factor_enrolled", "self"),
        ("factor_reset", "lead"),
    ]


async def test_the_code_step_is_rate_limited_like_the_password(gateway: Gateway) -> None:
    partner_id = await _partner(gateway)
    staff = await signed_in_staff(gateway, partner_id)
    enrol = await staff.http.get("/portal/factor")
    [secret] = KEY.findall(enrol.text)
    await staff.form("/portal/factor", "/portal/factor", code=pyotp.TOTP(secret).now())
    other = Staff(staff.staff_id, partner_id, staff.email, browser(gateway))
    await other.form("/portal/sign-in", "/portal/sign-in", email=staff.email, password=PASSWORD)
    statuses = [
        (
            await other.form("/portal/sign-in/code", "/portal/sign-in/code", code="000000")
        ).status_code
        for _ in range(6)
    ]
    assert 429 in statuses
    assert set(statuses) <= {401, 429}


async def test_a_reset_link_works_once_and_ends_the_members_sessions(
    start_gateway: GatewayFactory,
) -> None:
    # many sign-ins from one address: a wider burst than the default 5 a minute
    gateway = await start_gateway(portal_sign_in_burst=50)
    partner_id = await _partner(gateway)
    lead = await signed_in_staff(gateway, partner_id, lead=True)
    member = await _member_via_lead(gateway, lead, f"r-{uuid.uuid4().hex[:6]}@partner.example")
    pool = gateway.runtime.context.pool  # type: ignore[union-attr]
    staff_id = await pool.fetchval(
        "SELECT staff_id FROM portal_staff WHERE email = $1", member.email
    )
    shown = await lead.form("/portal/team", f"/portal/team/{staff_id}/reset")
    assert shown.status_code == 200
    [link] = LINK.findall(shown.text)
    assert "/portal/reset?code=" in link
    code = _code_of(link)
    stored = await pool.fetchval(
        "SELECT reset_hash FROM portal_staff WHERE staff_id = $1", staff_id
    )
    assert code.encode() not in bytes(stored)

    stranger = Staff(uuid.uuid4(), partner_id, "", browser(gateway))
    weak = await stranger.form(
        "/portal/reset", "/portal/reset", code=code, password="short", confirm="short"
    )
    assert weak.status_code == 422
    used = await stranger.form(
        f"/portal/reset?code={code}",
        "/portal/reset",
        code=code,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert (used.status_code, used.headers["location"]) == (303, "/portal/sign-in?reset=1")
    assert (await member.http.get("/portal/")).status_code == 303  # its session ended
    again = await stranger.form(
        "/portal/reset", "/portal/reset", code=code, password=NEW_PASSWORD, confirm=NEW_PASSWORD
    )
    assert again.status_code == 401
    assert "not valid any more" in again.text
    old = await stranger.form(
        "/portal/sign-in", "/portal/sign-in", email=member.email, password=PASSWORD
    )
    assert old.status_code == 401
    new = await stranger.form(
        "/portal/sign-in", "/portal/sign-in", email=member.email, password=NEW_PASSWORD
    )
    assert new.headers["location"] == "/portal/"


async def test_a_lead_never_reaches_another_partners_staff_and_bad_input_is_a_4xx(
    start_gateway: GatewayFactory,
) -> None:
    # many sign-ins from one address: a wider burst than the default 5 a minute
    gateway = await start_gateway(portal_sign_in_burst=50)
    ours, theirs = await _partner(gateway), await _partner(gateway)
    lead = await signed_in_staff(gateway, ours, lead=True)
    other = await signed_in_staff(gateway, theirs)
    for action in ("revoke", "reset", "factor"):
        page = await lead.form("/portal/team", f"/portal/team/{other.staff_id}/{action}")
        assert page.status_code == 404, action
        assert "not in your organisation" in page.text
    assert (await other.http.get("/portal/")).status_code == 200  # untouched
    for path in ("/portal/team/not-an-id/revoke", f"/portal/team/{uuid.uuid4()}/reset"):
        assert (await lead.form("/portal/team", path)).status_code == 404
    own = await lead.form("/portal/team", f"/portal/team/{lead.staff_id}/revoke")
    assert own.status_code == 409
    bad_email = await lead.form("/portal/team", "/portal/team/invite", email="not an address")
    assert bad_email.status_code == 422
    taken = await lead.form("/portal/team", "/portal/team/invite", email=other.email)
    assert taken.status_code == 409
    no_csrf = await lead.http.post(f"/portal/team/{other.staff_id}/revoke", data={"csrf": "x"})
    assert no_csrf.status_code == 403
    no_pending = await browser(gateway).post("/portal/sign-in/code", data={"code": "1"})
    assert no_pending.status_code == 403  # no CSRF cookie: refused before anything
    page = await browser(gateway).get("/portal/sign-in/code")
    assert (page.status_code, page.headers["location"]) == (303, "/portal/sign-in")
    nothing = await lead.form("/portal/factor", "/portal/factor", code="123456")
    assert nothing.status_code == 422  # a fresh secret was shown by the GET: a wrong code
    csrf = csrf_of(await lead.http.get("/portal/team"))
    assert csrf
