"""The gateway on the real stack, with stand-ins at its boundaries only.

- referral's and casefile's EVENTS are published to the test's prefixed topics with a producer;
- casefile's internal disclosure endpoint is a tiny FastAPI fake honouring the contract of the
  brief (service token required, 410 when told the person is gone, 200 with categories);
- partners are the real simulator (partner_gateway.simulator), over real HTTP.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from hub_contracts import (
    ConsentGranted,
    ConsentWithdrawn,
    DataCategory,
    Envelope,
    EventPayload,
    PartnerRegistered,
    PartnerType,
    Purpose,
    ReferralApproved,
    ReferralStatus,
    ReferralStatusChangedV2,
    StatusReason,
    Topic,
    new_envelope,
)
from hub_contracts.registry import decode
from hub_runtime.auth import Role, mint_token, verify_token
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import as_service, read_all, wait_until
from partner_gateway.bootstrap import definition
from partner_gateway.clock import Clock
from partner_gateway.config import Settings
from partner_gateway.simulator import PartnerSimulator, build_simulator


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(app: FastAPI) -> tuple[str, Callable[[], Awaitable[None]]]:
    """Serve ``app`` on a free port in this loop; returns (base url, stop)."""
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]

    async def stop() -> None:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)

    return f"http://127.0.0.1:{port}", stop


@dataclass
class FakeCasefile:
    """casefile's POST /internal/disclosures, per the brief's contract (a test double)."""

    jwt_secret: str
    gone_cases: set[str] = field(default_factory=set)
    requests: list[dict[str, Any]] = field(default_factory=list)
    trace_headers: list[str | None] = field(default_factory=list)
    extra_category: bool = True  # answers one category too many: the gateway must drop it
    # (status, code): answers this refusal, in the hub's error shape, instead of disclosing
    refusal: tuple[int, str] | None = None

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/internal/disclosures")
        async def disclose(request: Request) -> JSONResponse:
            _scheme, _, token = request.headers.get("authorization", "").partition(" ")
            try:
                principal = verify_token(self.jwt_secret, token)
            except ValueError:
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            if principal.role is not Role.SERVICE or principal.sub != "partner-gateway":
                return JSONResponse({"error": "forbidden"}, status_code=403)
            body = await request.json()
            self.requests.append(body)
            self.trace_headers.append(request.headers.get("traceparent"))
            if body["case_id"] in self.gone_cases:
                return JSONResponse({"error": "gone"}, status_code=410)
            if self.refusal is not None:
                status, code = self.refusal
                shape = {"error": code, "detail": "refused by the stand-in", "reasons": []}
                return JSONResponse(shape, status_code=status)
            categories = {c: {"fake": f"value-of-{c}"} for c in body["data_categories"]}
            if self.extra_category:
                categories["medical_needs"] = {"fake": "never-consented"}
            return JSONResponse({"case_id": body["case_id"], "categories": categories})

        return app


@dataclass(frozen=True)
class ShiftedClock(Clock):
    """The gateway's clock moved by whole days, so a test can let a consent expire."""

    shift: list[timedelta] = field(default_factory=lambda: [timedelta()])

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift[0]

    def advance(self, days: int) -> None:
        self.shift[0] += timedelta(days=days)


@dataclass
class Receiver:
    """A partner's webhook endpoint that only records what it is told (answers 200) and never
    fetches: a partner that was sent ``referral.ready`` but did not act on it yet."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> JSONResponse:
            self.bodies.append(await request.json())
            return JSONResponse({"status": "received"})

        return app

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [b for b in self.bodies if b["type"] == kind]


@dataclass
class Gateway:
    """A running gateway plus what a test needs to drive it."""

    runtime: ServiceRuntime
    hub: HubSettings
    settings: Settings
    casefile: FakeCasefile
    producer: AIOKafkaProducer
    http: httpx.AsyncClient
    simulators: list[PartnerSimulator] = field(default_factory=list)
    cleanups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # In production mode staff tokens come from the identity provider (hub_runtime.auth).
    provider_admin_token: str | None = None

    @property
    def url(self) -> str:
        return self.runtime.base_url

    def admin(self) -> dict[str, str]:
        token = self.provider_admin_token or mint_token(
            self.hub.jwt_secret.get_secret_value(), sub="admin1", role=Role.ADMIN
        )
        return {"authorization": f"Bearer {token}"}

    def partner_token(self, partner_id: uuid.UUID) -> str:
        return mint_token(
            self.hub.jwt_secret.get_secret_value(),
            sub=f"sim-{partner_id}",
            role=Role.PARTNER,
            partner_id=partner_id,
        )

    def as_partner(self, partner_id: uuid.UUID) -> dict[str, str]:
        return {"authorization": f"Bearer {self.partner_token(partner_id)}"}

    async def publish(self, payload: EventPayload, subject: uuid.UUID | None = None) -> Envelope:
        key = str(subject) if subject is not None else payload.envelope_subject()
        assert key is not None
        envelope = new_envelope(payload, source="urn:council-hub:test", subject=key)
        await self.producer.send_and_wait(
            self.hub.topic(payload.topic), value=envelope.to_bytes(), key=envelope.kafka_key()
        )
        return envelope

    async def partner_events(self, idle: float = 0.5) -> list[tuple[Envelope, Any]]:
        records = await read_all(self.hub, self.hub.topic(Topic.PARTNER_EVENTS), idle_seconds=idle)
        envelopes = [Envelope.from_bytes(r.value) for r in records if r.value is not None]
        return [(e, decode(e)) for e in envelopes]

    async def events_of(self, cls: type[EventPayload], idle: float = 0.5) -> list[Any]:
        return [p for _, p in await self.partner_events(idle) if isinstance(p, cls)]

    async def emitted(self, cls: type[EventPayload]) -> list[Any]:
        """What the gateway committed to publish (its outbox): exact at the moment of the call,
        unlike the topic, which the relay fills a little later."""
        assert self.runtime.context is not None
        rows = await self.runtime.context.pool.fetch("SELECT payload FROM hub_outbox ORDER BY id")
        envelopes = [Envelope.from_bytes(bytes(r["payload"])) for r in rows]
        return [decode(e) for e in envelopes if e.type == cls.event_type]

    async def wait_for_event(
        self, cls: type[EventPayload], match: Callable[[Any], bool], within: float = 30
    ) -> None:
        async def seen() -> bool:
            return any(match(p) for p in await self.events_of(cls, idle=0.2))

        seen.__qualname__ = f"{cls.__name__} on partner.events"
        await wait_until(seen, within=within)

    # --- scenario steps --------------------------------------------------------------------

    async def register_partner(
        self,
        partner_type: PartnerType = PartnerType.NGO,
        *,
        countries: list[str] | None = None,
        partner_id: uuid.UUID | None = None,
        active: bool = True,
        purposes: list[Purpose] | None = None,
        agreement_days: int | None = 365,
    ) -> uuid.UUID:
        """Publish the directory's entry; ``agreement_days`` from today to the agreement's last
        day (negative: it ended; None: no agreement)."""
        partner_id = partner_id or uuid.uuid4()
        await self.publish(
            PartnerRegistered(
                partner_id=partner_id,
                partner_type=partner_type,
                purposes=purposes or [Purpose.REINTEGRATION_SUPPORT, Purpose.RETURN_COUNSELLING],
                countries=countries or ["AF"],
                agreement_valid_until=None
                if agreement_days is None
                else date.today() + timedelta(days=agreement_days),
                active=active,
            )
        )
        return partner_id

    async def wait_for_partner(self, partner_id: uuid.UUID) -> None:
        async def known() -> bool:
            assert self.runtime.context is not None
            return bool(
                await self.runtime.context.pool.fetchval(
                    "SELECT true FROM partners WHERE partner_id = $1", partner_id
                )
            )

        await wait_until(known)

    async def put_webhook(self, partner_id: uuid.UUID, url: str) -> httpx.Response:
        return await self.http.put(
            f"/admin/partners/{partner_id}/webhook", json={"url": url}, headers=self.admin()
        )

    async def listening_partner(self, **kwargs: Any) -> tuple[uuid.UUID, Receiver]:
        """A registered partner whose webhook only records (see :class:`Receiver`)."""
        partner_id = await self.register_partner(**kwargs)
        await self.wait_for_partner(partner_id)
        receiver = Receiver()
        base, stop = await serve(receiver.app())
        self.cleanups.append(stop)
        receiver.url = f"{base}/hook"
        response = await self.put_webhook(partner_id, receiver.url)
        assert response.status_code == 200, response.text
        return partner_id, receiver

    async def simulated_partner(self, **kwargs: Any) -> tuple[uuid.UUID, PartnerSimulator]:
        """A registered partner whose webhook points at a running simulator."""
        partner_id = await self.register_partner()
        await self.wait_for_partner(partner_id)
        sim = build_simulator(
            gateway_url=self.url, partner_token=self.partner_token(partner_id), **kwargs
        )
        await sim.start()
        self.simulators.append(sim)
        response = await self.put_webhook(partner_id, sim.webhook_url)
        assert response.status_code == 200, response.text
        sim.webhook_secret = response.json()["secret"]
        return partner_id, sim

    async def consent(
        self,
        case_id: uuid.UUID,
        partner_id: uuid.UUID,
        categories: list[DataCategory] | None = None,
        *,
        purpose: Purpose = Purpose.REINTEGRATION_SUPPORT,
        valid_from: date | None = None,
        valid_until: date | None = None,
    ) -> uuid.UUID:
        consent_id = uuid.uuid4()
        await self.publish(
            ConsentGranted(
                case_id=case_id,
                consent_id=consent_id,
                partner_id=partner_id,
                purposes=[purpose],
                data_categories=categories or [DataCategory.IDENTITY, DataCategory.CONTACT],
                valid_from=valid_from or date.today() - timedelta(days=1),
                valid_until=valid_until or date.today() + timedelta(days=90),
            )
        )
        return consent_id

    async def approve(
        self,
        case_id: uuid.UUID,
        partner_id: uuid.UUID,
        consent_id: uuid.UUID,
        partner_type: PartnerType = PartnerType.NGO,
        *,
        purpose: Purpose = Purpose.REINTEGRATION_SUPPORT,
    ) -> uuid.UUID:
        referral_id = uuid.uuid4()
        await self.publish(
            ReferralApproved(
                case_id=case_id,
                referral_id=referral_id,
                partner_id=partner_id,
                partner_type=partner_type,
                purpose=purpose,
                data_categories=[DataCategory.IDENTITY, DataCategory.CONTACT],
                consent_id=consent_id,
            )
        )
        return referral_id

    async def referral_known(self, referral_id: uuid.UUID) -> None:
        async def known() -> bool:
            assert self.runtime.context is not None
            return bool(
                await self.runtime.context.pool.fetchval(
                    "SELECT true FROM referrals WHERE referral_id = $1", referral_id
                )
            )

        await wait_until(known)

    async def approved_referral(self) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
        """A partner known to the gateway and one approved referral to it that the gateway has
        stored: (partner, case, consent, referral)."""
        partner_id = await self.register_partner()
        await self.wait_for_partner(partner_id)
        case_id = uuid.uuid4()
        consent_id = await self.consent(case_id, partner_id)
        referral_id = await self.approve(case_id, partner_id, consent_id)
        await self.referral_known(referral_id)
        return partner_id, case_id, consent_id, referral_id

    async def withdraw(
        self, case_id: uuid.UUID, consent_id: uuid.UUID, partner_id: uuid.UUID
    ) -> None:
        await self.publish(
            ConsentWithdrawn(
                case_id=case_id,
                consent_id=consent_id,
                partner_id=partner_id,
                withdrawn_at=datetime.now(UTC),
            )
        )

    async def status_changed(
        self,
        case_id: uuid.UUID,
        referral_id: uuid.UUID,
        partner_id: uuid.UUID,
        from_status: ReferralStatus,
        to_status: ReferralStatus,
        reason_code: StatusReason | None = None,
    ) -> None:
        """referral's ReferralStatusChanged.v2 (the version its producer is switching to)."""
        await self.publish(
            ReferralStatusChangedV2(
                case_id=case_id,
                referral_id=referral_id,
                partner_id=partner_id,
                from_status=from_status,
                to_status=to_status,
                reason_code=reason_code,
            )
        )

    async def view_holds(self, sql: str, *args: Any) -> None:
        """Wait until the gateway's own view (its database) satisfies ``sql`` (a boolean query)."""

        async def holds() -> bool:
            assert self.runtime.context is not None
            return bool(await self.runtime.context.pool.fetchval(sql, *args))

        holds.__qualname__ = sql
        await wait_until(holds)

    async def disclosures(self, referral_id: uuid.UUID) -> list[dict[str, Any]]:
        response = await self.http.get(
            "/admin/disclosures", params={"referral_id": str(referral_id)}, headers=self.admin()
        )
        assert response.status_code == 200
        items: list[dict[str, Any]] = response.json()["items"]
        return items


GatewayFactory = Callable[..., Awaitable[Gateway]]

FAST = {
    "delivery_poll_seconds": 0.05,
    "delivery_first_backoff_seconds": 0.05,
    "delivery_max_backoff_seconds": 0.4,
    "delivery_timeout_seconds": 5.0,
    "breaker_failure_threshold": 50,
    "breaker_pause_seconds": 0.5,
}


@pytest.fixture
async def start_gateway(
    isolated_hub: HubSettings, fresh_database: str, request: pytest.FixtureRequest
) -> AsyncIterator[GatewayFactory]:
    """Start THE gateway of this test, with setting overrides (call once per test)."""
    cleanups: list[Callable[[], Awaitable[None]]] = []

    async def start(
        clock: Clock | None = None, hub_env: str = "development", **overrides: Any
    ) -> Gateway:
        """``hub_env``: HUB_ENV of this gateway (production checks webhook addresses, and takes
        staff tokens only from the identity provider: the tests' Keycloak then)."""
        hub = isolated_hub.model_copy(update={"env": hub_env})
        admin_token = None
        if hub_env == "production":
            provider = request.getfixturevalue("oidc_provider")
            hub = provider.production(hub)
            admin_token = await asyncio.to_thread(provider.token, "carol")
        fake = FakeCasefile(hub.jwt_secret.get_secret_value())
        casefile_url, stop_casefile = await serve(fake.app())
        cleanups.append(stop_casefile)
        # The gateway runs as in production: its own Kafka principal and database roles.
        own = await as_service(hub, "partner-gateway", fresh_database)
        settings = Settings(
            hub=own,
            database=fresh_database,
            http_port=0,
            casefile_url=casefile_url,
            **{**FAST, **overrides},
        )
        runtime = ServiceRuntime(definition(settings, clock=clock), own)
        await runtime.start()
        cleanups.append(runtime.stop)
        producer = AIOKafkaProducer(**kafka_client_options(hub))
        await producer.start()
        cleanups.append(producer.stop)
        http = httpx.AsyncClient(base_url=runtime.base_url, timeout=30)
        cleanups.append(http.aclose)
        gateway = Gateway(runtime, hub, settings, fake, producer, http)
        gateway.provider_admin_token = admin_token
        cleanups.append(_run_all(gateway.cleanups))

        async def stop_simulators() -> None:
            for sim in gateway.simulators:
                await sim.stop()

        cleanups.append(stop_simulators)
        return gateway

    yield start
    for cleanup in reversed(cleanups):
        with contextlib.suppress(Exception):
            await cleanup()
    with contextlib.suppress(Exception):
        await delete_topics(isolated_hub, isolated_hub.topic_prefix)


def _run_all(steps: list[Callable[[], Awaitable[None]]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        for step in reversed(steps):
            with contextlib.suppress(Exception):
                await step()

    return run


async def delete_topics(hub: HubSettings, prefix: str) -> None:
    """Delete this test's topics (exactly its own prefix): thousands of leftover test
    partitions exhaust the broker's open files (it stopped once with 'Too many open files')."""
    assert prefix, "never delete without a test prefix"
    admin = AIOKafkaAdminClient(**kafka_client_options(hub))
    await admin.start()
    try:
        mine = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
    finally:
        await admin.close()


@pytest.fixture
async def gateway(start_gateway: GatewayFactory) -> Gateway:
    return await start_gateway()
