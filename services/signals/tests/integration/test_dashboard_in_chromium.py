"""The dashboard in headless Chromium: it loads, draws the charts for seeded data, screenshot kept.

Needs Debian's `chromium` package. The screenshot is kept in services/signals/.artifacts/.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from datetime import date
from pathlib import Path

import httpx
import pytest
from hub_contracts import (
    BottleneckCategory,
    BottleneckObserved,
    Envelope,
    LocationType,
    ProcedureStage,
    Region,
    Topic,
    new_envelope,
)
from hub_runtime.auth import Role, mint_token
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until

from .browser import chromium_page
from .conftest import bearer, publish_many

pytestmark = [pytest.mark.integration, pytest.mark.browser]
ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def persons(n: int, category: BottleneckCategory, day: date) -> list[tuple[Envelope, str]]:
    out = []
    for _ in range(n):
        case_id = uuid.uuid4()
        payload = BottleneckObserved(
            case_id=case_id,
            bottleneck_id=uuid.uuid4(),
            category=category,
            stage=ProcedureStage.FINAL_REJECTION,
            region=Region.MIDDEN,
            location_type=LocationType.AZC,
            observed_on=day,
            country_of_origin="IQ",
        )
        out.append((new_envelope(payload, source="t", subject=str(case_id)), Topic.CASEFILE_EVENTS))
    return out


async def test_the_dashboard_draws_charts_for_seeded_periods(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    if CHROMIUM is None:
        pytest.fail("headless Chromium is missing: apt-get install chromium")
    travel, street = (
        BottleneckCategory.TRAVEL_DOCUMENTS_REFUSED,
        BottleneckCategory.RECEPTION_ENDED_STREET,
    )
    seed = [
        *persons(12, travel, date(2025, 1, 10)),
        *persons(20, street, date(2025, 1, 11)),
        *persons(17, travel, date(2025, 2, 10)),
        *persons(26, street, date(2025, 2, 12)),
    ]
    await publish_many(isolated_hub, seed)
    consumer = signals_service.consumer
    assert consumer is not None

    async def all_applied() -> bool:
        return consumer.stats.applied == len(seed)

    await wait_until(all_applied, within=30)
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        for period in ("2025-01", "2025-02"):
            response = await client.post(
                f"/admin/periods/{period}/publish", headers=bearer(isolated_hub, Role.ADMIN)
            )
            assert response.status_code == 200

    token = mint_token(isolated_hub.jwt_secret.get_secret_value(), sub="t", role=Role.ADVOCACY)
    url = f"{signals_service.base_url}/dashboard"
    async with chromium_page(CHROMIUM, url) as page:
        # As a user does: type the token into the form and submit it.
        await page.evaluate(f"document.getElementById('token').value = {json.dumps(token)}")
        await page.evaluate("document.getElementById('login').requestSubmit()")
        await page.wait_for("!!document.querySelector('[data-bar]')")
        dom = await page.evaluate("document.documentElement.outerHTML")
        address = await page.evaluate("location.href")
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "dashboard.png"
        shot.unlink(missing_ok=True)
        shot.write_bytes(await page.screenshot())
    assert 'data-chart="trend"' in dom
    assert 'data-series="travel_documents_refused"' in dom
    assert 'data-series="reception_ended_street"' in dom
    assert 'data-bar="reception_ended_street"' in dom  # 26 persons in the last period
    assert "2025-01" in dom
    assert "2025-02" in dom
    assert address == url  # the token never was in the address
    assert shot.stat().st_size > 5_000


async def test_a_token_in_the_address_is_not_used(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    """Issue 12: tokens never travel in URLs. The dashboard accepted ``?token=``; now a token
    there is ignored (nothing is loaded with it) and the page waits for the form."""
    if CHROMIUM is None:
        pytest.fail("headless Chromium is missing: apt-get install chromium")
    token = mint_token(isolated_hub.jwt_secret.get_secret_value(), sub="t", role=Role.ADVOCACY)
    url = f"{signals_service.base_url}/dashboard?token={token}"
    async with chromium_page(CHROMIUM, url) as page:
        await asyncio.sleep(2)  # time for a script that would load with it
        assert await page.evaluate("document.getElementById('token').value") == ""
        assert await page.evaluate("document.getElementById('trend').children.length") == 0
        requests = await page.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert not [r for r in requests if "/signals/" in r], requests
