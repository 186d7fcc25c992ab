"""A bottleneck published on the prefixed casefile topic is counted, with no case id stored."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest
from hub_contracts import (
    BottleneckCategory,
    BottleneckObserved,
    LocationType,
    ProcedureStage,
    Region,
    Topic,
    new_envelope,
)
from hub_runtime.auth import Role
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until

from .conftest import bearer, publish

pytestmark = pytest.mark.integration


def bottleneck(case_id: uuid.UUID, observed_on: date) -> BottleneckObserved:
    return BottleneckObserved(
        case_id=case_id,
        bottleneck_id=uuid.uuid4(),
        category=BottleneckCategory.FAMILY_DETENTION,
        stage=ProcedureStage.FINAL_REJECTION,
        region=Region.OOST,
        location_type=LocationType.DETENTION,
        observed_on=observed_on,
        country_of_origin="AF",
    )


async def test_a_published_bottleneck_is_counted_without_storing_the_case_id(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    case_id = uuid.uuid4()
    payload = bottleneck(case_id, date.today())
    await publish(
        isolated_hub,
        new_envelope(payload, source="test", subject=str(case_id)),
        Topic.CASEFILE_EVENTS,
    )
    admin = bearer(isolated_hub, Role.ADMIN)

    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:

        async def counted() -> bool:
            response = await client.get("/admin/contributions", headers=admin)
            tables = {
                row["table_name"]: row["contributions"] for row in response.json()["contributions"]
            }
            return tables.get("bottlenecks_by_stage") == 1

        await wait_until(counted)
        response = await client.get("/admin/contributions", headers=admin)
        assert {r["table_name"] for r in response.json()["contributions"]} == {
            "bottlenecks_by_stage",
            "bottlenecks_by_region",
            "bottlenecks_by_location",
        }
        forbidden = await client.get(
            "/admin/contributions", headers=bearer(isolated_hub, Role.ADVOCACY)
        )
        assert forbidden.status_code == 403

    assert signals_service.context is not None
    async with signals_service.context.pool.acquire() as conn:
        dump = await conn.fetchval(
            "SELECT string_agg(t::text, ' ') FROM (SELECT * FROM contributions) t"
        )
    assert str(case_id) not in dump
    assert case_id.hex not in dump


async def test_the_same_person_counts_once_per_cell(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    case_id = uuid.uuid4()
    for _ in range(3):  # three observations of the same cell, three different events
        payload = bottleneck(case_id, date.today())
        await publish(
            isolated_hub,
            new_envelope(payload, source="test", subject=str(case_id)),
            Topic.CASEFILE_EVENTS,
        )
    assert signals_service.consumer is not None
    consumer = signals_service.consumer

    async def all_applied() -> bool:
        return consumer.stats.applied == 3

    await wait_until(all_applied)
    assert signals_service.context is not None
    rows = await signals_service.context.pool.fetchval("SELECT count(*) FROM contributions")
    assert rows == 3  # one per table, not three per table
