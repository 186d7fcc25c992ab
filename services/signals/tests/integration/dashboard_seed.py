"""Seed data and helpers shared by the dashboard's integration and browser tests: persons with
bottlenecks in a past month, published as an admin does, and a staff account."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
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
from hub_runtime.auth import Role
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until

from .conftest import bearer, publish_many

PASSWORD = "a long staff passphrase"
PERIODS = ("2025-01", "2025-02")


def persons(
    n: int, category: BottleneckCategory, day: date, region: Region = Region.MIDDEN
) -> list[tuple[Envelope, str]]:
    """``n`` persons with one bottleneck each, observed on ``day``."""
    out = []
    for _ in range(n):
        case_id = uuid.uuid4()
        payload = BottleneckObserved(
            case_id=case_id,
            bottleneck_id=uuid.uuid4(),
            category=category,
            stage=ProcedureStage.FINAL_REJECTION,
            region=region,
            location_type=LocationType.AZC,
            observed_on=day,
            country_of_origin="IQ",
        )
        out.append((new_envelope(payload, source="t", subject=str(case_id)), Topic.CASEFILE_EVENTS))
    return out


async def seed_and_publish(hub: HubSettings, service: ServiceRuntime) -> None:
    """Two published months: released cells, a withheld small cell (3 persons: under k=10, and
    its row total), and a second month for the filter."""
    travel, street, moved = (
        BottleneckCategory.TRAVEL_DOCUMENTS_REFUSED,
        BottleneckCategory.RECEPTION_ENDED_STREET,
        BottleneckCategory.FORCED_RELOCATION,
    )
    seed = [
        *persons(12, travel, date(2025, 1, 10)),
        *persons(20, street, date(2025, 1, 11)),
        *persons(3, moved, date(2025, 1, 12)),
        *persons(17, travel, date(2025, 2, 10)),
        *persons(26, street, date(2025, 2, 12), Region.NOORD),
    ]
    await publish_many(hub, seed)
    consumer = service.consumer
    assert consumer is not None

    async def all_applied() -> bool:
        return consumer.stats.applied == len(seed)

    await wait_until(all_applied, within=30)
    async with httpx.AsyncClient(base_url=service.base_url) as client:
        for period in PERIODS:
            answer = await client.post(
                f"/admin/periods/{period}/publish", headers=bearer(hub, Role.ADMIN)
            )
            assert answer.status_code == 200, answer.text


async def create_account(hub: HubSettings, service: ServiceRuntime, username: str) -> None:
    """An advocacy account created by an admin through the API."""
    async with httpx.AsyncClient(base_url=service.base_url) as client:
        answer = await client.post(
            "/admin/staff",
            json={"username": username, "password": PASSWORD, "role": "advocacy"},
            headers=bearer(hub, Role.ADMIN),
        )
    assert answer.status_code == 201, answer.text
