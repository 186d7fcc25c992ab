"""The load of the fault suite: a stream of persons, each taken through the whole referral flow.

Each person: open a case, record the decision, consent to the partner and to anonymous
reporting, request a referral (approved by the policy), record a bottleneck. The partner's
acceptance comes from a simulated partner through the gateway. The counsellor's tool here is a
patient one: while a service is being killed or restarted it retries (transport errors, 5xx,
409 while another service's view catches up), and after an answer it may have lost it looks
before it repeats a request that would otherwise create a second referral or bottleneck.
"""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from hub_contracts import ReferralStatus
from hub_runtime.auth import Role
from partner_gateway.simulator.app import PartnerSimulator

from hub_demo.client import JUST_DECIDED, FlowError, HubClient

RETRY_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
BOTTLENECK = "travel_documents_refused"


@dataclass
class Person:
    """One person of the stream and what the flow produced for them."""

    index: int
    case_id: UUID | None = None
    referral_id: UUID | None = None
    refused_for_lag: int = 0  # referrals refused because referral had not seen the decision yet
    error: str | None = None
    write_key: str = field(default_factory=lambda: f"chaos-{uuid4()}")  # its Idempotency-Keys' stem


@dataclass
class PatientClient:
    """A counsellor's tool that waits out faults instead of failing the flow."""

    client: HubClient
    within: float = 240.0
    retries: int = 0

    async def send(
        self,
        method: str,
        url: str,
        role: Role,
        body: dict[str, Any] | None,
        ok: int,
        done_if: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """`done_if`: an error code meaning an earlier attempt (whose answer was lost) did it.
        `idempotency_key`: sent on every attempt, so a write whose answer was lost is answered
        from the service's stored result instead of being made (or refused) a second time."""
        deadline = time.monotonic() + self.within
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        while True:
            try:
                response = await self.client.call(method, url, role, body, headers)
            except httpx.TransportError as exc:
                problem = f"{method} {url}: {type(exc).__name__}"
            else:
                if response.status_code == ok:
                    return response.json()
                if done_if is not None and done_if in response.text:
                    return None
                problem = f"{method} {url} -> {response.status_code}: {response.text[:300]}"
                if response.status_code not in RETRY_STATUSES:
                    raise FlowError(problem)
            if time.monotonic() > deadline:
                raise FlowError(f"gave up after {self.within:.0f} s: {problem}")
            self.retries += 1
            await asyncio.sleep(0.25)


@dataclass
class ReferralStream:
    """Drives `count` persons through the flow with at most `concurrency` in flight."""

    client: HubClient
    partner_id: UUID
    reporting_partner_id: UUID
    count: int
    concurrency: int = 12
    persons: list[Person] = field(default_factory=list)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    _done: int = 0
    _progress: asyncio.Condition = field(default_factory=asyncio.Condition)

    def __post_init__(self) -> None:
        self.patient = PatientClient(self.client)
        self.persons = [Person(i) for i in range(self.count)]

    async def run(self) -> None:
        queue: asyncio.Queue[Person] = asyncio.Queue()
        for person in self.persons:
            queue.put_nowait(person)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for worker in workers:
                worker.cancel()
            self.finished.set()
            async with self._progress:
                self._progress.notify_all()

    async def reached(self, fraction: float) -> None:
        """Until that fraction of the persons went through the flow (or the stream ended)."""
        async with self._progress:
            await self._progress.wait_for(
                lambda: self.finished.is_set() or self._done >= fraction * self.count
            )

    @property
    def progress(self) -> float:
        """The fraction of persons through the flow so far."""
        return self._done / self.count if self.count else 1.0

    @property
    def completed(self) -> list[Person]:
        return [p for p in self.persons if p.error is None and p.referral_id is not None]

    async def _worker(self, queue: asyncio.Queue[Person]) -> None:
        while not queue.empty():
            person = queue.get_nowait()
            try:
                await self._flow(person)
            except FlowError as exc:
                person.error = str(exc)
            async with self._progress:
                self._done += 1
                self._progress.notify_all()

    async def _flow(self, person: Person) -> None:
        urls = self.client.urls
        body = _case_body(person.index)
        # A lost answer to the case's opening (casefile killed after its commit) must not be
        # retried bare: casefile would refuse the second open case for the same person
        # (409 `person_already_known`). The key makes the retry answer with the first result.
        case_key = f"{person.write_key}-case"
        created = await self.patient.send(
            "POST", f"{urls.casefile}/cases", Role.COUNSELLOR, body, 201, None, case_key
        )
        case_id = UUID(created["case_id"])
        person.case_id = case_id
        decision = {"decision": "independent_return", "decided_on": date.today().isoformat()}
        await self.patient.send(
            "POST",
            f"{urls.casefile}/cases/{case_id}/decision",
            Role.COUNSELLOR,
            decision,
            201,
            None,
            f"{person.write_key}-decision",  # recorded once, also when its answer was lost
        )
        consents = f"{urls.referral}/cases/{case_id}/consents"
        reporting = consent_body(
            self.reporting_partner_id, ["anonymous_reporting"], ["case_history"]
        )
        overlap = "overlapping_consent"  # the same consent, recorded by a lost attempt
        await self.patient.send("POST", consents, Role.COUNSELLOR, reporting, 201, overlap)
        partner = consent_body(self.partner_id, ["reintegration_support"], ["identity", "contact"])
        await self.patient.send("POST", consents, Role.COUNSELLOR, partner, 201, overlap)
        person.referral_id = await self._request_referral(person, case_id)
        await self._record_bottleneck(case_id)

    async def _request_referral(self, person: Person, case_id: UUID) -> UUID:
        """One approved referral for the case, never two (a lost answer is looked up first)."""
        urls = self.client.urls
        body = {
            "partner_id": str(self.partner_id),
            "purpose": "reintegration_support",
            "data_categories": ["identity", "contact"],
        }
        deadline = time.monotonic() + self.patient.within
        uncertain = False
        while time.monotonic() < deadline:
            if uncertain:
                existing = await self.patient.send(
                    "GET", f"{urls.referral}/cases/{case_id}/referrals", Role.COUNSELLOR, None, 200
                )
                approved = [r for r in existing if r["status"] != "refused"]
                if approved:
                    return UUID(approved[0]["referral_id"])
            try:
                response = await self.client.call(
                    "POST",
                    f"{urls.referral}/cases/{case_id}/referrals",
                    Role.COUNSELLOR,
                    body,
                    # Referral catches its view up with casefile by itself; the header only
                    # helps while casefile is down (a fault here) and cannot be asked.
                    JUST_DECIDED,
                )
            except httpx.TransportError:
                uncertain = True
                await asyncio.sleep(0.25)
                continue
            if response.status_code in RETRY_STATUSES:
                uncertain = response.status_code != 409
                await asyncio.sleep(0.25)
                continue
            if response.status_code != 201:
                raise FlowError(f"referral request -> {response.status_code}: {response.text}")
            referral = response.json()
            if approved_or_later(referral["status"]):
                return UUID(referral["referral_id"])
            if _only_decision_missing(referral):
                # The decision was recorded a moment ago; referral's view has not seen it yet.
                person.refused_for_lag += 1
                await asyncio.sleep(0.5)
                continue
            raise FlowError(f"referral {referral['status']}: {referral.get('refusal_reasons')}")
        raise FlowError("no approved referral within the time allowed")

    async def _record_bottleneck(self, case_id: UUID) -> None:
        urls = self.client.urls
        body = {"category": BOTTLENECK, "observed_on": date.today().isoformat()}
        url = f"{urls.casefile}/cases/{case_id}/bottlenecks"
        deadline = time.monotonic() + self.patient.within
        while time.monotonic() < deadline:
            try:
                response = await self.client.call("POST", url, Role.COUNSELLOR, body)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code == 201:
                return
            if response is not None and response.status_code not in RETRY_STATUSES:
                raise FlowError(f"bottleneck -> {response.status_code}: {response.text}")
            await asyncio.sleep(0.25)
            case = await self.patient.send(
                "GET", f"{urls.casefile}/cases/{case_id}", Role.COUNSELLOR, None, 200
            )
            if any(e["kind"] == "bottleneck_observed" for e in case["timeline"]):
                return  # the first attempt was applied; only its answer was lost
        raise FlowError("the bottleneck could not be recorded in the time allowed")


# The answer to a referral request shows the referral as it is when the answer is read: under
# load (or replayed for a retried request) it may already have been delivered, even accepted.
APPROVED_OR_LATER = frozenset(
    {
        ReferralStatus.APPROVED,
        ReferralStatus.DELIVERED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.IN_PROGRESS,
        ReferralStatus.COMPLETED,
    }
)


def approved_or_later(status: str) -> bool:
    """Was the requested referral approved (``status`` approved or a status only an approved
    referral reaches)? Refused, under review, suspended and the like are not."""
    return status in APPROVED_OR_LATER


def _only_decision_missing(referral: dict[str, Any]) -> bool:
    reasons = referral.get("refusal_reasons") or []
    codes = {r["code"] if isinstance(r, dict) else str(r) for r in reasons}
    return referral["status"] == "refused" and codes == {"decision_missing"}


def _case_body(index: int) -> dict[str, Any]:
    # Invented persons; adults without vulnerabilities, so the policy approves without review.
    return {
        "person": {"name": f"Chaos Testperson {index}", "date_of_birth": "1988-02-03"},
        "country_of_origin": "IQ",
        "region": "west",
        "location_type": "vbl",
        "stage": "final_rejection",
        "vulnerabilities": [],
        "household": [],
        "final_decision_on": date.today().isoformat(),
    }


def consent_body(partner_id: UUID, purposes: list[str], categories: list[str]) -> dict[str, Any]:
    return {
        "partner_id": str(partner_id),
        "purposes": purposes,
        "data_categories": categories,
        "valid_from": date.today().isoformat(),
        "valid_until": (date.today() + timedelta(days=180)).isoformat(),
        "evidence": {
            "form_reference": "CF-CHAOS-1",
            "language": "ar",
            "interpreter_used": False,
            "taken_by": "chaos-counsellor",
            "taken_at": datetime.now(UTC).isoformat(),
            "informed_transfer_outside_eu": "reintegration_support" in purposes,
        },
    }


class PatientPartner(PartnerSimulator):
    """The simulator as a careful real partner: it retries its calls to the gateway while the
    gateway is down, restarting or throttling (same Idempotency-Key each time), and counts the
    status reports the gateway took (a replayed answer is not a second report)."""

    workers = 4
    give_up_after = 300.0

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reports: Counter[str] = Counter()
        self.gave_up: dict[str, str] = {}

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        await super().start(host, port)
        # More than one worker: acceptances need not wait for each other.
        for _ in range(self.workers - 1):
            self._tasks.append(asyncio.create_task(self._work(), name="simulator-worker"))

    async def _on_referral(self, client: httpx.AsyncClient, msg_id: str, referral_id: str) -> None:
        self.record.referrals_notified.append(referral_id)
        deadline = time.monotonic() + self.give_up_after
        problem = ""
        while time.monotonic() < deadline:
            try:
                problem = await self._try_report(client, msg_id, referral_id)
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
                self._token_expires = 0.0  # a restarted gateway may want a new token
            if not problem:
                return
            if problem.startswith("final"):
                break
            await asyncio.sleep(0.3)
        self.gave_up[referral_id] = problem

    async def _try_report(self, client: httpx.AsyncClient, msg_id: str, referral_id: str) -> str:
        """'' when reported, 'final: ...' for an answer that retrying cannot change, else why."""
        headers = await self._auth(client)
        if referral_id not in self.record.fetched:  # once: every fetch is a disclosure
            fetched = await client.get(f"/partner/referrals/{referral_id}", headers=headers)
            if fetched.status_code != 200:
                return _problem("fetch", fetched)
            self.record.fetched[referral_id] = sorted(fetched.json().get("data", {}))
        posted = await client.post(
            f"/partner/referrals/{referral_id}/status",
            json={"status": self.report_status},
            headers={**headers, "Idempotency-Key": f"sim-{msg_id}-status"},
        )
        if posted.status_code != 202:
            return _problem("status", posted)
        if posted.headers.get("idempotent-replayed") != "true":
            self.reports[referral_id] += 1
        elif self.reports[referral_id] == 0:
            # The gateway took the report but died before answering; this replay of the stored
            # answer is that one report (a second fresh take would still count as a second).
            self.reports[referral_id] = 1
        self.record.reported[referral_id] = self.report_status
        return ""


def _problem(step: str, response: httpx.Response) -> str:
    status = response.status_code
    kind = "retry" if status in RETRY_STATUSES or status == 401 else "final"
    return f"{kind}: {step} -> {status} {response.text[:200]}"


async def connect_patient_partner(client: HubClient, partner_id: UUID) -> PatientPartner:
    """A patient partner on a free port, with its webhook and API credentials registered."""
    partner = PatientPartner(gateway_url=client.urls.gateway)
    await partner.start("127.0.0.1", 0)
    partner.webhook_secret = await client.register_webhook(partner_id, partner.webhook_url)
    partner.client_id, partner.client_secret = await client.partner_credentials(partner_id)
    return partner


async def stop_quietly(stop: Callable[[], Any]) -> None:
    with contextlib.suppress(Exception):
        await stop()
