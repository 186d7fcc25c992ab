"""The one outgoing call that moves personal data: casefile's internal disclosure endpoint."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from hub_runtime.service_client import ServiceClient, ServiceUnreachableError

from partner_gateway.domain.model import Referral

SERVICE_SUBJECT = "partner-gateway"


class CasefileRefusedError(Exception):
    """Casefile did not disclose; ``status`` is its HTTP status (410, 403, ...) or 0 if down,
    ``code`` the ``error`` of its answer in the hub's error shape (a closed code), or None."""

    def __init__(self, status: int, code: str | None = None) -> None:
        super().__init__(f"casefile answered {status}")
        self.status = status
        self.code = code


class Casefile(Protocol):
    """What the gateway needs of casefile: the one call that discloses personal data
    (:class:`HttpCasefile` in service, a fake in unit tests)."""

    async def disclose(self, referral: Referral) -> dict[str, Any]:
        """The consented categories ({category: {...}}) or raises CasefileRefusedError."""
        ...


class HttpCasefile(ServiceClient):
    """POST {casefile_url}/internal/disclosures with a service token and the trace headers."""

    def __init__(self, base_url: str, jwt_secret: str, timeout_seconds: float) -> None:
        super().__init__(base_url, jwt_secret, timeout_seconds, SERVICE_SUBJECT)

    async def disclose(self, referral: Referral) -> dict[str, Any]:
        """The consented categories ({category: {...}}); raises `CasefileRefusedError` with
        casefile's status and code (0 when it does not answer, 502 for an answer of another
        shape)."""
        body = _body(referral)
        try:
            answer = await self._post("/internal/disclosures", body)
        except ServiceUnreachableError:
            raise CasefileRefusedError(0) from None
        if answer.status != 200:
            raise CasefileRefusedError(answer.status, answer.error_code())
        try:
            categories = answer.json().get("categories")
        except (ValueError, AttributeError):
            raise CasefileRefusedError(502) from None
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
