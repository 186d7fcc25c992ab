"""The referral service on the real stack, with helpers to feed it events and read its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from hub_contracts import (
    CaseOpened,
    DecisionRecorded,
    Envelope,
    EventPayload,
    Topic,
    decode,
    new_envelope,
)
from hub_runtime.auth import Role, mint_token
from hub_runtime.entry import service_runtime
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.settings import HubSettings
from hub_runtime.testing import as_service, read_all, wait_until
from referral.bootstrap import definition
from referral.config import Settings


def today() -> date:
    """Today as the service counts it (its default zone)."""
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


@dataclass
class Stack:
    """One running referral service plus what a test needs to talk to it."""

    hub: HubSettings
    http: httpx.AsyncClient
    producer: AIOKafkaProducer
    runtime: Any

    def today(self) -> date:
        return today()

    def token(self, role: Role, sub: str = "staff-1") -> dict[str, str]:
        secret = self.hub.jwt_secret.get_secret_value()
        return {"Authorization": f"Bearer {mint_token(secret, sub=sub, role=role)}"}

    async def publish(self, payload: EventPayload, topic: Topic, source: str) -> Envelope:
        subject = payload.envelope_subject()
        assert subject is not None
        envelope = new_envelope(payload, source=source, subject=subject)
        await self.producer.send_and_wait(
            self.hub.topic(topic), value=envelope.to_bytes(), key=envelope.kafka_key()
        )
        return envelope

    async def events(self, topic: Topic = Topic.REFERRAL_EVENTS) -> list[tuple[Envelope, Any]]:
        records = await read_all(self.hub, self.hub.topic(topic), idle_seconds=0.3)
        decoded = []
        for record in records:
            assert record.value is not None
            envelope = Envelope.from_bytes(record.value)
            decoded.append((envelope, decode(envelope)))
        return decoded

    async def dead_letters(self, topic: Topic) -> list[dict[str, str]]:
        records = await read_all(self.hub, self.hub.topic(topic) + ".dlq", idle_seconds=0.3)
        return [{k: v.decode() for k, v in (r.headers or ())} for r in records]

    async def wait_for_event(self, predicate: Callable[[Any], bool], within: float = 20) -> Any:
        found: list[Any] = []

        async def seen() -> bool:
            found[:] = [p for _, p in await self.events() if predicate(p)]
            return bool(found)

        await wait_until(seen, within=within)
        return found[0]

    async def open_case(
        self,
        *,
        decision: str | None = "independent_return",
        stage: str = "final_rejection",
        has_minors: bool = False,
        vulnerabilities: list[str] | None = None,
    ) -> uuid.UUID:
        """Feed the case view the way casefile would, and wait until referral knows the case."""
        case_id = uuid.uuid4()
        await self.publish(
            CaseOpened(
                case_id=case_id,
                country_of_origin="IQ",
                region="west",
                household_size=1,
                has_minors=has_minors,
                vulnerabilities=vulnerabilities or [],
                location_type="azc",
                stage=stage,
            ),
            Topic.CASEFILE_EVENTS,
            "urn:council-hub:casefile",
        )
        if decision is not None:
            await self.publish(
                DecisionRecorded(case_id=case_id, decision=decision, decided_on=today()),
                Topic.CASEFILE_EVENTS,
                "urn:council-hub:casefile",
            )
        await self.wait_for_case(case_id, decided=decision is not None)
        return case_id

    async def wait_for_case(self, case_id: uuid.UUID, *, decided: bool) -> None:
        pool = self.runtime.context.pool

        async def known() -> bool:
            row = await pool.fetchrow("SELECT decision FROM case_view WHERE case_id = $1", case_id)
            return row is not None and (row["decision"] is not None or not decided)

        await wait_until(known)

    async def register_partner(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": "IOM Netherlands",
            "partner_type": "intergovernmental",
            "countries": ["NL", "IQ"],
            "services": ["assisted return", "reintegration grants"],
            "purposes": ["return_counselling", "reintegration_support", "travel_documents"],
            "agreement_reference": "DSA-2025-007",
            "agreement_valid_from": (today() - timedelta(days=30)).isoformat(),
            "agreement_valid_until": (today() + timedelta(days=365)).isoformat(),
            **overrides,
        }
        response = await self.http.post("/partners", json=body, headers=self.token(Role.ADMIN))
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def replace_partner(
        self, partner: dict[str, Any], *, sub: str = "admin-1", **changes: Any
    ) -> httpx.Response:
        """PUT the entry as read (without its read-only fields) with ``changes``, as an admin."""
        read_only = ("partner_id", "may_receive_data", "ever_origin_authority")
        entry = {k: v for k, v in partner.items() if k not in read_only}
        return await self.http.put(
            f"/partners/{partner['partner_id']}",
            json={**entry, **changes},
            headers=self.token(Role.ADMIN, sub=sub),
        )

    def consent_body(self, partner: str, **overrides: Any) -> dict[str, Any]:
        return {
            "partner_id": partner,
            "purposes": ["return_counselling"],
            "data_categories": ["identity", "contact"],
            "valid_from": today().isoformat(),
            "valid_until": (today() + timedelta(days=90)).isoformat(),
            "evidence": {
                "form_reference": "FORM-123",
                "language": "ar",
                "interpreter_used": True,
                "interpreter_reference": "TVCG-4567",
                "taken_by": "counsellor-7",
                "taken_at": datetime.now(UTC).isoformat(),
                "informed_transfer_outside_eu": True,
            },
            **overrides,
        }

    async def grant(self, case_id: uuid.UUID, partner: str, **overrides: Any) -> httpx.Response:
        return await self.http.post(
            f"/cases/{case_id}/consents",
            json=self.consent_body(partner, **overrides),
            headers=self.token(Role.COUNSELLOR),
        )

    async def consents(self, case_id: uuid.UUID) -> list[dict[str, Any]]:
        """The case's consents as a counsellor lists them (``GET /cases/{id}/consents``)."""
        response = await self.http.get(
            f"/cases/{case_id}/consents", headers=self.token(Role.COUNSELLOR)
        )
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result

    async def refer(self, case_id: uuid.UUID, partner_id: str, **overrides: Any) -> httpx.Response:
        body = {
            "partner_id": partner_id,
            "purpose": "return_counselling",
            "data_categories": ["identity"],
            **overrides,
        }
        return await self.http.post(
            f"/cases/{case_id}/referrals", json=body, headers=self.token(Role.COUNSELLOR)
        )


StackFactory = Callable[..., Awaitable[Stack]]


@pytest.fixture
async def stack_factory(
    isolated_hub: HubSettings, fresh_database: str
) -> AsyncIterator[StackFactory]:
    """Start the service (settings overridable per test); everything is stopped afterwards."""
    started: list[tuple[Any, httpx.AsyncClient, AIOKafkaProducer]] = []

    async def start(**settings: Any) -> Stack:
        # No casefile runs beside it here: the test plays casefile by publishing its events.
        settings.setdefault("casefile_url", None)
        # Referral runs as in production: its own Kafka principal and database roles.
        own = await as_service(isolated_hub, "referral", fresh_database)
        config = Settings(hub=own, database=fresh_database, http_port=0, **settings)
        rt = service_runtime(definition(config), config)
        await rt.start()
        http = httpx.AsyncClient(base_url=rt.base_url, timeout=20)
        producer = AIOKafkaProducer(**kafka_client_options(isolated_hub))
        await producer.start()
        started.append((rt, http, producer))
        return Stack(hub=isolated_hub, http=http, producer=producer, runtime=rt)

    yield start
    for rt, http, producer in started:
        await http.aclose()
        await producer.stop()
        await rt.stop()


@pytest.fixture
async def stack(stack_factory: StackFactory) -> Stack:
    return await stack_factory()
