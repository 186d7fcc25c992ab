"""A running signals service on the real stack, on its own database and topic prefix."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from hub_contracts import Envelope
from hub_runtime.auth import Role, mint_token
from hub_runtime.entry import service_runtime
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import as_service
from signals.bootstrap import definition
from signals.config import Settings

from .provider import provider_service

__all__ = ["provider_service"]  # a fixture (the dashboard signing in at the tests' Keycloak)


@pytest.fixture
async def signals_settings(isolated_hub: HubSettings, fresh_database: str) -> Settings:
    """Signals as in production: its own Kafka principal and database roles."""
    return Settings(
        database=fresh_database,
        hub=await as_service(isolated_hub, "signals", fresh_database),
        http_port=0,
        require_reporting_consent=False,
        # The worker runs once at start; tests publish through the API unless they test it.
        publish_interval_seconds=3600,
    )


@pytest.fixture
async def signals_service(signals_settings: Settings) -> AsyncIterator[ServiceRuntime]:
    service = service_runtime(definition(signals_settings), signals_settings)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


def bearer(hub: HubSettings, role: Role) -> dict[str, str]:
    token = mint_token(hub.jwt_secret.get_secret_value(), sub=f"test-{role}", role=role)
    return {"Authorization": f"Bearer {token}"}


async def publish_raw(hub: HubSettings, topic: str, key: str, value: bytes) -> None:
    producer = AIOKafkaProducer(**kafka_client_options(hub), acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(hub.topic(topic), value=value, key=key.encode())
    finally:
        await producer.stop()


async def publish(hub: HubSettings, envelope: Envelope, topic: str) -> None:
    await publish_raw(hub, topic, envelope.subject, envelope.to_bytes())


async def publish_many(hub: HubSettings, envelopes: list[tuple[Envelope, str]]) -> None:
    producer = AIOKafkaProducer(**kafka_client_options(hub), acks="all")
    await producer.start()
    try:
        for envelope, topic in envelopes:
            await producer.send(
                hub.topic(topic), value=envelope.to_bytes(), key=envelope.subject.encode()
            )
        await producer.flush()
    finally:
        await producer.stop()


async def publish_period(client: httpx.AsyncClient, hub: HubSettings, period: str) -> None:
    """Publish ``period`` as an admin does (a GET never publishes)."""
    answer = await client.post(f"/admin/periods/{period}/publish", headers=bearer(hub, Role.ADMIN))
    assert answer.status_code == 200, answer.text
