"""Fake repositories of the directory side: partners, credentials, consents, erasures, cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from hub_contracts import DataCategory, PartnerType, ProcedureStage, Purpose

from partner_gateway.domain.model import CaseView, ConsentView, PartnerView
from partner_gateway.fakes.state import Table, now
from partner_gateway.repository.protocols import Admission, ClientSecret


class FakePartners(Table):
    """`PartnerStore` in memory."""

    async def upsert(
        self,
        partner_id: UUID,
        partner_type: PartnerType,
        purposes: Sequence[Purpose],
        countries: Sequence[str],
        active: bool,
        agreement_valid_until: date | None,
        origin_authority: bool,
    ) -> None:
        old = self.s.partners.get(partner_id)
        self.s.partners[partner_id] = PartnerView(
            partner_id=partner_id,
            partner_type=partner_type,
            purposes=frozenset(purposes),
            countries=frozenset(countries),
            active=active,
            webhook_url=old.webhook_url if old else None,
            agreement_valid_until=agreement_valid_until,
            ever_origin_authority=origin_authority
            or (old is not None and old.ever_origin_authority),
        )

    async def get(self, partner_id: UUID) -> PartnerView | None:
        return self.s.partners.get(partner_id)

    async def set_webhook(
        self,
        partner_id: UUID,
        url: str,
        secret: str,
        previous_secret: str | None,
        previous_until: datetime | None,
    ) -> None:
        partner = self.s.partners.get(partner_id)
        if partner is None:
            return
        self.s.partners[partner_id] = replace(partner, webhook_url=url)
        self.s.secrets[partner_id] = secret
        self.s.breakers[partner_id] = (0, None)
        at = now()
        retired = {k: v for k, v in self.s.retired.get(partner_id, {}).items() if v > at}
        if previous_secret is not None and previous_until is not None:
            retired[previous_secret] = max(previous_until, retired.get(previous_secret, at))
        self.s.retired[partner_id] = retired

    async def current_secret(self, partner_id: UUID) -> str | None:
        return self.s.secrets.get(partner_id)

    async def retired_secrets(self, partner_id: UUID) -> list[str]:
        at = now()
        valid = [(until, s) for s, until in self.s.retired.get(partner_id, {}).items()]
        return [s for until, s in sorted(valid, reverse=True) if until > at]

    async def remove_webhook(self, partner_id: UUID) -> None:
        partner = self.s.partners.get(partner_id)
        if partner is not None:
            self.s.partners[partner_id] = replace(partner, webhook_url=None)
        self.s.secrets.pop(partner_id, None)
        self.s.retired.pop(partner_id, None)

    async def breaker_states(self) -> list[dict[str, Any]]:
        return [
            {
                "partner_id": p,
                "consecutive_failures": self.s.breakers.get(p, (0, None))[0],
                "breaker_open_until": self.s.breakers.get(p, (0, None))[1],
            }
            for p in sorted(self.s.partners)
            if self.s.partners[p].webhook_url is not None
        ]


class FakeCredentials(Table):
    """`CredentialStore` in memory."""

    async def add_client(self, client_id: str, partner_id: UUID) -> None:
        if client_id in self.s.clients:
            raise ValueError("duplicate client id")
        self.s.clients[client_id] = (partner_id, None, now())

    async def client(self, client_id: str) -> tuple[UUID, datetime | None] | None:
        found = self.s.clients.get(client_id)
        return None if found is None else (found[0], found[1])

    async def add_secret(self, secret_id: UUID, client_id: str, salt: bytes, hashed: bytes) -> None:
        self.s.client_secrets.append((client_id, ClientSecret(secret_id, salt, hashed), None))

    async def expire_current(self, client_id: str, until: datetime) -> None:
        self.s.client_secrets = [
            (c, secret, until if c == client_id and (end is None or end > until) else end)
            for c, secret, end in self.s.client_secrets
        ]

    async def valid_secrets(self, client_id: str) -> list[ClientSecret]:
        found = self.s.clients.get(client_id)
        if found is None or found[1] is not None:
            return []
        at = now()
        mine = [
            s for c, s, end in self.s.client_secrets if c == client_id and (end is None or end > at)
        ]
        return list(reversed(mine))

    async def revoke_client(self, client_id: str) -> bool:
        found = self.s.clients.get(client_id)
        if found is None:
            return False
        self.s.clients[client_id] = (found[0], found[1] or now(), found[2])
        await self.expire_current(client_id, now())
        return True

    async def admission(self, partner_id: UUID, client_id: str) -> Admission:
        found = self.s.clients.get(client_id)
        revoked = found is not None and found[1] is not None
        return Admission(self.s.partners.get(partner_id), revoked)

    async def clients_of(self, partner_id: UUID) -> list[dict[str, Any]]:
        at = now()
        return [
            {
                "client_id": c,
                "created_at": created,
                "revoked_at": revoked,
                "valid_secrets": sum(
                    1 for k, _, end in self.s.client_secrets if k == c and (end is None or end > at)
                ),
            }
            for c, (p, revoked, created) in self.s.clients.items()
            if p == partner_id
        ]


class FakeConsents(Table):
    """`ConsentStore` in memory."""

    async def grant(
        self,
        consent_id: UUID,
        case_id: UUID,
        partner_id: UUID,
        purposes: Sequence[Purpose],
        data_categories: Sequence[DataCategory],
        valid_from: date,
        valid_until: date,
    ) -> None:
        if consent_id in self.s.consents:
            return
        self.s.consents[consent_id] = ConsentView(
            consent_id=consent_id,
            case_id=case_id,
            partner_id=partner_id,
            purposes=frozenset(purposes),
            data_categories=frozenset(data_categories),
            valid_from=valid_from,
            valid_until=valid_until,
            withdrawn_at=self.s.withdrawals.get(consent_id),
        )

    async def withdraw(self, consent_id: UUID, withdrawn_at: datetime) -> bool:
        first = consent_id not in self.s.withdrawals
        self.s.withdrawals.setdefault(consent_id, withdrawn_at)
        consent = self.s.consents.get(consent_id)
        if consent is not None and consent.withdrawn_at is None:
            self.s.consents[consent_id] = replace(consent, withdrawn_at=withdrawn_at)
        return first

    async def is_withdrawn(self, consent_id: UUID) -> bool:
        return consent_id in self.s.withdrawals

    async def get(self, consent_id: UUID) -> ConsentView | None:
        return self.s.consents.get(consent_id)


class FakeErasures(Table):
    """`ErasureStore` in memory."""

    async def erase(self, case_id: UUID, erased_at: datetime) -> bool:
        if case_id in self.s.erased:
            return False
        self.s.erased[case_id] = erased_at
        return True


class FakeCases(Table):
    """`CaseStore` in memory."""

    async def set_stage(self, case_id: UUID, stage: ProcedureStage) -> None:
        self.s.cases[case_id] = (stage, self.s.cases.get(case_id, (None, None))[1])

    async def close(self, case_id: UUID, closed_on: date) -> None:
        stage, first = self.s.cases.get(case_id, (None, None))
        self.s.cases[case_id] = (stage, first or closed_on)

    async def view(self, case_id: UUID) -> CaseView:
        stage, closed_on = self.s.cases.get(case_id, (None, None))
        return CaseView(stage=stage, closed=closed_on is not None, erased=case_id in self.s.erased)
