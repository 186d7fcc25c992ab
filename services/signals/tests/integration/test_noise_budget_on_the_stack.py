"""The optional Laplace layer on the real stack: noisy release within budget, refusal beyond it."""

from __future__ import annotations

import httpx
import pytest
from hub_runtime.auth import Role
from hub_runtime.entry import service_runtime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until
from signals.bootstrap import definition
from signals.config import Settings

from .conftest import bearer, publish_many
from .test_publishing_on_the_stack import PERIOD, SEEDED_EVENTS, seeded

pytestmark = pytest.mark.integration


async def test_a_release_over_budget_is_refused_and_one_within_is_noisy(
    isolated_hub: HubSettings, signals_settings: Settings
) -> None:
    # Nine tables at 0.5 need 4.5: a budget of 3.0 must refuse the whole release.
    settings = signals_settings.model_copy(
        update={"dp_enabled": True, "dp_epsilon_per_table": 0.5, "dp_budget_per_period": 3.0}
    )
    service = service_runtime(definition(settings), settings)
    await service.start()
    try:
        await publish_many(isolated_hub, seeded())
        consumer = service.consumer
        assert consumer is not None

        async def applied() -> bool:
            return consumer.stats.applied == SEEDED_EVENTS

        await wait_until(applied, within=30)
        url = f"/signals/periods/{PERIOD}/tables/bottlenecks_by_stage"
        publish = f"/admin/periods/{PERIOD}/publish"
        async with httpx.AsyncClient(base_url=service.base_url) as client:
            refused = await client.post(publish, headers=bearer(isolated_hub, Role.ADMIN))
            listing = await client.get("/signals/periods", headers=bearer(isolated_hub, Role.ADMIN))
        assert refused.status_code == 409
        assert refused.json()["error"] == "budget_exhausted"
        assert listing.json()["periods"] == []  # nothing was published, nothing was spent
        assert service.context is not None
        assert await service.context.pool.fetchval("SELECT count(*) FROM privacy_ledger") == 0
    finally:
        await service.stop()

    settings = settings.model_copy(update={"dp_budget_per_period": 4.5})
    service = service_runtime(definition(settings), settings)
    await service.start()
    try:
        async with httpx.AsyncClient(base_url=service.base_url) as client:
            published = await client.post(publish, headers=bearer(isolated_hub, Role.ADMIN))
            assert published.status_code == 200, published.text
            first = await client.get(url, headers=bearer(isolated_hub, Role.ADVOCACY))
            second = await client.get(url, headers=bearer(isolated_hub, Role.ADVOCACY))
        assert first.status_code == 200, first.text
        table = first.json()
        assert table["method"] == {
            "k_threshold": 10,
            "rounding_base": 5,
            "noise": "laplace",
            "epsilon_spent": 0.5,
        }
        assert second.json() == table  # stored, not re-noised
        assert all(
            c["count"] is None or c["count"] == 0 or c["count"] >= 10 for c in table["cells"]
        )
        assert service.context is not None
        spent = await service.context.pool.fetchval("SELECT sum(epsilon) FROM privacy_ledger")
        assert spent == pytest.approx(4.5)
    finally:
        await service.stop()
