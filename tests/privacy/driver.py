"""Drives the running hub through its public HTTP APIs, as counsellors, coordinators, an admin
and partners do, from a thread that is not the hub's event loop (hypothesis' state machines are
synchronous): every call is submitted to the hub's loop and waited for."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
import httpx
from hub_demo.chaos_checks import groups_caught_up
from hub_demo.client import council_today
from hub_demo.inprocess import RunningHub
from hub_runtime.auth import Role, mint_token
from hub_runtime.db import dsn_for_database
from hub_runtime.testing import plaintext_dump_contains

T = TypeVar("T")

CANARY_NAME = "Zwaluwstaart Kanarie-Testpersoon"
CANARY_SON = "Merel Kanarie"
CANARY_BIRTH = "1979-02-03"
CANARY_PHONE = "+31 6 4321 9876"
CANARY_VNUMBER = "V9876543210"
CANARY_REASON = f"Spoke with {CANARY_NAME} and son {CANARY_SON}; V-number {CANARY_VNUMBER}"
CANARIES = [CANARY_NAME, "Kanarie", CANARY_BIRTH, "4321 9876", CANARY_VNUMBER, CANARY_SON]
"""Seeded personal data: after erasure no API returns it and no plaintext dump holds it."""


@dataclass
class Answer:
    status: int
    body: Any
    text: str


class HubDriver:
    """Synchronous calls into the in-process hub running on ``loop``."""

    def __init__(self, hub: RunningHub, loop: asyncio.AbstractEventLoop, databases: dict[str, str]):
        self.hub = hub
        self.loop = loop
        self.databases = databases
        self.urls = hub.urls()
        self.secret = hub.hub.jwt_secret.get_secret_value()
        # Built here, on the hub's loop (the fixture's); used only through `run`.
        self.http = httpx.AsyncClient(timeout=30)
        self.calls: list[tuple[str, int]] = []
        self.opened = 0

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.run(self.http.aclose())

    # -- plumbing ----------------------------------------------------------------------------

    def headers(self, role: Role, partner_id: UUID | None = None) -> dict[str, str]:
        token = mint_token(self.secret, sub=f"sm-{role.value}", role=role, partner_id=partner_id)
        return {"Authorization": f"Bearer {token}"}

    def call(
        self,
        method: str,
        url: str,
        role: Role,
        body: dict[str, Any] | None = None,
        *,
        partner_id: UUID | None = None,
        extra: dict[str, str] | None = None,
    ) -> Answer:
        headers = {**self.headers(role, partner_id), **(extra or {})}

        async def send() -> httpx.Response:
            return await self.http.request(method, url, json=body, headers=headers)

        response = self.run(send())
        self.calls.append((f"{method} {_shape(url)}", response.status_code))
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return Answer(response.status_code, parsed, response.text)

    def settle(self, within: float = 20) -> None:
        """Wait until the hub is quiet: every outbox published and every consumer group at the
        end of every partition, twice in a row (consuming may publish more)."""
        self.run(self._settle(within), timeout=within + 10)

    async def _settle(self, within: float) -> None:
        deadline = time.monotonic() + within
        quiet = 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise AssertionError("the hub did not settle")
            if await self._outboxes_empty() and await groups_caught_up(self.hub.hub):
                quiet += 1
            else:
                quiet = 0
            await asyncio.sleep(0.05)

    async def _outboxes_empty(self) -> bool:
        for name in self.databases.values():
            conn = await asyncpg.connect(dsn_for_database(self.hub.hub.pg_dsn, name))
            try:
                pending = await conn.fetchval(
                    "SELECT count(*) FROM hub_outbox WHERE published_at IS NULL"
                )
            finally:
                await conn.close()
            if pending:
                return False
        return True

    def dump_contains(self, needles: list[str]) -> list[str]:
        """Which needles appear in a plaintext dump of any service's tables."""
        return self.run(self._dump_contains(needles), timeout=120)

    async def _dump_contains(self, needles: list[str]) -> list[str]:
        return await plaintext_dump_contains(self.hub.hub.pg_dsn, self.databases.values(), needles)

    # -- the use cases -----------------------------------------------------------------------

    def open_case(self, stage: str) -> Answer:
        # Each case another person (casefile refuses a second open case for one person); the
        # canary stays in the name, so a scan still finds it wherever it leaks.
        self.opened += 1
        body = {
            "person": {
                "name": f"{CANARY_NAME} {self.opened}",
                "date_of_birth": CANARY_BIRTH,
                "phone": CANARY_PHONE,
                "languages": ["ar"],
            },
            "household": [{"relation": "child", "name": CANARY_SON, "date_of_birth": "2012-05-06"}],
            "country_of_origin": "IQ",
            "region": "west",
            "location_type": "azc",
            "stage": stage,
            "final_decision_on": council_today().isoformat(),
        }
        return self.call("POST", f"{self.urls.casefile}/cases", Role.COUNSELLOR, body)

    def change_stage(self, case_id: UUID, to_stage: str) -> Answer:
        body = {"to_stage": to_stage, "decided_on": council_today().isoformat()}
        url = f"{self.urls.casefile}/cases/{case_id}/stage"
        return self.call("POST", url, Role.COUNSELLOR, body)

    def record_decision(self, case_id: UUID) -> Answer:
        body = {"decision": "independent_return", "decided_on": council_today().isoformat()}
        url = f"{self.urls.casefile}/cases/{case_id}/decision"
        return self.call("POST", url, Role.COUNSELLOR, body)

    def close_case(self, case_id: UUID) -> Answer:
        body = {"closed_on": council_today().isoformat()}
        return self.call(
            "POST", f"{self.urls.casefile}/cases/{case_id}/close", Role.COUNSELLOR, body
        )

    def erase(self, case_id: UUID) -> Answer:
        return self.call("DELETE", f"{self.urls.casefile}/cases/{case_id}/person", Role.COORDINATOR)

    def partner_body(
        self, partner_type: str, purposes: list[str], active: bool = True
    ) -> dict[str, Any]:
        return {
            "name": f"Organisation {uuid.uuid4().hex[:6]}",
            "partner_type": partner_type,
            "countries": ["IQ"],
            "services": ["return counselling"],
            "purposes": purposes,
            "agreement_reference": "DSA-SM-1",
            "agreement_valid_from": (council_today() - timedelta(days=30)).isoformat(),
            "agreement_valid_until": (council_today() + timedelta(days=365)).isoformat(),
            "active": active,
        }

    def register_partner(self, partner_type: str, purposes: list[str]) -> Answer:
        body = self.partner_body(partner_type, purposes)
        del body["active"]
        return self.call("POST", f"{self.urls.referral}/partners", Role.ADMIN, body)

    def update_partner(
        self, partner_id: UUID, partner_type: str, purposes: list[str], active: bool, reason: str
    ) -> Answer:
        """``reason``: the audit's closed code (reclassified, removed, ...)."""
        body = {**self.partner_body(partner_type, purposes, active), "change_reason": reason}
        url = f"{self.urls.referral}/partners/{partner_id}"
        return self.call("PUT", url, Role.ADMIN, body)

    def grant_consent(
        self, case_id: UUID, partner_id: UUID, purposes: list[str], categories: list[str]
    ) -> Answer:
        body = {
            "partner_id": str(partner_id),
            "purposes": purposes,
            "data_categories": categories,
            "valid_from": council_today().isoformat(),
            "valid_until": (council_today() + timedelta(days=180)).isoformat(),
            "evidence": {
                "form_reference": CANARY_VNUMBER,
                "language": "ar",
                "interpreter_used": True,
                "interpreter_reference": "TOLK-77",
                "taken_by": "sm-counsellor",
                "taken_at": datetime.now(UTC).isoformat(),
                "informed_transfer_outside_eu": True,
            },
        }
        url = f"{self.urls.referral}/cases/{case_id}/consents"
        return self.call("POST", url, Role.COUNSELLOR, body)

    def withdraw_consent(self, consent_id: UUID) -> Answer:
        url = f"{self.urls.referral}/consents/{consent_id}/withdraw"
        return self.call("POST", url, Role.COUNSELLOR)

    def request_referral(
        self, case_id: UUID, partner_id: UUID, purpose: str, categories: list[str]
    ) -> Answer:
        body = {"partner_id": str(partner_id), "purpose": purpose, "data_categories": categories}
        url = f"{self.urls.referral}/cases/{case_id}/referrals"
        return self.call("POST", url, Role.COUNSELLOR, body)

    def review(self, referral_id: UUID, decision: str) -> Answer:
        body = {"decision": decision, "reason": CANARY_REASON}
        url = f"{self.urls.referral}/referrals/{referral_id}/review"
        return self.call("POST", url, Role.COORDINATOR, body)

    def fetch(self, partner_id: UUID, referral_id: UUID) -> Answer:
        url = f"{self.urls.gateway}/partner/referrals/{referral_id}"
        return self.call("GET", url, Role.PARTNER, partner_id=partner_id)

    def inbox(self, partner_id: UUID) -> list[dict[str, Any]]:
        answer = self.call(
            "GET",
            f"{self.urls.gateway}/partner/inbox?limit=200",
            Role.PARTNER,
            partner_id=partner_id,
        )
        if answer.status != 200:
            return []
        items: list[dict[str, Any]] = answer.body["items"]
        return items

    def report(self, partner_id: UUID, referral_id: UUID, status: str) -> Answer:
        body: dict[str, Any] = {"status": status}
        if status == "declined":
            body["reason_code"] = "no_capacity"
        url = f"{self.urls.gateway}/partner/referrals/{referral_id}/status"
        key = {"Idempotency-Key": uuid.uuid4().hex}
        return self.call("POST", url, Role.PARTNER, body, partner_id=partner_id, extra=key)

    def disclosures(self) -> list[dict[str, Any]]:
        answer = self.call("GET", f"{self.urls.gateway}/admin/disclosures?limit=500", Role.ADMIN)
        items: list[dict[str, Any]] = answer.body["items"]
        return items

    def notices(self) -> list[dict[str, Any]]:
        answer = self.call("GET", f"{self.urls.gateway}/admin/notices?limit=500", Role.ADMIN)
        items: list[dict[str, Any]] = answer.body["items"]
        return items

    def person_views(self, case_id: UUID) -> list[str]:
        """Every API answer that could show the person's data, as text."""
        texts = []
        for url, role in (
            (f"{self.urls.casefile}/cases/{case_id}", Role.COUNSELLOR),
            (f"{self.urls.casefile}/cases?limit=200", Role.COUNSELLOR),
            (f"{self.urls.casefile}/cases/{case_id}/buitenschuld-dossier", Role.COUNSELLOR),
            (f"{self.urls.referral}/cases/{case_id}/referrals", Role.COUNSELLOR),
            (f"{self.urls.referral}/cases/{case_id}/consents", Role.COUNSELLOR),
        ):
            texts.append(self.call("GET", url, role).text)
        return texts

    def referral_view(self, referral_id: UUID) -> Answer:
        url = f"{self.urls.referral}/referrals/{referral_id}"
        return self.call("GET", url, Role.COUNSELLOR)


def today() -> date:
    return council_today()


def _shape(url: str) -> str:
    """The route of a URL: ids and query left out."""
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    parts = ["{id}" if len(p) == 36 and p.count("-") == 4 else p for p in path.split("/")]
    return "/" + "/".join(parts)
