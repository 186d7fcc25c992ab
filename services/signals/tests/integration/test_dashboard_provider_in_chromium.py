"""The advocacy journey with the council's account, in headless Chromium (Debian's package,
driven by Playwright for Python with ``executable_path``; Playwright's own browsers are never
downloaded), in Dutch and English: "sign in with the council's account", log in on the real
Keycloak's page, land on the dashboard, filter, download the CSV (a real download, compared
with the released table); an account without a dashboard role gets the 403 page. axe-core
(tools/standards, pinned) finds no serious or critical violation on the new pages (the sign-in
page with the provider, the 403 page) and the dashboard. Screenshots: services/signals/
.artifacts/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from hub_runtime.auth import Role
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing_oidc import PASSWORDS
from playwright.async_api import Browser, Page, async_playwright

from .conftest import bearer
from .dashboard_seed import seed_and_publish

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts"
AXE = Path(__file__).resolve().parents[4] / "tools/standards/node_modules/axe-core/axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WORDS = {
    "nl": {
        "start": "Inloggen met het account van de raad",
        "row": "Opvang beëindigd: op straat",
        "no_role": "geen rol voor dit dashboard",
    },
    "en": {
        "start": "Sign in with the council's account",
        "row": "Reception ended: on the street",
        "no_role": "no role for this dashboard",
    },
}


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations of the page (WCAG 2.1 A and AA rules and
    best practices); injected over the DevTools protocol, which the page's CSP does not bind."""
    await page.evaluate(AXE.read_text())
    found = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',"
        " 'wcag21aa', 'best-practice']}}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target).join(' ')))"
    )
    return [str(v) for v in found]


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def sign_in_at_keycloak(
    chromium: Browser, base: str, language: str, accept_language: str, username: str
) -> Page:
    """A new browser whose user opens the dashboard, clicks "sign in with the council's account"
    and logs in on Keycloak's page (in the same language): the page the provider returns to."""
    context = await chromium.new_context(
        locale=accept_language.split(",")[0],
        extra_http_headers={"Accept-Language": accept_language},
        accept_downloads=True,
    )
    page = await context.new_page()
    await page.goto(f"{base}/dashboard")
    assert page.url == f"{base}/dashboard/sign-in"
    assert await page.get_attribute("html", "lang") == language
    await page.click(f"text={WORDS[language]['start']}")
    await page.wait_for_selector("#kc-login")
    assert "/realms/council/" in page.url
    assert await page.get_attribute("html", "lang") == language  # ui_locales
    await page.fill("#username", username)
    await page.fill("#password", PASSWORDS[username])
    await page.click("#kc-login")
    await page.wait_for_load_state("load")
    return page


@pytest.mark.parametrize(
    ("language", "accept_language"), [("nl", "nl-NL,nl;q=0.9"), ("en", "en-GB,en;q=0.9")]
)
async def test_the_advocacy_journey_with_the_councils_account(
    isolated_hub: HubSettings, provider_service: ServiceRuntime, language: str, accept_language: str
) -> None:
    if CHROMIUM is None:
        pytest.fail("headless Chromium is missing: run infra/browser.sh (Debian's chromium)")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run infra/standards.sh (npm ci in tools/standards)")
    await seed_and_publish(isolated_hub, provider_service)
    base, words = provider_service.base_url, WORDS[language]
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        # The new sign-in page, checked before anyone signs in.
        first = await (await chromium.new_context(locale=language)).new_page()
        await first.goto(f"{base}/dashboard/sign-in?lang={language}")
        assert words["start"] in await first.inner_text("main")
        assert await serious_violations(first) == []
        await shot(first, f"provider-{language}-sign-in")
        # Dana (advocacy) signs in at Keycloak and lands on the dashboard (the meta refresh).
        page = await sign_in_at_keycloak(chromium, base, language, accept_language, "dana")
        await page.wait_for_url(f"{base}/dashboard")
        assert "dana" in await page.inner_text("nav")
        assert await page.evaluate("document.cookie") == ""  # HttpOnly: no script sees it
        cookies = await page.context.cookies(f"{base}/dashboard")
        assert [c["name"] for c in cookies if c["name"].startswith("signals_")] == [
            "signals_session"
        ]  # the flow cookie is gone; no provider token was ever given to the browser
        # Filter: a month, a table, then one row of it.
        await page.select_option("#period", "2025-01")
        await page.select_option("#table", "bottlenecks_by_stage")
        await page.click("form[method=get] button[type=submit]")
        await page.wait_for_url("**period=2025-01**")
        await page.select_option("#row", "reception_ended_street")
        await page.click("form[method=get] button[type=submit]")
        await page.wait_for_url("**row=reception_ended_street**")
        text = await page.inner_text("table[data-table]")
        assert words["row"] in text
        assert "Travel" not in text
        assert "Reisdocumenten" not in text
        assert await serious_violations(page) == []
        await shot(page, f"provider-{language}-filtered")
        # Download the CSV: a real download by the browser.
        async with page.expect_download() as started:
            await page.click("a[download]")
        download = await started.value
        assert download.suggested_filename == "2025-01_bottlenecks_by_stage.csv"
        csv = await asyncio.to_thread(Path(await download.path()).read_text)
        # Bob has no dashboard role: the 403 page, and no session.
        refused = await sign_in_at_keycloak(chromium, base, language, accept_language, "bob")
        await refused.wait_for_selector("p.error")
        assert words["no_role"] in await refused.inner_text("main")
        assert await serious_violations(refused) == []
        await shot(refused, f"provider-{language}-no-role")
        assert not [
            c for c in await refused.context.cookies(base) if c["name"] == "signals_session"
        ]
        await chromium.close()
    async with httpx.AsyncClient(base_url=base) as api:
        released = await api.get(
            "/signals/periods/2025-01/tables/bottlenecks_by_stage.csv",
            headers=bearer(isolated_hub, Role.ADVOCACY),
        )
    assert csv == released.text
