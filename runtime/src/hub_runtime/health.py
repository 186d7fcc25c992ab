"""`/health` and `/ready` in the Health Check Response Format for HTTP APIs.

Source: IETF draft-inadarei-api-health-check-06 (media type ``application/health+json``):
``status`` is ``pass``, ``warn`` or ``fail`` (§3.1); ``serviceId`` names the service (§3.9);
``checks`` maps ``"<componentName>:<measurementName>"`` to a list of results, each with its
own ``status``, ``componentType``, ``observedValue``/``observedUnit`` and ``time`` (§4). A
``fail`` answers a 4xx/5xx status (here 503), ``pass`` a 2xx (§3.1).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

HEALTH_JSON = "application/health+json"

ReadinessCheck = Callable[[], Awaitable[bool]]
"""True when the component answers; an exception counts as a failure."""

CheckStatus = Literal["pass", "fail"]

COMPONENT_TYPES: Mapping[str, str] = {"database": "datastore"}
"""The draft's pre-defined ``componentType`` per check name; any other is a ``component``."""


class HealthJSONResponse(JSONResponse):
    """A JSON response served as ``application/health+json`` (the draft's media type)."""

    media_type = HEALTH_JSON


class CheckResult(BaseModel):
    """One measurement of one component (draft §4)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    component_type: str = Field(
        alias="componentType", description="datastore, system or component."
    )
    status: CheckStatus = Field(description="pass: the component answered; fail: it did not.")
    observed_value: float = Field(
        alias="observedValue", description="The measured value (see observedUnit)."
    )
    observed_unit: Literal["ms", "s"] = Field(
        alias="observedUnit", description="ms: response time of the check; s: uptime."
    )
    time: datetime = Field(description="When the measurement was taken, UTC.")


class Health(BaseModel):
    """The body of `/health` and `/ready` (draft §3)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    status: CheckStatus = Field(description="pass, or fail when any check failed (503).")
    service_id: str = Field(alias="serviceId", description="The service's name.")
    description: str = Field(description="What this endpoint reports.")
    checks: dict[str, list[CheckResult]] = Field(
        description='"<component>:<measurement>" -> results, e.g. "database:responseTime".'
    )


def liveness(service: str, started: float) -> HealthJSONResponse:
    """`/health`: ``pass`` and the process's uptime in seconds (``started`` is a
    ``time.monotonic()`` reading); always 200 while the process answers."""
    uptime = CheckResult(
        component_type="system",
        status="pass",
        observed_value=round(time.monotonic() - started, 3),
        observed_unit="s",
        time=datetime.now(UTC),
    )
    body = Health(
        status="pass",
        service_id=service,
        description="liveness: the process answers",
        checks={"uptime": [uptime]},
    )
    return HealthJSONResponse(body.model_dump(mode="json"))


async def readiness(
    service: str, checks: Mapping[str, ReadinessCheck], retry_after_seconds: int
) -> HealthJSONResponse:
    """`/ready`: each check's outcome and response time in ms, under
    ``"<name>:responseTime"``; 200 when all pass, 503 when any fails, with ``Retry-After:
    <retry_after_seconds>`` as on every other 503 of the hub (RFC 9110 section 10.2.3)."""
    results = {
        f"{name}:responseTime": [await _measure(name, check)] for name, check in checks.items()
    }
    ok = all(result[0].status == "pass" for result in results.values())
    body = Health(
        status="pass" if ok else "fail",
        service_id=service,
        description="readiness: the database and Kafka answer",
        checks=results,
    )
    if ok:
        return HealthJSONResponse(body.model_dump(mode="json"))
    return HealthJSONResponse(
        body.model_dump(mode="json"),
        status_code=503,
        headers={"Retry-After": str(retry_after_seconds)},
    )


async def _measure(name: str, check: ReadinessCheck) -> CheckResult:
    begun = time.monotonic()
    try:
        passed = await check()
    except Exception:  # a check that raises has failed; /ready must answer regardless
        passed = False
    return CheckResult(
        component_type=COMPONENT_TYPES.get(name, "component"),
        status="pass" if passed else "fail",
        observed_value=round((time.monotonic() - begun) * 1000, 1),
        observed_unit="ms",
        time=datetime.now(UTC),
    )
