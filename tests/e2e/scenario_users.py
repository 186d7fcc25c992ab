"""The hub's users for the privacy scenarios (issue 12): counsellors, coordinators, an admin and
partners, each calling only the public HTTP APIs; plus the readers the assertions use (APIs,
Kafka topics, a plaintext dump of every database)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from hub_demo.client import council_today
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role, mint_token
from hub_runtime.testing import wait_until

PARTNER_POLL_SECONDS = 0.2
"""How often a waiting partner asks again (faster would meet the gateway's rate limit)."""


@dataclass(frozen=True)
class Person:
    """A seeded person: every value is a canary (personal data that must never leak)."""

    name: str
    date_of_birth: str
    phone: str
    child_name: str | None = None
    child_birth: str | None = None

    @property
    def canaries(self) -> list[str]:
        values = [self.name, self.date_of_birth, self.phone, self.phone[-9:]]
        return values + [v for v in (self.child_name, self.child_birth) if v is not None]

    def body(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "date_of_birth": self.date_of_birth,
            "phone": self.phone,
            "languages": ["ar"],
        }

    def household(self) -> list[dict[str, Any]]:
        if self.child_name is None:
            return []
        return [{"relation": "child", "name": self.child_name, "date_of_birth": self.child_birth}]


@dataclass
class Users:
    """Calls as each role; a partner's calls carry a partner token for its id."""

    hub: RunningHub
    http: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))

    def __post_init__(self) -> None:
        self.urls = self.hub.urls()
        self.secret = self.hub.hub.jwt_secret.get_secret_value()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def call(
        self,
        role: Role,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        *,
        partner_id: UUID | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        token = mint_token(self.secret, sub=f"e2e-{role.value}", role=role, partner_id=partner_id)
        all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        return await self.http.request(method, url, json=body, headers=all_headers)

    async def ok(
        self,
        role: Role,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Any:
        """The call's JSON answer; the test fails on any other status."""
        answer = await self.call(role, method, url, body)
        assert answer.status_code == status, f"{method} {url} -> {answer.status_code} {answer.text}"
        return answer.json()

    async def until_not_conflict(
        self, role: Role, method: str, url: str, body: dict[str, Any], status: int
    ) -> Any:
        """For a call that needs another service's view to catch up (409 until then)."""
        for _ in range(600):
            answer = await self.call(role, method, url, body)
            if answer.status_code != 409:
                break
            await asyncio.sleep(0.05)
        assert answer.status_code == status, f"{method} {url} -> {answer.status_code} {answer.text}"
        return answer.json()

    # -- counsellors and coordinators (casefile, referral) ------------------------------------

    async def open_case(self, person: Person, stage: str) -> UUID:
        body = {
            "person": person.body(),
            "household": person.household(),
            "country_of_origin": "IQ",
            "region": "west",
            "location_type": "azc",
            "stage": stage,
            "final_decision_on": council_today().isoformat(),
        }
        created = await self.ok(Role.COUNSELLOR, "POST", f"{self.urls.casefile}/cases", body, 201)
        case_id = UUID(created["case_id"])
        await self.record_decision(case_id, expect=201)
        return case_id

    async def record_decision(self, case_id: UUID, expect: int) -> httpx.Response:
        body = {"decision": "independent_return", "decided_on": council_today().isoformat()}
        url = f"{self.urls.casefile}/cases/{case_id}/decision"
        answer = await self.call(Role.COUNSELLOR, "POST", url, body)
        assert answer.status_code == expect, answer.text
        return answer

    async def change_stage(self, case_id: UUID, to_stage: str) -> None:
        body = {"to_stage": to_stage, "decided_on": council_today().isoformat()}
        await self.ok(Role.COUNSELLOR, "POST", f"{self.urls.casefile}/cases/{case_id}/stage", body)

    async def consent(
        self,
        case_id: UUID,
        partner_id: UUID,
        purposes: list[str],
        categories: list[str],
        form_reference: str = "CF-E2E-1",
    ) -> httpx.Response:
        body = {
            "partner_id": str(partner_id),
            "purposes": purposes,
            "data_categories": categories,
            "valid_from": council_today().isoformat(),
            "valid_until": (council_today() + timedelta(days=180)).isoformat(),
            "evidence": {
                "form_reference": form_reference,
                "language": "ar",
                "interpreter_used": True,
                "interpreter_reference": "TOLK-4711",
                "taken_by": "e2e-counsellor",
                "taken_at": datetime.now(UTC).isoformat(),
                "informed_transfer_outside_eu": True,
            },
        }
        return await self.call(
            Role.COUNSELLOR, "POST", f"{self.urls.referral}/cases/{case_id}/consents", body
        )

    async def grant(
        self,
        case_id: UUID,
        partner_id: UUID,
        purposes: list[str],
        categories: list[str],
        form_reference: str = "CF-E2E-1",
    ) -> UUID:
        """A consent that must be recorded (201), retried while referral's view catches up."""
        for _ in range(600):
            answer = await self.consent(case_id, partner_id, purposes, categories, form_reference)
            if answer.status_code != 409:
                break
            await asyncio.sleep(0.05)
        assert answer.status_code == 201, answer.text
        return UUID(answer.json()["consent_id"])

    async def request(
        self, case_id: UUID, partner_id: UUID, purpose: str, categories: list[str]
    ) -> httpx.Response:
        body = {"partner_id": str(partner_id), "purpose": purpose, "data_categories": categories}
        url = f"{self.urls.referral}/cases/{case_id}/referrals"
        return await self.call(Role.COUNSELLOR, "POST", url, body)

    async def review(self, referral_id: UUID, reason: str) -> dict[str, Any]:
        url = f"{self.urls.referral}/referrals/{referral_id}/review"
        body = {"decision": "approve", "reason": reason}
        reviewed: dict[str, Any] = await self.until_not_conflict(
            Role.COORDINATOR, "POST", url, body, 200
        )
        return reviewed

    async def referral(self, referral_id: UUID) -> dict[str, Any]:
        url = f"{self.urls.referral}/referrals/{referral_id}"
        found: dict[str, Any] = await self.ok(Role.COUNSELLOR, "GET", url)
        return found

    async def wait_for_status(self, referral_id: UUID, status: str, within: float = 30) -> None:
        async def reached() -> bool:
            return bool((await self.referral(referral_id))["status"] == status)

        reached.__qualname__ = f"referral {referral_id} is {status}"
        await wait_until(reached, within=within)

    async def until_status_is_not(self, referral_id: UUID, status: str) -> None:
        async def left() -> bool:
            return bool((await self.referral(referral_id))["status"] != status)

        left.__qualname__ = f"referral {referral_id} is no longer {status}"
        await wait_until(left, within=30)

    # -- the admin (referral's directory, the gateway) ----------------------------------------

    def partner_body(self, partner_type: str) -> dict[str, Any]:
        return {
            "name": f"Organisation {uuid.uuid4().hex[:6]}",
            "partner_type": partner_type,
            "countries": ["IQ"],
            "services": ["return counselling"],
            "purposes": ["return_counselling", "travel_documents", "reintegration_support"],
            "agreement_reference": "DSA-E2E-1",
            "agreement_valid_from": (council_today() - timedelta(days=30)).isoformat(),
            "agreement_valid_until": (council_today() + timedelta(days=365)).isoformat(),
        }

    async def register_partner(self, partner_type: str = "ngo") -> UUID:
        url = f"{self.urls.referral}/partners"
        created = await self.ok(Role.ADMIN, "POST", url, self.partner_body(partner_type), 201)
        partner_id = UUID(created["partner_id"])
        await self.wait_until_gateway_knows(partner_id)
        return partner_id

    async def wait_until_gateway_knows(self, partner_id: UUID) -> None:
        """The gateway learns of a partner from `PartnerRegistered` (404 for its clients
        until then)."""

        async def known() -> bool:
            url = f"{self.urls.gateway}/admin/partners/{partner_id}/credentials"
            return (await self.call(Role.ADMIN, "GET", url)).status_code == 200

        known.__qualname__ = f"the gateway knows partner {partner_id}"
        await wait_until(known, within=30)

    async def notices(self) -> list[dict[str, Any]]:
        listing = await self.ok(Role.ADMIN, "GET", f"{self.urls.gateway}/admin/notices?limit=500")
        items: list[dict[str, Any]] = listing["items"]
        return items

    async def disclosures(self, partner_id: UUID) -> list[dict[str, Any]]:
        url = f"{self.urls.gateway}/admin/disclosures?limit=500"
        listing = await self.ok(Role.ADMIN, "GET", url)
        return [d for d in listing["items"] if str(d["partner_id"]) == str(partner_id)]

    # -- partners (the gateway) ---------------------------------------------------------------

    async def fetch(self, partner_id: UUID, referral_id: UUID) -> httpx.Response:
        url = f"{self.urls.gateway}/partner/referrals/{referral_id}"
        return await self.call(Role.PARTNER, "GET", url, partner_id=partner_id)

    async def inbox(self, partner_id: UUID) -> httpx.Response:
        url = f"{self.urls.gateway}/partner/inbox?limit=200"
        return await self.call(Role.PARTNER, "GET", url, partner_id=partner_id)

    async def report(
        self, partner_id: UUID, referral_id: UUID, body: dict[str, Any]
    ) -> httpx.Response:
        url = f"{self.urls.gateway}/partner/referrals/{referral_id}/status"
        key = {"Idempotency-Key": f"e2e-{uuid.uuid4().hex}"}
        return await self.call(Role.PARTNER, "POST", url, body, partner_id=partner_id, headers=key)

    async def acknowledge(self, partner_id: UUID, notice_id: str) -> httpx.Response:
        url = f"{self.urls.gateway}/partner/notices/{notice_id}/ack"
        key = {"Idempotency-Key": f"e2e-{uuid.uuid4().hex}"}
        return await self.call(Role.PARTNER, "POST", url, partner_id=partner_id, headers=key)

    async def until_fetchable(self, partner_id: UUID, referral_id: UUID) -> None:
        """The partner gets the data (once the gateway has caught up with the referral)."""

        async def disclosed() -> bool:
            return (await self.fetch(partner_id, referral_id)).status_code == 200

        disclosed.__qualname__ = f"referral {referral_id} is fetchable"
        await wait_until(disclosed, within=30, interval=PARTNER_POLL_SECONDS)

    async def until_refused(
        self, partner_id: UUID, referral_id: UUID, finally_: tuple[int, str]
    ) -> None:
        """Every fetch is refused from now on; once the gateway has caught up with the change
        (its views follow Kafka), with ``finally_`` (status, error code). Until then casefile,
        which made the change, refuses on its own: a 200 on the way fails the test."""
        answers: list[tuple[int, str]] = []

        async def refused_so() -> bool:
            answer = await self.fetch(partner_id, referral_id)
            if answer.status_code == 429:  # the partner's rate limit: polled too often
                return False
            assert answer.status_code != 200, f"disclosed after the change: {answers}"
            answers.append((answer.status_code, error_code(answer)))
            refused_so.__qualname__ = f"{what}; answers: {sorted(set(answers))}"
            return answers[-1] == finally_

        what = f"referral {referral_id} refused with {finally_}"
        refused_so.__qualname__ = what
        await wait_until(refused_so, within=30, interval=PARTNER_POLL_SECONDS)

    async def wait_for_inbox(
        self, partner_id: UUID, kind: str, referral_id: UUID
    ) -> dict[str, Any]:
        """The partner's inbox item of ``kind`` about ``referral_id``, once it is there."""
        found: list[dict[str, Any]] = []

        async def listed() -> bool:
            answer = await self.inbox(partner_id)
            if answer.status_code == 429:  # the partner's rate limit: polled too often
                return False
            assert answer.status_code == 200, answer.text
            found[:] = [i for i in answer.json()["items"] if about(i, kind, referral_id)]
            return bool(found)

        listed.__qualname__ = f"{kind} for {referral_id} in the inbox of {partner_id}"
        await wait_until(listed, within=30, interval=PARTNER_POLL_SECONDS)
        return found[0]


def about(item: dict[str, Any], kind: str, referral_id: UUID) -> bool:
    """Whether an inbox item is of ``kind`` and names ``referral_id``."""
    data = item.get("data") or {}
    return item.get("type") == kind and data.get("referral_id") == str(referral_id)


def error_code(answer: httpx.Response) -> str:
    """The machine code of the hub's one error shape."""
    return str(answer.json()["error"])


def items_of(listing: object) -> list[dict[str, Any]]:
    """The items of a listing (a list, or ``{"items": [...]}``)."""
    if isinstance(listing, list):
        return listing
    assert isinstance(listing, dict), listing
    items = listing["items"]
    assert isinstance(items, list)
    return items


def reviews_of(referral: dict[str, Any]) -> list[dict[str, Any]]:
    """The review audit of a referral as `GET /referrals/{id}` shows it."""
    review = referral.get("review") or referral.get("reviews")
    if isinstance(review, dict):
        return [review]
    assert isinstance(review, list), referral
    return review
