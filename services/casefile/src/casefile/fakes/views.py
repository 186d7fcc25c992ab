"""In-memory audit, views and the case's committed events (see `casefile.fakes`)."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from hub_contracts.envelope import Envelope
from hub_contracts.privacy import ConsentFacts, PartnerFacts

from casefile.fakes.repositories import CasefileState, _Repo
from casefile.repository.audit import AccessEntry, Tombstone
from casefile.repository.views import ConsentChange, ConsentWithdrawal


class FakeAudit(_Repo):
    """`protocols.Audit` in memory."""

    async def add_tombstone(self, stone: Tombstone, kek_version: int) -> None:
        self._s.tombstones[stone.case_id] = stone

    async def tombstone(self, case_id: UUID) -> Tombstone | None:
        return self._s.tombstones.get(case_id)

    async def log_access(self, entry: AccessEntry) -> None:
        self._s.access.append(entry)

    async def access_log(self, case_id: UUID) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in vars(e).items() if k != "case_id"}
            for e in self._s.access
            if e.case_id == case_id
        ]


class FakeViews(_Repo):
    """`protocols.Views` in memory (same merge rules as the SQL upserts)."""

    async def upsert_consent(self, consent: ConsentFacts) -> None:
        old = self._s.consents.get(consent.consent_id)
        withdrawn = None if old is None else old.withdrawn_at
        self._s.consents[consent.consent_id] = replace(consent, withdrawn_at=withdrawn)

    async def withdraw_consent(
        self, consent_id: UUID, case_id: UUID, partner_id: UUID, at: datetime
    ) -> None:
        old = self._s.consents.get(consent_id)
        if old is None:  # seen before its grant: placeholder terms that cover nothing
            never = date(1970, 1, 1)
            old = ConsentFacts(
                consent_id, case_id, partner_id, frozenset(), frozenset(), never, never, None
            )
        self._s.consents[consent_id] = replace(old, withdrawn_at=old.withdrawn_at or at)

    async def change_consents(self, changes: Sequence[ConsentChange]) -> None:
        for change in changes:
            if isinstance(change, ConsentWithdrawal):
                w = change
                await self.withdraw_consent(w.consent_id, w.case_id, w.partner_id, w.at)
            else:
                await self.upsert_consent(change)

    async def consent(self, consent_id: UUID) -> ConsentFacts | None:
        return self._s.consents.get(consent_id)

    async def consent_and_partner(
        self, consent_id: UUID, partner_id: UUID
    ) -> tuple[ConsentFacts | None, PartnerFacts | None]:
        return self._s.consents.get(consent_id), self._s.partners.get(partner_id)

    async def upsert_partner(self, partner: PartnerFacts) -> None:
        old = self._s.partners.get(partner.partner_id)
        ever = partner.ever_origin_authority or (old is not None and old.ever_origin_authority)
        until = partner.agreement_valid_until if partner.has_agreement else None
        self._s.partners[partner.partner_id] = replace(
            partner, ever_origin_authority=ever, agreement_valid_until=until
        )

    async def upsert_partners(self, partners: Sequence[PartnerFacts]) -> None:
        for partner in partners:
            await self.upsert_partner(partner)

    async def partner(self, partner_id: UUID) -> PartnerFacts | None:
        return self._s.partners.get(partner_id)


class FakeCaseEvents:
    """`protocols.CaseEvents` over the fake's committed outbox."""

    def __init__(self, state: CasefileState, outbox: list[Envelope]) -> None:
        self._s = state
        self._outbox = outbox

    async def forget_published(self, case_id: UUID) -> None:
        self._s.forgotten |= {e.id for e in self._outbox if e.subject == str(case_id)}

    async def newest_event(
        self, case_id: UUID, topic: str, event_types: Sequence[str]
    ) -> UUID | None:
        del topic  # casefile's outbox holds its one topic only
        mine = [
            e
            for e in self._outbox
            if e.subject == str(case_id) and e.type in event_types and e.id not in self._s.forgotten
        ]
        return mine[-1].id if mine else None
