"""Referral's one call to casefile: the newest committed event of a case (read-your-writes).

Behind the `CaseFilePositions` port (`referral.view_catch_up`): handlers never see HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from hub_runtime.service_client import ServiceClient, ServiceUnreachableError

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
            answer = await self._get(
                f"/internal/cases/{case_id}/events/newest", [("type", t) for t in event_types]
            )
        except ServiceUnreachableError as exc:
            raise CaseFileUnavailableError(str(exc)) from None
        if answer.status == 404 and answer.error_code() == "case_not_found":
            raise CaseNotInCaseFileError
        if answer.status != 200:
            raise CaseFileUnavailableError(f"status {answer.status}")
        try:
            found = answer.json()["event_id"]
            return None if found is None else UUID(found)
        except (ValueError, KeyError, TypeError):
            raise CaseFileUnavailableError("unexpected answer") from None
