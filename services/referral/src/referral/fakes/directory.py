"""Fake repositories of the directory, the case view, disclosures and case keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from hub_contracts import Decision, PartnerType, ProcedureStage

from referral.domain.model import CaseView, Partner
from referral.fakes._state import _Fake
from referral.repository.ports import (
    Disclosure,
    PartnerChange,
    Record,
    added_concurrently,
)


class FakePartners(_Fake):
    """`ports.PartnerRepository` in memory."""

    async def add(self, partner: Partner) -> None:
        """Add; the flag is set for authority_origin as migration 0020's trigger does."""
        if partner.partner_id in self._state.partners:
            raise added_concurrently()
        flagged = partner.ever_origin_authority or (
            partner.partner_type is PartnerType.AUTHORITY_ORIGIN
        )
        self._state.partners[partner.partner_id] = replace(partner, ever_origin_authority=flagged)

    async def replace(self, partner: Partner) -> bool:
        """Replace; the flag is only OR-ed in."""
        before = self._state.partners.get(partner.partner_id)
        if before is None:
            return False
        flagged = before.ever_origin_authority or partner.ever_origin_authority
        self._state.partners[partner.partner_id] = replace(partner, ever_origin_authority=flagged)
        return True

    async def get(self, partner_id: UUID, *, for_update: bool = False) -> Partner | None:
        """The entry (no locks in memory)."""
        return self._state.partners.get(partner_id)

    async def list_all(self) -> list[Partner]:
        """By name, then id."""
        return sorted(self._state.partners.values(), key=lambda p: (p.name, p.partner_id))


class FakePartnerChanges(_Fake):
    """`ports.PartnerChangeLog` in memory."""

    async def add(self, change: PartnerChange) -> None:
        """Append with the next id."""
        self._state.changes.append({"id": self._state.next(), **change.__dict__})

    async def of_partner(self, partner_id: UUID) -> list[Record]:
        """Oldest first."""
        return [dict(c) for c in self._state.changes if c["partner_id"] == partner_id]

    async def after(self, after_id: int, limit: int) -> list[Record]:
        """Ids above ``after_id``, oldest first."""
        return [dict(c) for c in self._state.changes if c["id"] > after_id][:limit]


class FakeCases(_Fake):
    """`ports.CaseViewRepository` in memory (`lock` is a no-op: one task at a time)."""

    async def lock(self, case_id: UUID) -> None:
        """Nothing to serialise in memory."""

    async def add(self, case: CaseView) -> bool:
        """False when known."""
        if case.case_id in self._state.cases:
            return False
        self._state.cases[case.case_id] = case
        return True

    async def add_many(self, cases: Sequence[CaseView]) -> list[bool]:
        """`add` for each, in order."""
        return [await self.add(case) for case in cases]

    async def get(self, case_id: UUID) -> CaseView | None:
        """The case."""
        return self._state.cases.get(case_id)

    async def set_stage(self, case_id: UUID, stage: ProcedureStage) -> bool:
        """False when unknown."""
        return self._change(case_id, stage=stage)

    async def set_decision(self, case_id: UUID, decision: Decision) -> bool:
        """False when unknown."""
        return self._change(case_id, decision=decision)

    async def set_decisions(self, decisions: Mapping[UUID, Decision]) -> set[UUID]:
        """`set_decision` for each; the known ids."""
        return {c for c, d in decisions.items() if await self.set_decision(c, d)}

    async def mark_closed(self, case_id: UUID, closed_on: date) -> bool:
        """False when unknown."""
        return self._change(case_id, closed=True)

    async def mark_erased(self, case_id: UUID, erased_at: datetime) -> bool:
        """False when unknown; forgets the vulnerabilities."""
        return self._change(case_id, erased=True, vulnerabilities=frozenset())

    async def has_applied(self, event_id: UUID) -> bool:
        """Whether ``event_id`` is in ``State.inbox``."""
        return event_id in self._state.inbox

    def _change(self, case_id: UUID, **fields: Any) -> bool:
        case = self._state.cases.get(case_id)
        if case is None:
            return False
        self._state.cases[case_id] = replace(case, **fields)
        return True


class FakeDisclosures(_Fake):
    """`ports.DisclosureRepository` in memory."""

    async def add(self, disclosure: Disclosure) -> None:
        """Once per event id."""
        self._state.disclosures.setdefault(disclosure.event_id, disclosure)

    async def of_case(self, case_id: UUID) -> list[Record]:
        """Oldest first, with the recipient as the directory has it (None when unknown)."""
        found = sorted(
            (d for d in self._state.disclosures.values() if d.case_id == case_id),
            key=lambda d: (d.disclosed_at, d.event_id),
        )
        out: list[Record] = []
        for d in found:
            partner = self._state.partners.get(d.partner_id)
            out.append(
                {
                    "referral_id": d.referral_id,
                    "partner_id": d.partner_id,
                    "partner_name": None if partner is None else partner.name,
                    "partner_type": None if partner is None else partner.partner_type.value,
                    "partner_countries": None if partner is None else list(partner.countries),
                    "consent_id": d.consent_id,
                    "data_categories": list(d.data_categories),
                    "legal_basis": d.legal_basis,
                    "disclosed_at": d.disclosed_at,
                }
            )
        return out


class FakeCaseKeys(_Fake):
    """`ports.CaseKeyRepository` in memory (None: a shredded key's tombstone)."""

    async def get(self, case_id: UUID) -> tuple[bool, bytes | None, int | None]:
        """(a row exists, the wrapped key, its version)."""
        stored = self._state.case_keys.get(case_id)
        if stored is None:
            return case_id in self._state.case_keys, None, None
        return True, stored[0], stored[1]

    async def add(self, case_id: UUID, wrapped_key: bytes, kek_version: int) -> None:
        """Unless a key or tombstone exists."""
        self._state.case_keys.setdefault(case_id, (wrapped_key, kek_version))

    async def to_rewrap(self, current: int, limit: int) -> dict[UUID, tuple[bytes, int]]:
        """Live keys under another version, by case id order."""
        old = sorted((c, k) for c, k in self._state.case_keys.items() if k and k[1] != current)
        return dict(old[:limit])

    async def rewrap(
        self, case_id: UUID, old_version: int, wrapped_key: bytes, version: int
    ) -> bool:
        """Only a live key under ``old_version``."""
        stored = self._state.case_keys.get(case_id)
        if stored is None or stored[1] != old_version:
            return False
        self._state.case_keys[case_id] = (wrapped_key, version)
        return True

    async def count_by_version(self) -> dict[int, int]:
        """Live keys by version."""
        counts: dict[int, int] = {}
        for stored in self._state.case_keys.values():
            if stored is not None:
                counts[stored[1]] = counts.get(stored[1], 0) + 1
        return counts

    async def shred(self, case_id: UUID, at: datetime) -> None:
        """Tombstone."""
        self._state.case_keys[case_id] = None
