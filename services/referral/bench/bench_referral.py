"""Benchmark: policy decisions/s (bare function) against referral requests/s (HTTP, real stack).

Run with the stack up: `uv run python services/referral/bench/bench_referral.py [requests]`.
It starts the referral service in-process on its own database and topic prefix, feeds the case
view over Kafka like casefile would, then requests referrals concurrently through the API. Each
request is one transaction (case lock, policy, referral row, history rows, two outbox rows).
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from hub_contracts import (
    CaseOpened,
    DataCategory,
    Decision,
    DecisionRecorded,
    PartnerType,
    ProcedureStage,
    Purpose,
    Topic,
    new_envelope,
)
from hub_runtime.auth import Role, mint_token
from hub_runtime.db import dsn_for_database
from hub_runtime.entry import service_runtime
from hub_runtime.kafka_security import kafka_client_options
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import stack_settings, wait_until
from referral.bootstrap import definition
from referral.clock import Clock
from referral.config import Settings
from referral.domain.model import CaseView, Consent, Partner, ReferralRequest
from referral.domain.policy import evaluate

CASES = 200  # many cases: requests of one case queue on its lock
CONCURRENCY = 16


def bare_policy_rate(iterations: int = 200_000) -> float:
    """Decisions per second of `evaluate` called in a loop on realistic facts."""
    today = Clock().today()
    case_id, partner_id = uuid.uuid4(), uuid.uuid4()
    partner = Partner(
        partner_id,
        "IOM",
        PartnerType.INTERGOVERNMENTAL,
        ("IQ",),
        (),
        frozenset({Purpose.RETURN_COUNSELLING}),
        "DSA",
        None,
        today + timedelta(days=9),
        True,
    )
    case = CaseView(
        case_id,
        ProcedureStage.FINAL_REJECTION,
        False,
        frozenset(),
        Decision.INDEPENDENT_RETURN,
        False,
    )
    consents = [
        Consent(
            uuid.uuid4(),
            case_id,
            partner_id,
            frozenset({Purpose.RETURN_COUNSELLING}),
            frozenset({DataCategory.IDENTITY}),
            today,
            today + timedelta(days=30),
            None,
        )
        for _ in range(3)
    ]
    request = ReferralRequest(
        case_id, partner_id, Purpose.RETURN_COUNSELLING, frozenset({DataCategory.IDENTITY})
    )
    started = time.perf_counter()
    for _ in range(iterations):
        evaluate(request, case, partner, consents, today)
    return iterations / (time.perf_counter() - started)


async def api_rate(requests: int) -> float:
    database = f"bench_{uuid.uuid4().hex[:10]}"
    hub = stack_settings(topic_prefix=f"b-{uuid.uuid4().hex[:8]}.")
    settings = Settings(hub=hub, database=database, http_port=0)
    rt = service_runtime(definition(settings), settings)
    await rt.start()
    try:
        return await _drive(rt, hub, requests)
    finally:
        await rt.stop()
        admin = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()


async def _drive(rt: ServiceRuntime, hub: HubSettings, requests: int) -> float:
    secret = hub.jwt_secret.get_secret_value()
    admin = {"Authorization": f"Bearer {mint_token(secret, sub='bench', role=Role.ADMIN)}"}
    staff = {"Authorization": f"Bearer {mint_token(secret, sub='bench', role=Role.COUNSELLOR)}"}
    today = Clock().today()
    async with httpx.AsyncClient(base_url=rt.base_url, timeout=30) as http:
        partner = (
            await http.post(
                "/partners",
                headers=admin,
                json={
                    "name": "IOM",
                    "partner_type": "intergovernmental",
                    "countries": ["NL"],
                    "purposes": ["return_counselling"],
                    "agreement_reference": "DSA",
                    "agreement_valid_until": (today + timedelta(days=99)).isoformat(),
                },
            )
        ).json()["partner_id"]
        cases = await _feed_cases(hub)
        assert rt.context is not None
        pool = rt.context.pool

        async def view_ready() -> bool:
            count = await pool.fetchval("SELECT count(*) FROM case_view WHERE decision IS NOT NULL")
            return bool(count == CASES)

        await wait_until(view_ready, within=60)
        for case_id in cases:
            consent = await http.post(
                f"/cases/{case_id}/consents",
                headers=staff,
                json={
                    "partner_id": partner,
                    "purposes": ["return_counselling"],
                    "data_categories": ["identity"],
                    "valid_from": today.isoformat(),
                    "valid_until": (today + timedelta(days=30)).isoformat(),
                    "evidence": {
                        "form_reference": "F",
                        "language": "ar",
                        "interpreter_used": False,
                        "taken_by": "bench",
                        "taken_at": datetime.now(UTC).isoformat(),
                        "informed_transfer_outside_eu": True,
                    },
                },
            )
            assert consent.status_code == 201, consent.text
        queue = [cases[i % CASES] for i in range(requests)]
        body = {
            "partner_id": partner,
            "purpose": "return_counselling",
            "data_categories": ["identity"],
        }

        async def worker() -> None:
            while queue:
                case_id = queue.pop()
                response = await http.post(f"/cases/{case_id}/referrals", headers=staff, json=body)
                assert response.json()["status"] == "approved", response.text

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return requests / (time.perf_counter() - started)


async def _feed_cases(hub: HubSettings) -> list[uuid.UUID]:
    producer = AIOKafkaProducer(**kafka_client_options(hub))
    await producer.start()
    cases = [uuid.uuid4() for _ in range(CASES)]
    try:
        for case_id in cases:
            for payload in (
                CaseOpened(
                    case_id=case_id,
                    country_of_origin="IQ",
                    region="west",
                    household_size=1,
                    has_minors=False,
                    vulnerabilities=[],
                    location_type="azc",
                    stage="final_rejection",
                ),
                DecisionRecorded(
                    case_id=case_id,
                    decision="independent_return",
                    decided_on=datetime.now(UTC).date(),
                ),
            ):
                envelope = new_envelope(payload, source="bench", subject=str(case_id))
                await producer.send_and_wait(
                    hub.topic(Topic.CASEFILE_EVENTS), envelope.to_bytes(), key=envelope.kafka_key()
                )
    finally:
        await producer.stop()
    return cases


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    bare = bare_policy_rate()
    through_api = asyncio.run(api_rate(requests))
    print(f"policy decisions/s (bare function, loop): {bare:,.0f}")
    print(
        f"referral requests/s (HTTP API, real stack, concurrency {CONCURRENCY}): {through_api:,.0f}"
    )
    print(f"ratio bare/API: {bare / through_api:,.0f}x")


if __name__ == "__main__":
    main()
