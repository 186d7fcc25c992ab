"""Issue 13 on signals' HTTP edge: a period is ``YYYY-MM`` in ASCII digits and nothing more."""

import httpx
import pytest
from hub_runtime.auth import Role
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings

from .conftest import bearer

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "period",
    [
        "2025-01%0A",  # the trailing line feed: a 500 before
        "2025-01%0D%0A",  # CR LF: the same class, another line end
        "%D9%A2%D9%A0%D9%A2%D9%A5-01",  # Arabic-Indic digits: \\d matched them
        "2025-1",  # not whole: the month in one digit
    ],
)
async def test_a_malformed_period_is_a_422(
    isolated_hub: HubSettings, signals_service: ServiceRuntime, period: str
) -> None:
    admin = bearer(isolated_hub, Role.ADMIN)
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        for path in (
            f"/signals/periods/{period}/report",
            f"/signals/periods/{period}/tables/bottlenecks_by_stage",
        ):
            response = await client.get(path, headers=admin)
            assert response.status_code in (404, 422), (path, response.text)
        published = await client.post(f"/admin/periods/{period}/publish", headers=admin)
    assert published.status_code == 422, published.text
    assert published.json()["error"] == "invalid_period"
