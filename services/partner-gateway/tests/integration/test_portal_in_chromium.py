"""The partner journey in headless Chromium (Debian's package, driven by Playwright for Python
with ``executable_path``: Playwright's own browsers are never downloaded), in English, French
and Arabic: sign in, open a referral, accept it, report monitoring, acknowledge a withdrawal.

On every page: axe-core (tools/standards, pinned) finds no serious or critical violation; the
page's transfer size (Resource Timing ``transferSize``: headers and body as they crossed the
wire) is printed and held under the budget; a screenshot is kept in
``services/partner-gateway/test-artifacts/portal/`` (git-ignored).

Budget: every page's document at most 14,600 bytes on the wire, the stylesheet at most 4,000
(cached a day). 14,600 bytes is TCP's initial congestion window (10 segments of 1,460 bytes,
RFC 6928): the whole page arrives in the first round trip, which is what counts on the slow,
high-latency links of small partners abroad (on 2G at ~50 kbit/s it is about 2 seconds).
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright

from .conftest import Gateway, GatewayFactory
from .portal import PASSWORD, Staff, browser, invite

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[4]
AXE = ROOT / "tools" / "standards" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAGE_BUDGET = 14_600
STYLESHEET_BUDGET = 4_000

WORDS = {
    "en": {
        "sign_in": "Sign in",
        "accept": "Accept the referral",
        "sent": "Your report was sent",
        "acked": "The notice is acknowledged",
        "title": "Referrals",
    },
    "fr": {
        "sign_in": "Se connecter",
        "accept": "Accepter l'orientation",
        "sent": "Votre rapport a été envoyé",
        "acked": "La réception de l'avis est confirmée",
        "title": "Orientations",
    },
    "ar": {
        "sign_in": "تسجيل الدخول",
        "accept": "قبول الإحالة",
        "sent": "تم إرسال تقريرك",
        "acked": "تم تأكيد استلام الإشعار",
        "title": "الإحالات",
    },
}


async def _check_page(page: Page, language: str, name: str, sizes: dict[str, int]) -> None:
    """Language and direction, axe-core, transfer size, screenshot."""
    assert await page.get_attribute("html", "lang") == language
    direction = "rtl" if language == "ar" else "ltr"
    assert await page.get_attribute("html", "dir") == direction
    # The stylesheet applied under the page's Content-Security-Policy (no script allowed).
    colour = await page.evaluate(
        "getComputedStyle(document.querySelector('header')).backgroundColor"
    )
    assert colour == "rgb(11, 61, 92)"
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text())  # DevTools evaluation: the page's CSP allows none
    result: dict[str, Any] = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => ({passes: r.passes.length, violations: r.violations.map(v => ({id: v.id,"
        " impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))}))"
    )
    assert result["passes"] > 10  # axe really ran its rules on the page
    grave = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert grave == [], f"{language} {name}: {json.dumps(grave, indent=1)}"
    for minor in result["violations"]:
        print(f"axe {language}/{name}: {minor['impact']} {minor['id']} {minor['nodes']}")
    timing = await page.evaluate(
        "(() => { const d = performance.getEntriesByType('navigation')[0];"
        " const css = performance.getEntriesByType('resource')"
        ".filter(r => r.name.endsWith('.css'));"
        " return {document: d.transferSize, body: d.decodedBodySize,"
        " css: css.reduce((s, r) => s + r.transferSize, 0)}; })()"
    )
    print(
        f"portal page {language}/{name}: document {timing['document']} bytes on the wire"
        f" (HTML {timing['body']} bytes), stylesheet {timing['css']} bytes"
    )
    assert 0 < timing["document"] <= PAGE_BUDGET, (name, timing)
    assert timing["css"] <= STYLESHEET_BUDGET
    sizes[f"{language}/{name}"] = timing["document"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{language}-{name}.png"), full_page=True)


async def _staff_with_password(gateway: Gateway, partner_id: uuid.UUID) -> Staff:
    email = f"walker-{uuid.uuid4().hex[:6]}@partner.example"
    staff_id, code = await invite(gateway, partner_id, email)
    staff = Staff(staff_id, partner_id, email, browser(gateway))
    done = await staff.form(
        "/portal/activate", "/portal/activate", code=code, password=PASSWORD, confirm=PASSWORD
    )
    assert done.status_code == 303
    return staff


@pytest.mark.parametrize("language", ["en", "fr", "ar"])
async def test_the_partner_journey_in_chromium(
    start_gateway: GatewayFactory, language: str
) -> None:
    if CHROMIUM is None:
        pytest.fail("headless Chromium is missing: run infra/browser.sh (apt-get install chromium)")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run infra/standards.sh (npm ci in tools/standards)")
    gateway = await start_gateway()
    partner_id, case_id, consent_id, referral_id = await gateway.approved_referral()
    staff = await _staff_with_password(gateway, partner_id)
    words = WORDS[language]
    sizes: dict[str, int] = {}

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = await chromium.new_context(locale="en-GB")
        page = await context.new_page()
        await page.goto(f"{gateway.url}/portal/sign-in")
        if language != "en":  # the user's choice of language, a link on every page
            await page.click(f"nav a[hreflang={language}]")
        await _check_page(page, language, "sign-in", sizes)

        # sign in with the keyboard: the skip link first, then the form, Enter submits
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await page.fill("#email", staff.email)
        await page.fill("#password", PASSWORD)
        await page.press("#password", "Enter")
        await page.wait_for_url("**/portal/")
        assert await page.text_content("h1") == words["title"]
        await _check_page(page, language, "referrals", sizes)

        await page.click(f"a[href='/portal/referrals/{referral_id}']")
        await page.wait_for_url(f"**/portal/referrals/{referral_id}")
        assert "value-of-identity" in await page.content()
        await _check_page(page, language, "referral", sizes)
        [logged] = await gateway.disclosures(referral_id)
        assert logged["staff_id"] == str(staff.staff_id)

        accept = page.get_by_role("button", name=words["accept"])
        await accept.focus()
        await page.keyboard.press("Enter")
        await page.wait_for_url(lambda url: url.endswith("/portal/?done=status"))
        assert words["sent"] in await page.text_content("main")  # type: ignore[operator]

        await page.click(f"a[href='/portal/referrals/{referral_id}']")
        await page.fill("#months", "2")
        await page.check("#o-reintegration_step")  # no_problems goes alone (never with another)
        await page.locator("form[action$='/monitoring'] button").click()
        await page.wait_for_url(lambda url: url.endswith("/portal/?done=monitoring"))
        assert words["sent"] in await page.text_content("main")  # type: ignore[operator]

        await gateway.withdraw(case_id, consent_id, partner_id)
        await gateway.view_holds(
            "SELECT count(*) = 1 FROM notices WHERE referral_id = $1", referral_id
        )
        await page.goto(f"{gateway.url}/portal/")
        await _check_page(page, language, "notices", sizes)
        await page.locator("form[action$='/ack'] button").click()
        await page.wait_for_url(lambda url: url.endswith("/portal/?done=ack"))
        assert words["acked"] in await page.text_content("main")  # type: ignore[operator]
        await _check_page(page, language, "acknowledged", sizes)

        # a refusal page too: the referral is gone after the withdrawal
        await page.goto(f"{gateway.url}/portal/referrals/{referral_id}")
        await _check_page(page, language, "gone", sizes)
        await context.close()
        await chromium.close()

    rows = await gateway.runtime.context.pool.fetch(  # type: ignore[union-attr]
        "SELECT acknowledged_at FROM notices WHERE referral_id = $1", referral_id
    )
    assert rows[0]["acknowledged_at"] is not None
    assert len(sizes) == 6
    # kept beside the screenshots: the sizes of this run, per page, in bytes on the wire
    (ARTIFACTS / f"sizes-{language}.json").write_text(json.dumps(sizes, indent=1))
