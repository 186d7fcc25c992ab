"""Casefile started on the real stack (fresh database, own topic prefix) for each test."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from casefile.bootstrap import definition
from casefile.config import Settings
from hub_contracts import EventPayload, new_envelope, subject_for
from hub_runtime.auth import Role, mint_token
from hub_runtime.entry import service_runtime
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import as_service

NAME = "Amina Testpersoon-Zeldzaam"
PHONE = "+31 6 9876 5432"
BIRTH = "1987-04-23"
CHILD_BIRTH = "2019-02-28"


def case_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person": {
            "name": NAME,
            "date_of_birth": BIRTH,
            "phone": PHONE,
            "languages": ["ar", "fa"],
            "medical_needs": "Needs insulin daily",
        },
        "household": [
            {"relation": "child", "name": "Kind Testpersoon", "date_of_birth": CHILD_BIRTH}
        ],
        "country_of_origin": "SY",
        "region": "oost",
        "location_type": "family_location",
        "stage": "appeal_pending",
        "vulnerabilities": ["family_with_children", "medical"],
    }
    body.update(overrides)
    return body


class MutableClock:
    """A clock the test moves forward (the deadline worker reads it)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Casefile:
    runtime: ServiceRuntime
    hub: HubSettings
    settings: Settings
    clock: MutableClock
    http: httpx.AsyncClient

    # Seeded personal data: tests look for these strings where they must never be.
    NAME = NAME
    PHONE = PHONE
    BIRTH = BIRTH

    @staticmethod
    def case_body(**overrides: Any) -> dict[str, Any]:
        return case_body(**overrides)

    def today(self) -> date:
        from casefile.domain.deadlines import today_in_amsterdam

        return today_in_amsterdam(self.clock())

    def token(self, role: Role, sub: str = "alice") -> dict[str, str]:
        secret = self.hub.jwt_secret.get_secret_value()
        return {"Authorization": f"Bearer {mint_token(secret, sub=sub, role=role)}"}

    async def open_case(self, **overrides: Any) -> str:
        """Open a case (201 asserted). Without a ``person`` override, the first case of the
        database is NAME's and each further one another person's (``NAME 2``, ...): casefile
        refuses a second open case for one person (409 ``person_already_known``)."""
        opened = int(await self.fetchval("SELECT count(*) FROM cases"))
        if "person" not in overrides and opened:
            overrides["person"] = {**case_body()["person"], "name": f"{NAME} {opened + 1}"}
        response = await self.http.post(
            "/cases", json=case_body(**overrides), headers=self.token(Role.COUNSELLOR)
        )
        assert response.status_code == 201, response.text
        return str(response.json()["case_id"])

    async def publish(self, payload: EventPayload) -> None:
        """Put an event on its topic as its producer would (envelope, key = subject)."""
        envelope = new_envelope(payload, source="urn:test", subject=subject_for(payload))
        producer = AIOKafkaProducer(**kafka_client_options(self.hub))
        await producer.start()
        try:
            await producer.send_and_wait(
                self.hub.topic(str(payload.topic)),
                value=envelope.to_bytes(),
                key=envelope.kafka_key(),
            )
        finally:
            await producer.stop()

    async def stop(self) -> None:
        await self.http.aclose()
        await self.runtime.stop()

    async def fetchval(self, sql: str, *args: Any) -> Any:
        assert self.runtime.context is not None
        return await self.runtime.context.pool.fetchval(sql, *args)


CasefileFactory = Callable[..., Awaitable[Casefile]]


@pytest.fixture
async def start_casefile(
    isolated_hub: HubSettings, fresh_database: str
) -> AsyncIterator[CasefileFactory]:
    """Start casefile (optionally with settings overrides and a clock); stopped afterwards."""
    started: list[Casefile] = []

    async def start(clock: MutableClock | None = None, **overrides: Any) -> Casefile:
        clock = clock or MutableClock(datetime.now(UTC))
        # Casefile runs as in production: its own Kafka principal and database roles (a test
        # may give its own hub settings).
        own = await as_service(isolated_hub, "casefile", fresh_database)
        given: HubSettings | None = overrides.get("hub")
        overrides = {"hub": own, **overrides}
        settings = Settings(database=fresh_database, http_port=0, **overrides)
        rt = service_runtime(definition(settings, clock), settings)
        await rt.start()
        http = httpx.AsyncClient(base_url=rt.base_url, timeout=30)
        # The harness reads and writes topics as the admin (or the test's own hub), not as
        # casefile, whose ACLs let it read none of its own topics.
        cf = Casefile(rt, given or isolated_hub, settings, clock, http)
        started.append(cf)
        return cf

    yield start
    for cf in reversed(started):
        if not cf.http.is_closed:
            await cf.stop()


@pytest.fixture
async def casefile(start_casefile: CasefileFactory) -> Casefile:
    return await start_casefile()


@pytest.fixture
def make_clock() -> Callable[[datetime], MutableClock]:
    """A clock the test moves by hand (tests cannot import conftest in importlib mode)."""
    return MutableClock
