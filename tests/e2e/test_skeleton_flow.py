"""The walking skeleton, end to end, on the real Kafka broker and PostgreSQL server.

A counsellor's tool opens a case (casefile), records consent and requests a referral
(referral); the gateway sends a signed webhook to a partner simulator, which fetches the
consented details (disclosure through casefile) and reports "accepted"; the case's timeline
shows the acceptance; a bottleneck recorded on the case is counted by signals. Every arrow
between services is an event on Kafka. Then: no seeded personal data sits in Kafka's log
segments, and one trace spans all four services.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hub_demo.client import HubClient
from hub_demo.inprocess import RunningHub, connect_simulated_partner, start_hub
from hub_runtime.auth import Role
from hub_runtime.settings import HubSettings
from hub_runtime.testing import service_hubs, stack_env, wait_until
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

pytestmark = pytest.mark.integration

# Seeded personal data: none of it may ever appear in Kafka in plaintext.
PERSON = {
    "name": "Layla Testpersoon-Haddad",
    "date_of_birth": "1987-03-14",
    "phone": "+31 6 5550 1234",
    "languages": ["ar", "en"],
}
CHILD = {"relation": "child", "name": "Samir Testpersoon", "date_of_birth": "2015-07-02"}
SECRETS = [
    PERSON["name"],
    "Testpersoon",
    PERSON["date_of_birth"],
    "5550 1234",
    "Samir",
    "2015-07-02",
]


@pytest.fixture
async def running_hub(
    isolated_hub: HubSettings, hub_databases: dict[str, str], span_exporter: InMemorySpanExporter
) -> AsyncIterator[RunningHub]:
    hub = await start_hub(
        isolated_hub, hub_databases, await service_hubs(isolated_hub, hub_databases)
    )
    try:
        yield hub
    finally:
        await hub.stop()


async def test_skeleton_flow_through_all_four_services(
    running_hub: RunningHub, span_exporter: InMemorySpanExporter
) -> None:
    client = running_hub.client()
    partner_id = await client.register_partner("IOM mission (test)")
    simulator = await connect_simulated_partner(client, partner_id)
    try:
        case_id = await client.open_case(PERSON, household=[CHILD], country_of_origin="IQ")
        await client.record_decision(case_id)
        await _consent_to_anonymous_reporting(client, case_id)
        await client.grant_consent(case_id, partner_id)

        with trace.get_tracer("counsellor-tool").start_as_current_span("request referral") as root:
            referral = await client.request_referral(case_id, partner_id)
            # A family with a minor: the policy sends it to a coordinator's review first.
            assert referral["status"] == "awaiting_review", referral
            referral_id = UUID(referral["referral_id"])
            # Retried while referral's view has not yet seen the decision (409 says so).
            reviewed = await client.retry_while_conflict(
                "POST",
                f"{client.urls.referral}/referrals/{referral_id}/review",
                Role.COORDINATOR,
                {"decision": "approve", "reason": "Reviewed with the family: return is prepared."},
                ok=200,
            )
            assert reviewed["status"] == "approved", reviewed
        trace_id = root.get_span_context().trace_id

        async def partner_accepted() -> bool:
            return (await client.referral(referral_id))["status"] == "accepted"

        await wait_until(partner_accepted, within=60)

        async def timeline_shows_acceptance() -> bool:
            return any(_is_acceptance(entry) for entry in (await client.case(case_id))["timeline"])

        await wait_until(timeline_shows_acceptance, within=30)
        assert simulator.record.referrals_notified == [str(referral_id)]
        assert simulator.record.fetched[str(referral_id)] == ["contact", "identity"]
        await client.record_bottleneck(case_id, "travel_documents_refused")

        async def signals_counted_it() -> bool:
            return await _bottleneck_contributions(client) >= 1

        await wait_until(signals_counted_it, within=30)
    finally:
        await simulator.stop()
        await client.aclose()

    _assert_one_trace_spans_all_services(span_exporter, trace_id)
    _assert_no_personal_data_in_kafka_logs()


async def _consent_to_anonymous_reporting(client: HubClient, case_id: UUID) -> None:
    """Signals counts only persons who consented to anonymous reporting (to the council's own
    advocacy team, listed in the directory as a recipient of anonymous statistics)."""
    body: dict[str, Any] = {
        "name": "Council advocacy team (anonymous statistics)",
        "partner_type": "other",
        "countries": ["NL"],
        "purposes": ["anonymous_reporting"],
    }
    advocacy = await client.expect(
        "POST", f"{client.urls.referral}/partners", Role.ADMIN, body, 201
    )
    await client.record_consent(case_id, await _consent_body(advocacy["partner_id"]))


async def _consent_body(partner_id: str) -> dict[str, Any]:
    from datetime import UTC, date, datetime, timedelta

    return {
        "partner_id": partner_id,
        "purposes": ["anonymous_reporting"],
        "data_categories": ["case_history"],
        "valid_from": date.today().isoformat(),
        "valid_until": (date.today() + timedelta(days=365)).isoformat(),
        "evidence": {
            "form_reference": "CF-ANON-1",
            "language": "ar",
            "interpreter_used": False,
            "taken_by": "test-counsellor",
            "taken_at": datetime.now(UTC).isoformat(),
            "informed_transfer_outside_eu": False,
        },
    }


def _is_acceptance(entry: dict[str, Any]) -> bool:
    text = " ".join(str(v) for v in entry.values()).lower()
    return "accepted" in text and ("partner" in text or "status" in text)


async def _bottleneck_contributions(client: HubClient) -> int:
    summary = await client.expect("GET", f"{client.urls.signals}/admin/contributions", Role.ADMIN)
    text = str(summary)
    return int("bottleneck" in text)


def _assert_one_trace_spans_all_services(exporter: InMemorySpanExporter, trace_id: int) -> None:
    finished = exporter.get_finished_spans()
    spans = [s for s in finished if s.context.trace_id == trace_id]
    # A batch applied together has one CONSUMER span linked to each record's trace (the
    # OpenTelemetry messaging convention for batches); a lone record's span is a child.
    linked = [
        s
        for s in finished
        if s.kind is SpanKind.CONSUMER
        and any(link.context.trace_id == trace_id for link in s.links)
    ]
    services = {str(s.attributes.get("hub.service")) for s in spans + linked if s.attributes}
    assert {"casefile", "referral", "partner-gateway", "signals"} <= services, services
    # The trace crossed Kafka, not only HTTP: each other service consumed an event of it.
    consumers = {
        str(s.attributes.get("hub.service"))
        for s in spans + linked
        if s.kind is SpanKind.CONSUMER and s.attributes
    }
    assert {"casefile", "partner-gateway", "signals"} <= consumers, consumers


def _assert_no_personal_data_in_kafka_logs() -> None:
    log_dir = Path(stack_env()["HUB_KAFKA_LOG_DIR"])
    # Record data lives in the *.log segment files (indexes hold offsets only).
    segments = list(log_dir.rglob("*.log"))
    assert segments, "no log segments found: wrong directory?"
    found = []
    for path in segments:
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            continue  # a topic deleted since the listing (another test's): its data is gone
        found += [(path.name, s) for s in SECRETS if s.encode() in content]
    assert not found, f"personal data in Kafka's log segments: {found}"
