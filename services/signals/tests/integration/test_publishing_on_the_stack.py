"""Closed periods are published once, protected, on the topic and over HTTP for advocacy."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import httpx
import pytest
from hub_contracts import (
    BottleneckCategory,
    BottleneckObserved,
    ConsentGranted,
    ConsentWithdrawn,
    DataCategory,
    Envelope,
    LocationType,
    PersonErased,
    ProcedureStage,
    Purpose,
    Region,
    SignalsPublishedV2,
    Topic,
    decode,
    new_envelope,
)
from hub_runtime.auth import Role
from hub_runtime.entry import service_runtime
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from hub_runtime.testing import read_all, wait_until
from signals.bootstrap import definition
from signals.config import Settings

from .conftest import bearer, publish_many, publish_period

pytestmark = pytest.mark.integration
PERIOD = "2025-01"
DAY = date(2025, 1, 15)


def observed(
    category: BottleneckCategory, stage: ProcedureStage, region: Region, location: LocationType
) -> tuple[Envelope, str]:
    case_id = uuid.uuid4()
    payload = BottleneckObserved(
        case_id=case_id,
        bottleneck_id=uuid.uuid4(),
        category=category,
        stage=stage,
        region=region,
        location_type=location,
        observed_on=DAY,
        country_of_origin="AF",
    )
    return new_envelope(payload, source="test", subject=str(case_id)), Topic.CASEFILE_EVENTS


SEED: list[tuple[BottleneckCategory, ProcedureStage, Region, LocationType, int]] = [
    (
        BottleneckCategory.FAMILY_DETENTION,
        ProcedureStage.FINAL_REJECTION,
        Region.OOST,
        LocationType.DETENTION,
        10,
    ),
    (
        BottleneckCategory.FAMILY_DETENTION,
        ProcedureStage.APPEAL_PENDING,
        Region.OOST,
        LocationType.DETENTION,
        11,
    ),
    (
        BottleneckCategory.FORCED_RELOCATION,
        ProcedureStage.FINAL_REJECTION,
        Region.WEST,
        LocationType.AZC,
        11,
    ),
    (
        BottleneckCategory.FORCED_RELOCATION,
        ProcedureStage.APPEAL_PENDING,
        Region.WEST,
        LocationType.AZC,
        12,
    ),
    (
        BottleneckCategory.TRAVEL_DOCUMENTS_REFUSED,
        ProcedureStage.FINAL_REJECTION,
        Region.ZUID,
        LocationType.VBL,
        14,
    ),
    (
        BottleneckCategory.TRAVEL_DOCUMENTS_REFUSED,
        ProcedureStage.APPEAL_PENDING,
        Region.ZUID,
        LocationType.VBL,
        13,
    ),
    (
        BottleneckCategory.CHILD_DETENTION,
        ProcedureStage.FINAL_REJECTION,
        Region.NOORD,
        LocationType.DETENTION,
        3,
    ),
]
SEEDED_EVENTS = sum(n for *_, n in SEED)


def seeded() -> list[tuple[Envelope, str]]:
    """Six cells of 10-14 persons and one of 3 (which must be withheld)."""
    return [
        observed(category, stage, region, location)
        for category, stage, region, location, n in SEED
        for _ in range(n)
    ]


async def applied(service: ServiceRuntime, n: int) -> None:
    consumer = service.consumer
    assert consumer is not None

    async def done() -> bool:
        return consumer.stats.applied >= n

    await wait_until(done, within=30)


def cell(payload: dict[str, object], **coordinates: str) -> dict[str, object]:
    cells = payload["cells"]
    assert isinstance(cells, list)
    return next(c for c in cells if c["coordinates"] == coordinates)


async def test_a_closed_period_is_published_once_and_protected(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    await publish_many(isolated_hub, seeded())
    await applied(signals_service, SEEDED_EVENTS)
    advocacy = bearer(isolated_hub, Role.ADVOCACY)
    url = f"/signals/periods/{PERIOD}/tables/bottlenecks_by_stage"

    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        assert (
            await client.get(url, headers=bearer(isolated_hub, Role.COUNSELLOR))
        ).status_code == 403
        assert (await client.get(url)).status_code == 401
        await publish_period(client, isolated_hub, PERIOD)
        first = await client.get(url, headers=advocacy)
        assert first.status_code == 200, first.text
        table = first.json()
        again = await client.get(url, headers=bearer(isolated_hub, Role.ADMIN))
        republished = await client.post(
            f"/admin/periods/{PERIOD}/publish", headers=bearer(isolated_hub, Role.ADMIN)
        )
        listing = (await client.get("/signals/periods", headers=advocacy)).json()

    assert again.json() == table
    assert republished.json()["tables"]["bottlenecks_by_stage"] == table
    # The largest row keeps its cells; 14 and 13 persons are rounded to 15.
    travel = {"category": "travel_documents_refused"}
    assert cell(table, **travel, stage="final_rejection")["count"] == 15
    assert cell(table, **travel, stage="appeal_pending")["count"] == 15
    assert cell(table, **travel, stage="total")["count"] == 25  # 27 persons
    assert cell(table, category="child_detention", stage="final_rejection")["suppressed"]
    assert cell(table, category="child_detention", stage="total")["suppressed"]
    # Secondary suppression: the column of the small cell is not left with one withheld entry.
    final = [c for c in table["cells"] if c["coordinates"]["stage"] == "final_rejection"]
    assert sum(c["suppressed"] for c in final) >= 2
    for c in table["cells"]:
        assert c["count"] is None or c["count"] == 0 or c["count"] >= 10
    assert [p["period"] for p in listing["periods"]] == [PERIOD]

    topic = isolated_hub.topic(Topic.SIGNALS_PUBLISHED)
    expected = len(listing["periods"][0]["tables"])

    async def relayed() -> bool:  # the outbox relay publishes after the commit, not in it
        records = await read_all(isolated_hub, topic, idle_seconds=0.2)
        return len(records) >= expected

    await wait_until(relayed)
    records = await read_all(isolated_hub, topic)
    events = [Envelope.from_bytes(r.value) for r in records if r.value is not None]
    assert {e.subject for e in events} == {PERIOD}
    tables = sorted(e.data["table"] for e in events)  # type: ignore[type-var]
    assert tables == sorted(listing["periods"][0]["tables"])
    assert len(tables) == len(set(tables)), "a period is published once"
    # Issue 13: published as SignalsPublished.v2 (ASCII period, bounded lists), read by the
    # one decoder that every consumer uses.
    assert {(e.type, e.schemaversion) for e in events} == {(SignalsPublishedV2.event_type, 1)}
    stage_event = next(e for e in events if e.data["table"] == "bottlenecks_by_stage")
    decoded = decode(stage_event)
    assert isinstance(decoded, SignalsPublishedV2)
    assert decoded.model_dump(mode="json") == table


async def test_reading_a_closed_period_publishes_nothing(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    """Issue 12, side effects only where asked. The failing input: a GET of a closed period's
    table created its permanent release. Same class, not listed in the issue: the CSV, the
    crosstab and the printable report of that period, read by advocacy and by an admin."""
    await publish_many(isolated_hub, seeded())
    await applied(signals_service, SEEDED_EVENTS)
    base = f"/signals/periods/{PERIOD}"
    reads = [
        (f"{base}/tables/bottlenecks_by_stage", {}),
        (f"{base}/tables/bottlenecks_by_stage.csv", {}),
        (f"{base}/crosstab", {"dimensions": "category,stage"}),
        (f"{base}/report", {}),
    ]
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        for role in (Role.ADVOCACY, Role.ADMIN):
            for path, params in reads:
                answer = await client.get(path, params=params, headers=bearer(isolated_hub, role))
                assert answer.status_code == 404, (path, answer.text)
                assert answer.json()["error"] == "not_published"
                assert "/admin/periods/{period}/publish" in answer.json()["detail"]
        listing = (
            await client.get("/signals/periods", headers=bearer(isolated_hub, Role.ADVOCACY))
        ).json()
        assert listing["periods"] == []
        assert signals_service.context is not None
        pool = signals_service.context.pool
        assert await pool.fetchval("SELECT count(*) FROM releases") == 0
        assert await pool.fetchval("SELECT count(*) FROM hub_outbox") == 0

        await publish_period(client, isolated_hub, PERIOD)  # the explicit act
        for path, params in reads:
            answer = await client.get(
                path, params=params, headers=bearer(isolated_hub, Role.ADVOCACY)
            )
            assert answer.status_code == 200, (path, answer.text)
    assert await pool.fetchval("SELECT count(*) FROM releases") > 0


async def test_open_periods_and_disallowed_tables_get_a_reason(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    this_month = datetime.now(UTC).strftime("%Y-%m")
    advocacy = bearer(isolated_hub, Role.ADVOCACY)
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        open_period = await client.get(
            f"/signals/periods/{this_month}/tables/refusals_by_reason", headers=advocacy
        )
        assert open_period.status_code == 409
        assert "is open until" in open_period.json()["detail"]
        crosstab = await client.get(
            f"/signals/periods/{PERIOD}/crosstab",
            params={"dimensions": "country,region"},
            headers=advocacy,
        )
        assert crosstab.status_code == 400
        assert "not allowed" in crosstab.json()["detail"]
        unknown = await client.get(
            f"/signals/periods/{PERIOD}/tables/bottlenecks_by_country", headers=advocacy
        )
        assert unknown.status_code == 404
        assert "allowed" in unknown.json()["detail"]
        bad = await client.get(
            "/signals/periods/2025-13/tables/refusals_by_reason", headers=advocacy
        )
        assert bad.status_code == 422


IMPLAUSIBLE_PERIODS = ["0000-01", "0000-12", "0001-01", "1999-12", "9999-12"]


async def test_implausible_periods_get_422_everywhere_and_are_never_published(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    advocacy = bearer(isolated_hub, Role.ADVOCACY)
    admin = bearer(isolated_hub, Role.ADMIN)
    next_year = f"{datetime.now(UTC).year + 1}-01"
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        for period in [*IMPLAUSIBLE_PERIODS, next_year]:
            base = f"/signals/periods/{period}"
            answers = [
                await client.get(f"{base}/tables/bottlenecks_by_stage", headers=advocacy),
                await client.get(f"{base}/tables/bottlenecks_by_stage.csv", headers=advocacy),
                await client.get(
                    f"{base}/crosstab", params={"dimensions": "category,stage"}, headers=advocacy
                ),
                await client.get(f"{base}/report", headers=advocacy),
                await client.post(f"/admin/periods/{period}/publish", headers=admin),
            ]
            for answer in answers:
                assert answer.status_code == 422, (period, answer.request.url, answer.text)
                assert answer.json()["error"] == "invalid_period"
                reason = answer.json()["detail"]  # year 0000 is not even a YYYY-MM month
                assert "between 2000-01 and" in reason or "YYYY-MM" in reason
        listing = (await client.get("/signals/periods", headers=advocacy)).json()
    assert listing["periods"] == []


async def test_a_refused_cross_tabulation_never_echoes_the_request(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    await publish_many(isolated_hub, seeded()[:1])
    await applied(signals_service, 1)
    advocacy = bearer(isolated_hub, Role.ADVOCACY)
    url = f"/signals/periods/{PERIOD}"
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        refused = await client.get(
            f"{url}/crosstab", params={"dimensions": "category,SECRETNAME"}, headers=advocacy
        )
        no_table = await client.get(f"{url}/tables/SECRETNAME", headers=advocacy)
        await publish_period(client, isolated_hub, PERIOD)
        reversed_pair = await client.get(
            f"{url}/crosstab", params={"dimensions": "stage,category"}, headers=advocacy
        )
    assert refused.status_code == 400
    assert "SECRETNAME" not in refused.text
    assert "allowed: category,stage;" in refused.json()["detail"]
    assert no_table.status_code == 404
    assert "SECRETNAME" not in no_table.text
    assert "bottlenecks_by_stage" in no_table.json()["detail"]
    assert reversed_pair.status_code == 200, reversed_pair.text
    assert reversed_pair.json()["table"] == "bottlenecks_by_stage"
    assert reversed_pair.json()["dimensions"] == ["category", "stage"]


async def test_csv_report_and_dashboard(
    isolated_hub: HubSettings, signals_service: ServiceRuntime
) -> None:
    await publish_many(isolated_hub, seeded())
    await applied(signals_service, SEEDED_EVENTS)
    advocacy = bearer(isolated_hub, Role.ADVOCACY)
    async with httpx.AsyncClient(base_url=signals_service.base_url) as client:
        await publish_period(client, isolated_hub, PERIOD)
        csv_response = await client.get(
            f"/signals/periods/{PERIOD}/tables/bottlenecks_by_region.csv", headers=advocacy
        )
        by_dims = await client.get(
            f"/signals/periods/{PERIOD}/crosstab",
            params={"dimensions": "category,region"},
            headers=advocacy,
        )
        report = await client.get(f"/signals/periods/{PERIOD}/report", headers=advocacy)
        dashboard = await client.get("/dashboard")
        sign_in = await client.get("/dashboard/sign-in")
    assert csv_response.headers["content-type"].startswith("text/csv")
    lines = csv_response.text.splitlines()
    assert lines[0] == "category,region,count,suppressed"
    assert "child_detention,noord,,false" not in lines
    assert "child_detention,noord,,true" in lines  # as in the JSON, not Python's True
    for line in lines[1:]:
        count = line.split(",")[2]
        assert count == "" or int(count) == 0 or int(count) >= 10
    assert by_dims.json()["table"] == "bottlenecks_by_region"
    assert report.status_code == 200
    assert "Signals report: 2025-01" in report.text
    assert "@media print" in report.text
    # Issue 18: no data without a signed-in session; the pages carry no script and no CDN.
    assert dashboard.status_code == 303
    assert dashboard.headers["location"] == "/dashboard/sign-in"
    assert sign_in.status_code == 200
    assert "<script" not in sign_in.text
    assert "http" not in sign_in.text


def grant(case_id: uuid.UUID, consent_id: uuid.UUID) -> tuple[Envelope, str]:
    payload = ConsentGranted(
        case_id=case_id,
        consent_id=consent_id,
        partner_id=uuid.uuid4(),
        purposes=[Purpose.ANONYMOUS_REPORTING],
        data_categories=[DataCategory.CASE_HISTORY],
        valid_from=date(2024, 12, 1),
        valid_until=date(2025, 6, 30),
    )
    return new_envelope(payload, source="test", subject=str(case_id)), Topic.REFERRAL_EVENTS


async def test_only_consenting_persons_count_and_withdrawal_and_erasure_apply(
    isolated_hub: HubSettings, signals_settings: Settings
) -> None:
    settings = signals_settings.model_copy(update={"require_reporting_consent": True})
    service = service_runtime(definition(settings), settings)
    await service.start()
    try:
        events = seeded()[10:21]  # 11 persons in one cell (family detention, appeal pending)
        cases = [uuid.UUID(envelope.subject) for envelope, _ in events]
        consents = [uuid.uuid4() for _ in cases]
        grants = [grant(c, k) for c, k in zip(cases[:10], consents[:10], strict=True)]  # 10 of 11
        withdrawal = ConsentWithdrawn(
            case_id=cases[0],
            consent_id=consents[0],
            partner_id=uuid.uuid4(),
            withdrawn_at=datetime(2025, 1, 2, tzinfo=UTC),
        )
        erasure = PersonErased(case_id=cases[10], erased_at=datetime.now(UTC))
        await publish_many(
            isolated_hub,
            [
                *events,
                *grants,
                (
                    new_envelope(withdrawal, source="t", subject=str(cases[0])),
                    Topic.REFERRAL_EVENTS,
                ),
                (new_envelope(erasure, source="t", subject=str(cases[10])), Topic.CASEFILE_EVENTS),
            ],
        )
        await applied(service, 23)
        async with httpx.AsyncClient(base_url=service.base_url) as client:
            summary = (
                await client.get("/admin/contributions", headers=bearer(isolated_hub, Role.ADMIN))
            ).json()["contributions"]
            await publish_period(client, isolated_hub, PERIOD)
            table = (
                await client.get(
                    f"/signals/periods/{PERIOD}/tables/bottlenecks_by_stage",
                    headers=bearer(isolated_hub, Role.ADVOCACY),
                )
            ).json()
        # The erased person is gone from the unpublished period: 10 contributions remain.
        assert {r["table_name"]: r["contributions"] for r in summary}["bottlenecks_by_stage"] == 10
        # 10 consented, one withdrew: 9 persons count, under k, so the cell is withheld.
        assert cell(table, category="family_detention", stage="appeal_pending")["suppressed"]
    finally:
        await service.stop()


async def _published_by_the_worker(hub: HubSettings) -> str:
    """Wait until the publisher worker has published PERIOD on its own; returns the topic."""
    topic = hub.topic(Topic.SIGNALS_PUBLISHED)

    async def published() -> bool:
        records = await read_all(hub, topic, idle_seconds=0.2)
        return any(json.loads(r.value or b"{}").get("subject") == PERIOD for r in records)

    await wait_until(published, within=30)
    return topic


async def test_the_publisher_publishes_closed_periods_by_itself(
    isolated_hub: HubSettings, signals_settings: Settings
) -> None:
    settings = signals_settings.model_copy(update={"publish_interval_seconds": 0.2})
    service = service_runtime(definition(settings), settings)
    await service.start()
    try:
        await publish_many(isolated_hub, seeded()[:1])
        await _published_by_the_worker(isolated_hub)
    finally:
        await service.stop()


async def test_the_publisher_leaves_contributions_of_an_implausible_period_alone(
    isolated_hub: HubSettings, signals_settings: Settings
) -> None:
    settings = signals_settings.model_copy(update={"publish_interval_seconds": 0.2})
    service = service_runtime(definition(settings), settings)
    await service.start()
    try:
        assert service.context is not None
        # As stored before events of implausible months were dead-lettered.
        await service.context.pool.execute(
            "INSERT INTO contributions (period, table_name, cell_key, coordinates, person_token)"
            " VALUES ('1990-01', 'deadlines_missed', 'kind=extension', $1, 'x')",
            '{"kind": "extension"}',
        )
        await publish_many(isolated_hub, seeded()[:1])
        topic = await _published_by_the_worker(isolated_hub)
        records = await read_all(isolated_hub, topic)
        async with httpx.AsyncClient(base_url=service.base_url) as client:
            listing = (
                await client.get("/signals/periods", headers=bearer(isolated_hub, Role.ADVOCACY))
            ).json()
    finally:
        await service.stop()
    assert {json.loads(r.value or b"{}").get("subject") for r in records} == {PERIOD}
    assert [p["period"] for p in listing["periods"]] == [PERIOD]
