"""A client of the hub's HTTP APIs, as a counsellor's tool, an admin and a partner would use them.

Every call sends the caller's W3C trace context, so a flow started under one span stays one trace.
"""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
from hub_runtime.auth import Role, mint_token
from hub_runtime.telemetry import current_trace_headers


def council_today() -> date:
    """The council's date (Europe/Amsterdam), which the services use for "today"."""
    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


JUST_DECIDED = {"Prefer": "wait=5"}
"""Optional since referral catches its view up with the case file by itself (read-your-writes):
it only helps when referral cannot ask the case file (casefile down, e.g. in the fault suite),
by giving the view up to 5 s to catch up before the request is judged."""


def consent_body(partner_id: UUID) -> dict[str, Any]:
    """A consent to reintegration support with identity and contact, valid from today for 180
    days, with its evidence (the body of `POST /cases/{id}/consents`)."""
    return {
        "partner_id": str(partner_id),
        "purposes": ["reintegration_support"],
        "data_categories": ["identity", "contact"],
        "valid_from": council_today().isoformat(),
        "valid_until": (council_today() + timedelta(days=180)).isoformat(),
        "evidence": {
            "form_reference": "CF-DEMO-1",
            "language": "ar",
            "interpreter_used": True,
            "interpreter_reference": "TOLK-123",
            "taken_by": "demo-counsellor",
            "taken_at": datetime.now(UTC).isoformat(),
            "informed_transfer_outside_eu": True,
        },
    }


class FlowError(RuntimeError):
    """The hub answered something a correct flow never gets."""


@dataclass
class HubUrls:
    casefile: str
    referral: str
    gateway: str
    signals: str


@dataclass
class HubClient:
    urls: HubUrls
    jwt_secret: str
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))

    def token(self, role: Role, sub: str | None = None) -> dict[str, str]:
        bearer = mint_token(self.jwt_secret, sub=sub or f"demo-{role.value}", role=role)
        return {"Authorization": f"Bearer {bearer}", **current_trace_headers()}

    async def call(
        self,
        method: str,
        url: str,
        role: Role,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.http.request(
            method, url, json=body, headers={**self.token(role), **(headers or {})}
        )

    async def expect(
        self, method: str, url: str, role: Role, body: dict[str, Any] | None = None, ok: int = 200
    ) -> Any:
        response = await self.call(method, url, role, body)
        if response.status_code != ok:
            raise FlowError(f"{method} {url} -> {response.status_code}: {response.text[:500]}")
        return response.json()

    async def retry_while_conflict(
        self,
        method: str,
        url: str,
        role: Role,
        body: dict[str, Any] | None,
        ok: int,
        within: float = 30,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """For calls that need another service's view to catch up (409 until it has)."""
        deadline = time.monotonic() + within
        while True:
            response = await self.call(method, url, role, body, headers)
            if response.status_code == ok:
                return response.json()
            if response.status_code != 409 or time.monotonic() > deadline:
                raise FlowError(f"{method} {url} -> {response.status_code}: {response.text[:500]}")
            await asyncio.sleep(0.05)

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- the use cases -------------------------------------------------------------------------

    async def open_case(self, person: dict[str, Any], **facts: Any) -> UUID:
        body = {
            "person": person,
            "country_of_origin": facts.get("country_of_origin", "IQ"),
            "region": facts.get("region", "west"),
            "location_type": facts.get("location_type", "vbl"),
            "stage": facts.get("stage", "final_rejection"),
            "vulnerabilities": facts.get("vulnerabilities", []),
            "household": facts.get("household", []),
            "final_decision_on": facts.get("final_decision_on", council_today().isoformat()),
        }
        created = await self.expect(
            "POST", f"{self.urls.casefile}/cases", Role.COUNSELLOR, body, 201
        )
        return UUID(created["case_id"])

    async def record_decision(self, case_id: UUID, decision: str = "independent_return") -> None:
        body = {"decision": decision, "decided_on": council_today().isoformat()}
        await self.expect(
            "POST", f"{self.urls.casefile}/cases/{case_id}/decision", Role.COUNSELLOR, body, 201
        )

    async def wait_for_referral_view(
        self, case_id: UUID, decision: str = "independent_return", within: float = 30
    ) -> None:
        """The referral service learns of the case (and its decision) through Kafka; a tool
        that asks for a referral right after recording the decision waits for it here."""
        deadline = time.monotonic() + within
        url = f"{self.urls.referral}/cases/{case_id}/view"
        while True:
            response = await self.call("GET", url, Role.COUNSELLOR)
            if response.status_code == 200 and response.json()["decision"] == decision:
                return
            if time.monotonic() > deadline:
                raise FlowError(f"the referral view of {case_id} did not show {decision}")
            await asyncio.sleep(0.05)

    async def register_partner(self, name: str, partner_type: str = "intergovernmental") -> UUID:
        body = {
            "name": name,
            "partner_type": partner_type,
            "countries": ["IQ"],
            "services": ["reintegration support"],
            "purposes": ["return_counselling", "reintegration_support"],
            "agreement_reference": "DSA-2026-001",
            "agreement_valid_from": (council_today() - timedelta(days=30)).isoformat(),
            "agreement_valid_until": (council_today() + timedelta(days=365)).isoformat(),
        }
        created = await self.expect("POST", f"{self.urls.referral}/partners", Role.ADMIN, body, 201)
        return UUID(created["partner_id"])

    async def register_webhook(self, partner_id: UUID, url: str) -> str:
        """The gateway learns of the partner through Kafka: retried until it has."""
        registered = await self.retry_while_conflict(
            "PUT",
            f"{self.urls.gateway}/admin/partners/{partner_id}/webhook",
            Role.ADMIN,
            {"url": url},
            ok=200,
        )
        return str(registered["secret"])

    async def partner_credentials(self, partner_id: UUID) -> tuple[str, str]:
        created = await self.expect(
            "POST",
            f"{self.urls.gateway}/admin/partners/{partner_id}/credentials",
            Role.ADMIN,
            None,  # the route takes no body (400 body_not_expected for one)
            201,
        )
        return str(created["client_id"]), str(created["client_secret"])

    async def grant_consent(self, case_id: UUID, partner_id: UUID) -> UUID:
        return await self.record_consent(case_id, consent_body(partner_id))

    async def record_consent(self, case_id: UUID, body: dict[str, Any]) -> UUID:
        """Retried while referral's view of the case has not caught up (409)."""
        created = await self.retry_while_conflict(
            "POST", f"{self.urls.referral}/cases/{case_id}/consents", Role.COUNSELLOR, body, 201
        )
        return UUID(created["consent_id"])

    async def request_referral(self, case_id: UUID, partner_id: UUID) -> dict[str, Any]:
        """Without `Prefer: wait`: referral itself waits for a decision just recorded in the
        case file (read-your-writes). Retried on 409 (e.g. an Idempotency-Key still in use)."""
        body = {
            "partner_id": str(partner_id),
            "purpose": "reintegration_support",
            "data_categories": ["identity", "contact"],
        }
        result: dict[str, Any] = await self.retry_while_conflict(
            "POST",
            f"{self.urls.referral}/cases/{case_id}/referrals",
            Role.COUNSELLOR,
            body,
            201,
        )
        return result

    async def referral(self, referral_id: UUID) -> dict[str, Any]:
        result: dict[str, Any] = await self.expect(
            "GET", f"{self.urls.referral}/referrals/{referral_id}", Role.COUNSELLOR
        )
        return result

    async def case(self, case_id: UUID) -> dict[str, Any]:
        result: dict[str, Any] = await self.expect(
            "GET", f"{self.urls.casefile}/cases/{case_id}", Role.COUNSELLOR
        )
        return result

    async def record_bottleneck(self, case_id: UUID, category: str) -> None:
        body = {"category": category, "observed_on": council_today().isoformat()}
        await self.expect(
            "POST", f"{self.urls.casefile}/cases/{case_id}/bottlenecks", Role.COUNSELLOR, body, 201
        )
