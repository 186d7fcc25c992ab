"""The lead's and the member's account journey in headless Chromium (Debian's), in English,
French and Arabic: a lead invites a staff member (the link shown once), who sets a password,
signs in, enrols a TOTP second factor (QR code page) and signs in again with a code; the lead
issues a reset link that the member uses. Every page: axe-core without serious or critical
violations, the transfer-size budget, a screenshot (`test_portal_in_chromium._check_page`)."""

from __future__ import annotations

import json
import re
import time
import uuid

import pyotp
import pytest
from playwright.async_api import Page, async_playwright

from .conftest import GatewayFactory
from .portal import PASSWORD, Staff, browser, invite
from .test_portal_in_chromium import ARTIFACTS, AXE, CHROMIUM, _check_page

pytestmark = [pytest.mark.integration, pytest.mark.browser]

NEW_PASSWORD = "a brand new password"
LOCALES = {"en": "en-GB", "fr": "fr-FR", "ar": "ar-MA"}
TEAM = {"en": "Your team", "fr": "Votre équipe", "ar": "فريقك"}


async def _link_on(page: Page) -> str:
    text = await page.text_content("code.link")
    assert text
    return text.strip()


async def _sign_in(page: Page, url: str, email: str, password: str) -> None:
    await page.goto(f"{url}/portal/sign-in")
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.press("#password", "Enter")


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
async def test_a_lead_invites_a_member_who_enrols_totp_and_uses_a_reset_link(
    start_gateway: GatewayFactory, language: str
) -> None:
    if CHROMIUM is None:
        pytest.fail("headless Chromium is missing: run infra/browser.sh (apt-get install chromium)")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run infra/standards.sh (npm ci in tools/standards)")
    gateway = await start_gateway(portal_sign_in_burst=50)
    partner_id = await gateway.register_partner()
    await gateway.wait_for_partner(partner_id)
    lead_email = f"lead-{uuid.uuid4().hex[:6]}@partner.example"
    _, code = await invite(gateway, partner_id, lead_email, lead=True)
    lead = Staff(uuid.uuid4(), partner_id, lead_email, browser(gateway))
    done = await lead.form(
        "/portal/activate", "/portal/activate", code=code, password=PASSWORD, confirm=PASSWORD
    )
    assert done.status_code == 303
    member_email = f"member-{uuid.uuid4().hex[:6]}@partner.example"
    sizes: dict[str, int] = {}

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        leads = await chromium.new_context(locale=LOCALES[language])
        members = await chromium.new_context(locale=LOCALES[language])
        page, other = await leads.new_page(), await members.new_page()

        await _sign_in(page, gateway.url, lead_email, PASSWORD)
        await page.wait_for_url("**/portal/")
        await page.get_by_role("link", name=TEAM[language]).click()
        await page.wait_for_url("**/portal/team")
        await _check_page(page, language, "account-team", sizes)
        await page.fill("#email", member_email)
        await page.press("#email", "Enter")
        await page.wait_for_url("**/portal/team/invite")
        await _check_page(page, language, "account-invitation-link", sizes)
        invitation = await _link_on(page)

        await other.goto(invitation)
        await _check_page(other, language, "account-activate", sizes)
        await other.fill("#password", PASSWORD)
        await other.fill("#confirm", PASSWORD)
        await other.press("#confirm", "Enter")
        await other.wait_for_url("**/portal/sign-in?activated=1")
        await _sign_in(other, gateway.url, member_email, PASSWORD)
        await other.wait_for_url("**/portal/")

        await other.goto(f"{gateway.url}/portal/factor")
        await _check_page(other, language, "account-factor", sizes)
        assert await other.locator("figure.qr svg[role=img]").count() == 1
        secret = (await other.text_content("main code.link") or "").strip()
        assert re.fullmatch(r"[A-Z2-7]{32}", secret)
        await other.fill("#code", pyotp.TOTP(secret).now())
        await other.press("#code", "Enter")
        await other.wait_for_url("**/portal/factor?done=1")
        await other.locator("form[action='/portal/sign-out'] button").click()
        await other.wait_for_url("**/portal/sign-in?signed_out=1")

        await _sign_in(other, gateway.url, member_email, PASSWORD)
        await other.wait_for_url("**/portal/sign-in/code")
        await _check_page(other, language, "account-code", sizes)
        await other.fill("#code", "000000")
        await other.press("#code", "Enter")
        assert await other.locator("[role=alert]").count() == 1  # wrong code: said, not a 5xx
        await _check_page(other, language, "account-code-wrong", sizes)
        await other.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))
        await other.press("#code", "Enter")
        await other.wait_for_url("**/portal/")

        # the lead issues a reset link; the member uses it; the member's session has ended
        await page.goto(f"{gateway.url}/portal/team")
        await page.locator("form[action$='/reset'] button").click()
        await _check_page(page, language, "account-reset-link", sizes)
        reset = await _link_on(page)
        await other.goto(reset)
        await _check_page(other, language, "account-reset", sizes)
        await other.fill("#password", NEW_PASSWORD)
        await other.fill("#confirm", NEW_PASSWORD)
        await other.press("#confirm", "Enter")
        await other.wait_for_url("**/portal/sign-in?reset=1")
        await _check_page(other, language, "account-after-reset", sizes)
        await other.goto(reset)  # the same link again: refused with a page, not a 5xx
        await other.fill("#password", NEW_PASSWORD)
        await other.fill("#confirm", NEW_PASSWORD)
        await other.press("#confirm", "Enter")
        assert await other.locator("[role=alert]").count() == 1
        await leads.close()
        await members.close()
        await chromium.close()

    assert len(sizes) == 9
    (ARTIFACTS / f"sizes-account-{language}.json").write_text(json.dumps(sizes, indent=1))
