"""The advocacy journey in headless Chromium, in Dutch and in English: sign in, filter, download
the CSV (a real download), open the printable report; axe-core finds no serious or critical
accessibility violation on any page; screenshots are kept.

Needs Debian's `chromium` package (`infra/browser.sh`) and axe-core from tools/standards
(`infra/standards.sh`, pinned in its package-lock.json). Screenshots: services/signals/
.artifacts/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from pathlib import Path

import httpx
import pytest
from hub_runtime.auth import Role
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings

from .browser import Page, chromium_page
from .conftest import bearer
from .dashboard_seed import PASSWORD, create_account, seed_and_publish

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts"
AXE = Path(__file__).resolve().parents[4] / "tools/standards/node_modules/axe-core/axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WORDS = {
    "nl": {
        "sign_in": "Inloggen",
        "row": "Opvang beëindigd: op straat",
        "withheld": "achtergehouden",
    },
    "en": {"sign_in": "Sign in", "row": "Reception ended: on the street", "withheld": "withheld"},
}


async def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations of the page (WCAG 2.1 A and AA rules)."""
    await page.evaluate(AXE.read_text())
    found = await page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',"
        " 'wcag21aa', 'best-practice']}}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target).join(' ')))"
    )
    assert isinstance(found, list)
    return [str(v) for v in found]


async def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(await page.screenshot())
    assert path.stat().st_size > 5_000


async def wait_for_file(folder: Path, name: str, within: float = 20) -> Path:
    path = folder / name
    for _ in range(int(within * 10)):
        if path.exists() and path.stat().st_size > 0:
            return path
        await asyncio.sleep(0.1)
    raise AssertionError(f"the browser downloaded no {name}")


@pytest.mark.parametrize(
    ("language", "accept_language"), [("nl", "nl-NL,nl;q=0.9"), ("en", "en-GB,en;q=0.9")]
)
async def test_the_advocacy_journey(
    isolated_hub: HubSettings, signals_service: ServiceRuntime, language: str, accept_language: str
) -> None:
    if CHROMIUM is None:
        pytest.fail("headless Chromium is missing: run infra/browser.sh (Debian's chromium)")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run infra/standards.sh (npm ci in tools/standards)")
    await seed_and_publish(isolated_hub, signals_service)
    await create_account(isolated_hub, signals_service, "anna")
    words = WORDS[language]
    base = signals_service.base_url
    downloads = tempfile.TemporaryDirectory(prefix="downloads-")
    async with chromium_page(CHROMIUM, f"{base}/dashboard", accept_language) as page:
        # No session: the dashboard sends the browser to the sign-in page, in its language.
        assert await page.evaluate("location.pathname") == "/dashboard/sign-in"
        assert await page.evaluate("document.documentElement.lang") == language
        assert words["sign_in"] in await page.evaluate("document.body.innerText")
        assert await serious_violations(page) == []
        await shot(page, f"dashboard-{language}-sign-in")
        # Sign in as a user does: type into the form and submit it.
        await page.evaluate(
            f"document.getElementById('username').value = 'anna';"
            f"document.getElementById('password').value = {json.dumps(PASSWORD)};"
            "document.querySelector('form').requestSubmit()"
        )
        await page.wait_for(
            "location.pathname === '/dashboard' && document.readyState === 'complete'"
        )
        assert await page.evaluate("document.cookie") == ""  # HttpOnly: no script sees it
        # Filter: a month, a table and one row of it, through the form.
        await page.evaluate(
            "document.getElementById('period').value = '2025-01';"
            "document.getElementById('table').value = 'bottlenecks_by_stage';"
            "document.querySelector('form[method=get]').requestSubmit()"
        )
        await page.wait_for(
            "location.search.includes('period=2025-01') && document.readyState === 'complete'"
        )
        await page.evaluate(
            "document.getElementById('row').value = 'reception_ended_street';"
            "document.querySelector('form[method=get]').requestSubmit()"
        )
        await page.wait_for(
            "location.search.includes('row=reception') && document.readyState === 'complete'"
        )
        text = await page.evaluate("document.querySelector('table[data-table]').innerText")
        assert words["row"] in text
        assert "Travel" not in text  # filtered out
        assert "Reisdocumenten" not in text
        assert await page.evaluate("!!document.querySelector('[data-bar=reception_ended_street]')")
        assert await serious_violations(page) == []
        await shot(page, f"dashboard-{language}-filtered")
        # The whole month's table with its withheld cells, for the screenshot and axe.
        await page.evaluate(
            "document.getElementById('row').value = '';"
            "document.querySelector('form[method=get]').requestSubmit()"
        )
        await page.wait_for(
            "!location.search.includes('row=reception') && document.readyState === 'complete'"
        )
        assert words["withheld"] in await page.evaluate("document.body.innerText")
        await shot(page, f"dashboard-{language}")
        # Download the CSV: a real download by the browser, compared with the released table.
        await page.send(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads.name}
        )
        await page.evaluate("document.querySelector('a[download]').click()")
        csv = await wait_for_file(Path(downloads.name), "2025-01_bottlenecks_by_stage.csv")
        # The printable report.
        await page.evaluate("location.href = document.querySelector('a[href*=report]').href")
        await page.wait_for(
            "location.pathname === '/dashboard/report' && document.readyState === 'complete'"
        )
        assert await page.evaluate("document.querySelectorAll('table[data-table]').length") >= 9
        assert await serious_violations(page) == []
        await page.send("Emulation.setEmulatedMedia", {"media": "print"})
        assert (
            await page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
        )
        await shot(page, f"dashboard-{language}-report-print")
    async with httpx.AsyncClient(base_url=base) as api:
        released = await api.get(
            "/signals/periods/2025-01/tables/bottlenecks_by_stage.csv",
            headers=bearer(isolated_hub, Role.ADVOCACY),
        )
    assert csv.read_text() == released.text
    downloads.cleanup()
