"""Referral's one call to casefile: the newest committed event of a case (read-your-writes).

Behind the `CaseFilePositions` port (`referral.view_catch_up`): handlers never see HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import httpx
from hub_runtime.service_client import ServiceClient

from referral.view_catch_up import CaseFileUnavailableError, CaseNotInCaseFileError

SERVICE_SUBJECT = "referral"


class HttpCaseFile(ServiceClient):
    """GET {casefile_url}/internal/cases/{id}/events/newest with a service token and the
    trace headers; one HTTP client for the process (kept-alive connections)."""

    def __init__(self, base_url: str, jwt_secret: str, timeout_seconds: float) -> None:
        super().__init__(base_url, jwt_secret, timeout_seconds, SERVICE_SUBJECT)

    async def newest_event(self, case_id: UUID, event_types: Sequence[str]) -> UUID | None:
        """The envelope id of the newest event of the case among `event_types` that casefile
        has committed, or None (no such event). Raises `CaseNotInCaseFileError` when casefile
        answers 404 ``case_not_found``, `CaseFileUnavailableError` when it does not answer 200
        with that shape (down, timeout, refused token)."""
        try:
            response = await self._http().get(
                f"/internal/cases/{case_id}/events/newest",
                params=[("type", t) for t in event_types],
                headers=self._headers(),
            )
        except httpx.HTTPError as exc:
            raise CaseFileUnavailableError(type(exc).__name__) from None
        if response.status_code == 404 and _error_code(response) == "case_not_found":
            raise CaseNotInCaseFileError
        if response.status_code != 200:
            raise CaseFileUnavailableError(f"status {response.status_code}")
        try:
            found = response.json()["event_id"]
            return None if found is None else UUID(found)
        except (ValueError, KeyError, TypeError):
            raise CaseFileUnavailableError("unexpected answer") from None


def _error_code(response: httpx.Response) -> str | None:
    """The ``error`` of the hub's error shape, None when the body is not that shape."""
    try:
        code = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) else None
