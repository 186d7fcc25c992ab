"""The one outgoing call that moves personal data: casefile's internal disclosure endpoint."""

from __future__ import annotations

import asyncio
from typing import Any, Protocol
from uuid import UUID

import httpx
from hub_runtime.auth import Role, mint_token
from hub_runtime.telemetry import current_trace_headers

from partner_gateway.domain.model import Referral

SERVICE_SUBJECT = "partner-gateway"


class CasefileRefusedError(Exception):
    """Casefile did not disclose; ``status`` is its HTTP status (410, 403, ...) or 0 if down."""

    def __init__(self, status: int) -> None:
        super().__init__(f"casefile answered {status}")
        self.status = status


class Casefile(Protocol):
    """What the gateway needs of casefile: the one call that discloses personal data
    (:class:`HttpCasefile` in service, a fake in unit tests)."""

    async def disclose(self, referral: Referral) -> dict[str, Any]:
        """The consented categories ({category: {...}}) or raises CasefileRefusedError."""
        ...


class HttpCasefile:
    """POST {casefile_url}/internal/disclosures with a service token and the trace headers."""

    def __init__(self, base_url: str, jwt_secret: str, timeout_seconds: float) -> None:
        self._base_url = base_url.rstrip("/")
        self._secret = jwt_secret
        self._timeout = timeout_seconds
        # One client for the process: a new one per call costs a TLS context (tens of ms)
        # and a new connection. Closed by `hold_open` when the service stops.
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            self._client = httpx.AsyncClient(base_url=self._base_url, timeout=self._timeout)
        return self._client

    async def hold_open(self, _: object) -> None:
        """A service worker: keeps nothing running, closes the client when cancelled."""
        try:
            await asyncio.Event().wait()
        finally:
            if self._client is not None:
                await self._client.aclose()

    async def disclose(self, referral: Referral) -> dict[str, Any]:
        token = mint_token(self._secret, sub=SERVICE_SUBJECT, role=Role.SERVICE, ttl_seconds=60)
        headers = {"authorization": f"Bearer {token}", **current_trace_headers()}
        body = _body(referral)
        try:
            response = await self._http().post("/internal/disclosures", json=body, headers=headers)
        except httpx.HTTPError:
            raise CasefileRefusedError(0) from None
        if response.status_code != 200:
            raise CasefileRefusedError(response.status_code)
        categories = response.json().get("categories")
        if not isinstance(categories, dict):
            raise CasefileRefusedError(502)
        return categories


def _body(referral: Referral) -> dict[str, Any]:
    def text(value: UUID) -> str:
        return str(value)

    return {
        "case_id": text(referral.case_id),
        "referral_id": text(referral.referral_id),
        "partner_id": text(referral.partner_id),
        "consent_id": text(referral.consent_id),
        "purpose": str(referral.purpose),
        "data_categories": [str(c) for c in referral.data_categories],
    }
