"""`HubClient`: the counsellors' API of casefile and referral, async, typed, with retries that
keep the Idempotency-Key.

Every write (POST) carries an ``Idempotency-Key`` (the caller's, or one generated per call) and
sends the SAME key on every attempt, so a write whose answer was lost is applied once: the
services store the answer with the key in the transaction of the work and answer a repeat
with it (``Idempotent-Replayed: true``). See `hub_client.retry` for what is retried.
"""

import asyncio
import uuid
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict

from hub_client import models as m
from hub_client import operations as ops
from hub_client.errors import HubError, HubUnreachableError
from hub_client.retry import RetryPolicy, should_retry

A = TypeVar("A", bound=BaseModel)
KEY_HEADER = "Idempotency-Key"


def new_idempotency_key() -> str:
    """A fresh key (``hc-`` and 32 hex digits; the hub accepts 8-128 of ``A-Za-z0-9._:-``)."""
    return f"hc-{uuid.uuid4().hex}"


class _Fields(BaseModel):
    """A body sent as given (JSON values), for a validate-only request."""

    model_config = ConfigDict(extra="allow", frozen=True)


class HubClient:
    """The counsellors' API. ``casefile_url``, ``referral_url``: the services' base URLs;
    ``token``: a bearer token (JWT) with a staff role (counsellor or coordinator);
    ``timeout``: seconds per attempt (connect, read, write, pool each); ``retry``: see
    `RetryPolicy`; ``transport``: an httpx transport (tests, proxies).

    Use as ``async with HubClient(...) as hub:`` or call `aclose`. Every method raises
    `HubError` (the hub's `ErrorBody`) when refused and `HubUnreachableError` when no attempt
    got an answer. Writes take ``idempotency_key=`` (generated when not given)."""

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
        self._base: dict[ops.Service, str] = {
            "casefile": casefile_url.rstrip("/"),
            "referral": referral_url.rstrip("/"),
        }
        self.retry = retry or RetryPolicy()
        self._http = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    # -- casefile ------------------------------------------------------------------------------

    async def open_case(self, body: m.OpenCase, *, idempotency_key: str | None = None) -> UUID:
        """Open a case; its id (``POST /cases``, emits ``CaseOpened``)."""
        ref = await self._call(ops.OPEN_CASE, m.CaseRef, body=body, key=idempotency_key)
        return ref.case_id

    async def validate_case(self, body: m.OpenCase) -> None:
        """Validate-only (``POST /cases/validate``): returns when the case would open, raises
        the `HubError` opening it would raise; writes nothing."""
        await self._call(ops.VALIDATE_CASE, m.CaseValidated, body=body)

    async def validate_case_fields(self, fields: Mapping[str, Any]) -> None:
        """Validate-only (``POST /cases/validate``) of a case body that may lack fields or hold
        a field the client model would refuse (JSON values): casefile's own reasons for it,
        raised as `validate_case` raises them. The caseload dry run checks the cells of a row
        this way when other cells of it already failed a spreadsheet check."""
        body = _Fields.model_validate(dict(fields))
        await self._call(ops.VALIDATE_CASE, m.CaseValidated, body=body)

    async def read_case(self, case_id: UUID) -> m.CaseView:
        """The case with its history, deadlines, timeline (and the person for staff roles)."""
        return await self._call(ops.READ_CASE, m.CaseView, case_id=case_id)

    async def change_stage(
        self, case_id: UUID, body: m.ChangeStage, *, idempotency_key: str | None = None
    ) -> m.StageChanged:
        """Record a procedure stage change (409 ``impossible_transition`` if it cannot be)."""
        return await self._call(
            ops.CHANGE_STAGE, m.StageChanged, body=body, key=idempotency_key, case_id=case_id
        )

    async def record_decision(
        self, case_id: UUID, body: m.RecordDecision, *, idempotency_key: str | None = None
    ) -> m.DecisionRecorded:
        """Record the person's own decision."""
        return await self._call(
            ops.RECORD_DECISION,
            m.DecisionRecorded,
            body=body,
            key=idempotency_key,
            case_id=case_id,
        )

    async def record_options(
        self, case_id: UUID, body: m.RecordOptions, *, idempotency_key: str | None = None
    ) -> m.CaseRef:
        """Record the return options discussed."""
        return await self._call(
            ops.RECORD_OPTIONS, m.CaseRef, body=body, key=idempotency_key, case_id=case_id
        )

    async def record_bottleneck(
        self, case_id: UUID, body: m.RecordBottleneck, *, idempotency_key: str | None = None
    ) -> m.BottleneckRecorded:
        """Record a bottleneck seen in the case."""
        return await self._call(
            ops.RECORD_BOTTLENECK,
            m.BottleneckRecorded,
            body=body,
            key=idempotency_key,
            case_id=case_id,
        )

    async def correct_date(
        self, case_id: UUID, body: m.CorrectRecordedDate, *, idempotency_key: str | None = None
    ) -> m.DateCorrected:
        """Correct the mistyped date of a recorded decision or stage change."""
        return await self._call(
            ops.CORRECT_DATE, m.DateCorrected, body=body, key=idempotency_key, case_id=case_id
        )

    async def schedule_deadline(self, case_id: UUID, body: m.ScheduleDeadline) -> m.DeadlineTracked:
        """Track a deadline (an extension, an entry ban's end, a family detention's limit);
        its date is then in `read_case`'s ``deadlines``. Tracking a kind again replaces it."""
        return await self._call(
            ops.SCHEDULE_DEADLINE, m.DeadlineTracked, body=body, case_id=case_id
        )

    async def erase_person(self, case_id: UUID) -> m.PersonErased:
        """Erase the person of the case (crypto-shredding; coordinator). Final: afterwards
        every request about the case answers 410 ``person_erased``, this one too (so a retry
        after a lost answer raises `HubError` 410: the erasure happened)."""
        return await self._call(ops.ERASE_PERSON, m.PersonErased, case_id=case_id)

    async def read_tombstone(self, case_id: UUID) -> m.Tombstone:
        """The trace of an erasure: when, by whom, why (coordinator)."""
        return await self._call(ops.READ_TOMBSTONE, m.Tombstone, case_id=case_id)

    # -- referral ------------------------------------------------------------------------------

    async def grant_consent(
        self, case_id: UUID, body: m.GrantConsent, *, idempotency_key: str | None = None
    ) -> m.ConsentOut:
        """Record the person's consent for one partner, purposes and data categories."""
        return await self._call(
            ops.GRANT_CONSENT, m.ConsentOut, body=body, key=idempotency_key, case_id=case_id
        )

    async def read_consent(self, consent_id: UUID) -> m.ConsentOut:
        """One consent with its evidence."""
        return await self._call(ops.READ_CONSENT, m.ConsentOut, consent_id=consent_id)

    async def consents_of_case(self, case_id: UUID) -> list[m.ConsentOut]:
        """Every consent of the case, withdrawn ones included."""
        answer = await self._send(ops.CONSENTS_OF_CASE, None, None, {}, {"case_id": case_id})
        return [m.ConsentOut.model_validate(item) for item in answer]

    async def withdraw_consent(self, consent_id: UUID) -> m.ConsentOut:
        """Withdraw a consent: every open referral under it is withdrawn too (and its
        partner told). A second withdrawal is refused with 409."""
        return await self._call(ops.WITHDRAW_CONSENT, m.ConsentOut, consent_id=consent_id)

    async def request_referral(
        self,
        case_id: UUID,
        body: m.RequestReferral,
        *,
        idempotency_key: str | None = None,
        prefer_wait: float | None = None,
    ) -> m.ReferralOut:
        """Request a referral: the answer is approved, refused (every reason) or in review.
        ``prefer_wait``: seconds (RFC 7240 ``Prefer: wait``) for referral's view of the case to
        catch up when casefile cannot confirm where the case stands; optional."""
        headers = {} if prefer_wait is None else {"Prefer": f"wait={prefer_wait:g}"}
        return await self._call(
            ops.REQUEST_REFERRAL,
            m.ReferralOut,
            body=body,
            key=idempotency_key,
            headers=headers,
            case_id=case_id,
        )

    async def read_referral(self, referral_id: UUID) -> m.ReferralOut:
        """One referral, with why it was refused."""
        return await self._call(ops.READ_REFERRAL, m.ReferralOut, referral_id=referral_id)

    async def referrals_of_case(self, case_id: UUID) -> list[m.ReferralOut]:
        """Every referral of the case."""
        answer = await self._send(ops.REFERRALS_OF_CASE, None, None, {}, {"case_id": case_id})
        return [m.ReferralOut.model_validate(item) for item in answer]

    async def review_referral(self, referral_id: UUID, body: m.ReviewReferral) -> m.ReferralOut:
        """A coordinator's review of a referral in ``review`` (needs a coordinator's token):
        approve, override (audited) or refuse; 409 ``review_not_allowed`` when the action is
        not allowed (e.g. approving with a failing rule)."""
        return await self._call(
            ops.REVIEW_REFERRAL, m.ReferralOut, body=body, referral_id=referral_id
        )

    # -- the one way out -----------------------------------------------------------------------

    async def _call(
        self,
        op: ops.Operation,
        answer: type[A],
        *,
        body: BaseModel | None = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        **params: UUID,
    ) -> A:
        assert answer is op.answer, "the operation table names the answer model"
        return answer.model_validate(await self._send(op, body, key, headers or {}, params))

    async def _send(
        self,
        op: ops.Operation,
        body: BaseModel | None,
        key: str | None,
        headers: dict[str, str],
        params: dict[str, UUID],
    ) -> Any:
        """Send ``op`` until it is answered or the attempts are used up; the JSON answer."""
        url = self._base[op.service] + op.path.format(**{k: str(v) for k, v in params.items()})
        if op.writes:
            # Every write gets a key, the same on every attempt.
            headers = {**headers, KEY_HEADER: key or new_idempotency_key()}
        payload = None if body is None else body.model_dump(mode="json")
        keyed = KEY_HEADER in headers
        for attempt in range(self.retry.attempts):
            last = attempt + 1 == self.retry.attempts
            try:
                response = await self._http.request(op.method, url, json=payload, headers=headers)
            except httpx.TransportError as exc:
                if last:
                    raise HubUnreachableError(
                        f"{op.method} {op.path}: no answer after {self.retry.attempts}"
                        f" attempts ({type(exc).__name__})"
                    ) from exc
                await asyncio.sleep(self.retry.delay(attempt))
                continue
            if response.is_success:
                return response.json()
            if not last and should_retry(response, keyed):
                await asyncio.sleep(self.retry.delay(attempt, response))
                continue
            raise HubError.from_response(response)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
