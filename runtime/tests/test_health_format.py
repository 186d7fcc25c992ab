"""/health and /ready speak the Health Check Response Format for HTTP APIs
(draft-inadarei-api-health-check-06, application/health+json); HEAD is answered."""

import httpx
from fastapi import FastAPI
from hub_runtime.health import HEALTH_JSON, ReadinessCheck
from hub_runtime.http import UNAVAILABLE_RETRY_AFTER_SECONDS, create_app


async def _up() -> bool:
    return True


async def _down() -> bool:
    return False


async def _raises() -> bool:
    raise ConnectionError("kafka unreachable")


def _app(**checks: ReadinessCheck) -> FastAPI:
    return create_app(
        service="demo", title="demo", description="", max_body_bytes=2048, readiness=checks
    )


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_health_passes_in_health_json_with_its_uptime() -> None:
    async with _client(_app()) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == HEALTH_JSON
    body = response.json()
    assert body["status"] == "pass"
    assert body["serviceId"] == "demo"
    [uptime] = body["checks"]["uptime"]
    assert uptime["componentType"] == "system"
    assert uptime["observedUnit"] == "s"
    assert uptime["status"] == "pass"


async def test_ready_reports_each_check_in_the_drafts_shape() -> None:
    async with _client(_app(database=_up, kafka=_up)) as client:
        response = await client.get("/ready")
    assert response.status_code == 200
    assert response.headers["content-type"] == HEALTH_JSON
    assert "retry-after" not in response.headers
    body = response.json()
    assert body["status"] == "pass"
    assert set(body["checks"]) == {"database:responseTime", "kafka:responseTime"}
    [database] = body["checks"]["database:responseTime"]
    assert database["componentType"] == "datastore"
    assert database["status"] == "pass"
    assert database["observedUnit"] == "ms"
    assert database["observedValue"] >= 0
    assert "time" in database


async def test_ready_fails_with_503_naming_the_failed_check() -> None:
    async with _client(_app(database=_up, kafka=_raises, other=_down)) as client:
        response = await client.get("/ready")
    assert response.status_code == 503
    assert response.headers["content-type"] == HEALTH_JSON
    assert response.headers["retry-after"] == str(UNAVAILABLE_RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["status"] == "fail"
    statuses = {key: results[0]["status"] for key, results in body["checks"].items()}
    assert statuses == {
        "database:responseTime": "pass",
        "kafka:responseTime": "fail",
        "other:responseTime": "fail",
    }


async def test_head_is_answered_on_health_and_ready_without_a_body() -> None:
    async with _client(_app(database=_up)) as client:
        for path in ("/health", "/ready"):
            response = await client.head(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"] == HEALTH_JSON, path
            assert response.content == b"", path


def test_openapi_documents_the_health_media_type_for_both_answers() -> None:
    ready = _app(database=_up).openapi()["paths"]["/ready"]["get"]["responses"]
    for status in ("200", "503"):
        assert list(ready[status]["content"]) == [HEALTH_JSON], status
        schema = ready[status]["content"][HEALTH_JSON]["schema"]
        assert schema["$ref"].endswith("/Health"), status
