"""schemathesis against the gateway's OpenAPI document (200 requests per operation, fixed
seed): no 5xx, no undocumented status, no answer outside its schema. The gateway and casefile
(which the disclosure path calls) run in-process, so a server error also fails the run through
the `hub_runtime.server_errors` plugin."""

import contextlib
import uuid
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from casefile.bootstrap import definition as casefile_definition
from casefile.config import Settings as CasefileSettings
from hub_contracts import PartnerRegistered, PartnerType, Purpose, new_envelope
from hub_runtime.auth import Role, mint_token
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.openapi_fuzz import fuzz, in_background, isolated, run_service
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import wait_until
from partner_gateway.bootstrap import definition
from partner_gateway.config import Settings

pytestmark = pytest.mark.integration


PARTNER_ID = uuid.uuid4()


@pytest.fixture(scope="module")
def gateway_url(hub_settings: HubSettings) -> Iterator[str]:
    async def setup(stack: contextlib.AsyncExitStack) -> str:
        hub = await isolated(stack, hub_settings)
        casefile = await run_service(
            stack,
            hub,
            lambda db: casefile_definition(CasefileSettings(database=db, http_port=0, hub=hub)),
        )
        gateway = await run_service(
            stack,
            hub,
            lambda db: definition(
                Settings(
                    database=db,
                    http_port=0,
                    hub=hub,
                    casefile_url=casefile.base_url,
                    # Generated requests come fast; the rate limit (429) is tested elsewhere.
                    rate_limit_per_second=10_000,
                    rate_limit_burst=10_000,
                )
            ),
        )
        await _known_partner(hub, gateway)
        return gateway.base_url

    with in_background(setup) as url:
        yield url


async def _known_partner(hub: HubSettings, gateway: ServiceRuntime) -> None:
    """The directory's entry of the fuzzing partner, as referral publishes it: a token for a
    partner the gateway does not know is refused (401) before any handler runs."""
    entry = PartnerRegistered(
        partner_id=PARTNER_ID,
        partner_type=PartnerType.NGO,
        purposes=[Purpose.REINTEGRATION_SUPPORT],
        countries=["AF"],
        agreement_valid_until=date.today() + timedelta(days=365),
        active=True,
    )
    envelope = new_envelope(entry, source="urn:council-hub:test", subject=str(PARTNER_ID))
    producer = AIOKafkaProducer(**kafka_client_options(hub))
    await producer.start()
    try:
        await producer.send_and_wait(
            hub.topic(entry.topic), value=envelope.to_bytes(), key=envelope.kafka_key()
        )
    finally:
        await producer.stop()
    assert gateway.context is not None
    pool = gateway.context.pool

    async def known() -> bool:
        sql = "SELECT true FROM partners WHERE partner_id = $1"
        return bool(await pool.fetchval(sql, PARTNER_ID))

    await wait_until(known, within=60)


def _headers(secret: str) -> Any:
    def headers_for(method: str, path: str) -> Mapping[str, str]:
        del method
        if path.startswith("/admin"):
            token = mint_token(secret, sub="fuzz-admin", role=Role.ADMIN)
        else:
            token = mint_token(secret, sub="fuzz", role=Role.PARTNER, partner_id=PARTNER_ID)
        return {"Authorization": f"Bearer {token}"}

    return headers_for


def test_gateway_answers_every_generated_request_as_documented(
    gateway_url: str, hub_settings: HubSettings
) -> None:
    headers_for = _headers(hub_settings.jwt_secret.get_secret_value())
    report = fuzz(gateway_url, headers_for, known={"partner_id": [str(PARTNER_ID)]})
    print(report.summary())
    assert not report.failures, "\n\n".join(f"{k}\n{v}" for k, v in report.failures.items())
    assert not report.short_of(200), report.short_of(200)
    assert any(400 <= code < 500 for code in report.statuses)
    assert any(code < 300 for code in report.statuses)
