"""`HubClientSync`: the same client for code that is not async (scripts, Django views, a
counsellors' tool's worker), a thin wrapper over `HubClient`.

It runs the async client on an event loop of its own (`asyncio.Runner`), one call at a time,
so it keeps every behaviour of `HubClient` (typed answers, `HubError`, retries that keep the
Idempotency-Key). Not for use inside a running event loop (use `HubClient` there; calling it
from a coroutine raises `RuntimeError`), and not shared between threads at once.
"""

import asyncio
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import httpx

from hub_client import models as m
from hub_client.client import HubClient
from hub_client.retry import RetryPolicy

T = TypeVar("T")


class HubClientSync:
    """`HubClient`'s methods, blocking; the same arguments (``transport``: an httpx ASYNC
    transport, as `HubClient` takes). Use as ``with HubClientSync(...) as hub:`` or call
    `close`."""

    def __init__(
        self,
        casefile_url: str,
        referral_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._runner = asyncio.Runner()
        # httpx opens connections lazily, on the loop that uses them: the runner's.
        self._hub = HubClient(
            casefile_url, referral_url, token, timeout=timeout, retry=retry, transport=transport
        )

    def _run(self, call: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(call)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections and the event loop."""
        try:
            self._run(self._hub.aclose())
        finally:
            self._runner.close()

    # casefile (see `HubClient` for each method's answer and errors)
    def open_case(self, body: m.OpenCase, *, idempotency_key: str | None = None) -> UUID:
        """``POST /cases``: the new case's id."""
        return self._run(self._hub.open_case(body, idempotency_key=idempotency_key))

    def validate_case(self, body: m.OpenCase) -> None:
        """``POST /cases/validate``: returns, or raises the refusal opening would raise."""
        self._run(self._hub.validate_case(body))

    def read_case(self, case_id: UUID) -> m.CaseView:
        """``GET /cases/{id}``."""
        return self._run(self._hub.read_case(case_id))

    def change_stage(
        self, case_id: UUID, body: m.ChangeStage, *, idempotency_key: str | None = None
    ) -> m.StageChanged:
        """``POST /cases/{id}/stage``."""
        return self._run(self._hub.change_stage(case_id, body, idempotency_key=idempotency_key))

    def record_decision(
        self, case_id: UUID, body: m.RecordDecision, *, idempotency_key: str | None = None
    ) -> m.DecisionRecorded:
        """``POST /cases/{id}/decision``."""
        return self._run(self._hub.record_decision(case_id, body, idempotency_key=idempotency_key))

    def record_options(
        self, case_id: UUID, body: m.RecordOptions, *, idempotency_key: str | None = None
    ) -> m.CaseRef:
        """``POST /cases/{id}/options``."""
        return self._run(self._hub.record_options(case_id, body, idempotency_key=idempotency_key))

    def record_bottleneck(
        self, case_id: UUID, body: m.RecordBottleneck, *, idempotency_key: str | None = None
    ) -> m.BottleneckRecorded:
        """``POST /cases/{id}/bottlenecks``."""
        return self._run(
            self._hub.record_bottleneck(case_id, body, idempotency_key=idempotency_key)
        )

    def correct_date(
        self, case_id: UUID, body: m.CorrectRecordedDate, *, idempotency_key: str | None = None
    ) -> m.DateCorrected:
        """``POST /cases/{id}/corrections``."""
        return self._run(self._hub.correct_date(case_id, body, idempotency_key=idempotency_key))

    def schedule_deadline(self, case_id: UUID, body: m.ScheduleDeadline) -> m.DeadlineTracked:
        """``POST /cases/{id}/deadlines``."""
        return self._run(self._hub.schedule_deadline(case_id, body))

    def erase_person(self, case_id: UUID) -> m.PersonErased:
        """``DELETE /cases/{id}/person`` (coordinator)."""
        return self._run(self._hub.erase_person(case_id))

    def read_tombstone(self, case_id: UUID) -> m.Tombstone:
        """``GET /cases/{id}/erasure`` (coordinator)."""
        return self._run(self._hub.read_tombstone(case_id))

    # referral
    def grant_consent(
        self, case_id: UUID, body: m.GrantConsent, *, idempotency_key: str | None = None
    ) -> m.ConsentOut:
        """``POST /cases/{id}/consents``."""
        return self._run(self._hub.grant_consent(case_id, body, idempotency_key=idempotency_key))

    def read_consent(self, consent_id: UUID) -> m.ConsentOut:
        """``GET /consents/{id}``."""
        return self._run(self._hub.read_consent(consent_id))

    def consents_of_case(self, case_id: UUID) -> list[m.ConsentOut]:
        """``GET /cases/{id}/consents``."""
        return self._run(self._hub.consents_of_case(case_id))

    def withdraw_consent(self, consent_id: UUID) -> m.ConsentOut:
        """``POST /consents/{id}/withdraw``."""
        return self._run(self._hub.withdraw_consent(consent_id))

    def request_referral(
        self,
        case_id: UUID,
        body: m.RequestReferral,
        *,
        idempotency_key: str | None = None,
        prefer_wait: float | None = None,
    ) -> m.ReferralOut:
        """``POST /cases/{id}/referrals``."""
        return self._run(
            self._hub.request_referral(
                case_id, body, idempotency_key=idempotency_key, prefer_wait=prefer_wait
            )
        )

    def read_referral(self, referral_id: UUID) -> m.ReferralOut:
        """``GET /referrals/{id}``."""
        return self._run(self._hub.read_referral(referral_id))

    def referrals_of_case(self, case_id: UUID) -> list[m.ReferralOut]:
        """``GET /cases/{id}/referrals``."""
        return self._run(self._hub.referrals_of_case(case_id))

    def review_referral(self, referral_id: UUID, body: m.ReviewReferral) -> m.ReferralOut:
        """``POST /referrals/{id}/review`` (coordinator)."""
        return self._run(self._hub.review_referral(referral_id, body))
