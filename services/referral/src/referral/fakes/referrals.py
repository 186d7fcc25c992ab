"""Fake repositories of consents and referrals."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from hub_contracts import DataCategory, Purpose

from referral.domain.model import Consent, Referral, Status
from referral.fakes._state import _Fake
from referral.repository.ports import (
    OpenReferralExistsError,
    Record,
    Review,
)
from referral.repository.referrals import OPEN_INDEX_STATUSES


class FakeConsents(_Fake):
    """`ports.ConsentRepository` in memory."""

    async def add(
        self, consent: Consent, evidence: dict[str, Any], created_by: str, *, sealed: bytes
    ) -> None:
        """Store the row as PostgreSQL would (references only sealed)."""
        self._state.consents[consent.consent_id] = {
            "consent_id": consent.consent_id,
            "case_id": consent.case_id,
            "partner_id": consent.partner_id,
            "purposes": sorted(p.value for p in consent.purposes),
            "data_categories": sorted(c.value for c in consent.data_categories),
            "valid_from": consent.valid_from,
            "valid_until": consent.valid_until,
            "evidence_sealed": sealed,
            "language": evidence["language"],
            "interpreter_used": evidence["interpreter_used"],
            "taken_by": evidence.get("taken_by") or created_by,
            "taken_at": evidence["taken_at"],
            "informed_transfer_outside_eu": evidence["informed_transfer_outside_eu"],
            "withdrawn_at": consent.withdrawn_at,
            "withdrawn_by": None,
            "created_at": self._state.transaction,  # ties: by id, as in SQL
        }

    async def get(self, consent_id: UUID) -> Consent | None:
        """The consent."""
        row = self._state.consents.get(consent_id)
        return None if row is None else _consent(row)

    async def of_case(self, case_id: UUID) -> list[Consent]:
        """The case's consents."""
        return [_consent(r) for r in self._state.consents.values() if r["case_id"] == case_id]

    async def mark_withdrawn(self, consent_id: UUID, at: datetime, by: str) -> bool:
        """Once only."""
        row = self._state.consents.get(consent_id)
        if row is None or row["withdrawn_at"] is not None:
            return False
        row.update(withdrawn_at=at, withdrawn_by=by)
        return True

    async def record(self, consent_id: UUID) -> Record | None:
        """The row."""
        row = self._state.consents.get(consent_id)
        return None if row is None else dict(row)

    async def records(self, case_id: UUID) -> list[Record]:
        """The case's rows, oldest first."""
        rows = [r for r in self._state.consents.values() if r["case_id"] == case_id]
        return [dict(r) for r in sorted(rows, key=lambda r: (r["created_at"], r["consent_id"]))]


def _consent(row: Record) -> Consent:
    return Consent(
        consent_id=row["consent_id"],
        case_id=row["case_id"],
        partner_id=row["partner_id"],
        purposes=frozenset(Purpose(p) for p in row["purposes"]),
        data_categories=frozenset(DataCategory(c) for c in row["data_categories"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        withdrawn_at=row["withdrawn_at"],
    )


class FakeReferrals(_Fake):
    """`ports.ReferralRepository` in memory; rows hold the `Referral` under ``"referral"``."""

    async def add(self, referral: Referral, requested_by: str, at: datetime) -> None:
        """Refuses a second open referral as the unique index ``referrals_one_open`` does."""
        if referral.status.value in OPEN_INDEX_STATUSES:
            existing = self._first(
                lambda r: (
                    (r.case_id, r.partner_id, r.purpose)
                    == (referral.case_id, referral.partner_id, referral.purpose)
                    and r.status.value in OPEN_INDEX_STATUSES
                )
            )
            if existing is not None:
                raise OpenReferralExistsError(existing.referral_id)
        self._state.referrals[referral.referral_id] = {
            "referral": referral,
            "requested_by": requested_by,
            "requested_at": at,
            "approved_at": None,
            "resumed_at": None,
            "status_changed_at": at,
            "status_reason": None,
            "reasons": [],
            "history": [_entry(None, referral.status, None, at)],
            "review": None,
            "order": self._state.next(),
        }

    async def get(self, referral_id: UUID, *, for_update: bool = False) -> Referral | None:
        """The referral (no locks in memory)."""
        row = self._state.referrals.get(referral_id)
        return None if row is None else row["referral"]

    async def open_of_case(self, case_id: UUID, statuses: Collection[Status]) -> list[Referral]:
        """By referral id."""
        found = self._all(lambda r: r.case_id == case_id and r.status in statuses)
        return sorted(found, key=lambda r: r.referral_id)

    async def open_for(
        self, case_id: UUID, partner_id: UUID, purpose: Purpose, statuses: Collection[Status]
    ) -> UUID | None:
        """The oldest such referral."""
        found = self._first(
            lambda r: (
                (r.case_id, r.partner_id, r.purpose) == (case_id, partner_id, purpose)
                and r.status in statuses
            )
        )
        return None if found is None else found.referral_id

    async def cases_with_referrals_to(
        self, partner_id: UUID, statuses: Collection[Status]
    ) -> list[UUID]:
        """In id order."""
        found = self._all(lambda r: r.partner_id == partner_id and r.status in statuses)
        return sorted({r.case_id for r in found})

    async def cases_with_lapsed_inputs(
        self, today: date, statuses: Collection[Status], after: UUID | None, limit: int
    ) -> list[UUID]:
        """As the SQL: consent ended before today, or (past review) agreement ended or none."""

        def lapsed(r: Referral) -> bool:
            consent = None if r.consent_id is None else self._state.consents.get(r.consent_id)
            partner = self._state.partners[r.partner_id]
            if consent is not None and consent["valid_until"] < today:
                return True
            end = partner.agreement_valid_until
            return r.status is not Status.AWAITING_REVIEW and (end is None or end < today)

        found = self._all(
            lambda r: r.status in statuses and (after is None or r.case_id > after) and lapsed(r)
        )
        return sorted({r.case_id for r in found})[:limit]

    async def set_status(
        self,
        referral: Referral,
        target: Status,
        at: datetime,
        *,
        reason_code: str | None = None,
        reasons: list[str] | None = None,
        consent_id: UUID | None = None,
    ) -> bool:
        """Only from the status ``referral`` was read with (as the conditional UPDATE)."""
        row = self._state.referrals.get(referral.referral_id)
        if row is None or row["referral"].status is not referral.status:
            return False
        current: Referral = row["referral"]
        suspended = referral.status is Status.SUSPENDED
        row["referral"] = replace(
            current,
            status=target,
            consent_id=consent_id or current.consent_id,
            suspended_from=referral.status if target is Status.SUSPENDED else None,
        )
        row.update(status_changed_at=at, status_reason=reason_code)
        if reasons is not None:
            row["reasons"] = list(reasons)
        if target is Status.APPROVED and not suspended:
            row["approved_at"] = at
        if suspended:
            row["resumed_at"] = at
        row["history"].append(_entry(referral.status, target, reason_code, at))
        return True

    async def unanswered_since(self, before: datetime, limit: int) -> list[Referral]:
        """Approved or delivered, approved (or resumed) before ``before``, oldest first."""
        rows = [
            row
            for row in self._state.referrals.values()
            if row["referral"].status in (Status.APPROVED, Status.DELIVERED)
            and (row["resumed_at"] or row["approved_at"]) < before
        ]
        rows.sort(key=lambda row: row["approved_at"])
        return [row["referral"] for row in rows[:limit]]

    async def add_review(self, review: Review) -> None:
        """Attach the review to its referral's row."""
        self._state.referrals[review.referral_id]["review"] = {
            "referral_id": review.referral_id,
            "decision": review.decision,
            "overridden_codes": list(review.overridden),
            "reason_sealed": review.reason_sealed,
            "reviewed_by": review.reviewed_by,
            "reviewed_at": review.at,
        }

    async def record(self, referral_id: UUID) -> Record | None:
        """The row as the read models see it."""
        row = self._state.referrals.get(referral_id)
        if row is None:
            return None
        r: Referral = row["referral"]
        return {
            "referral_id": r.referral_id,
            "case_id": r.case_id,
            "partner_id": r.partner_id,
            "purpose": r.purpose.value,
            "data_categories": sorted(c.value for c in r.data_categories),
            "consent_id": r.consent_id,
            "status": r.status.value,
            "suspended_from": None if r.suspended_from is None else r.suspended_from.value,
            **{k: v for k, v in row.items() if k not in ("referral", "order", "history")},
            "history": [dict(h) for h in row["history"]],
        }

    async def records(self, case_id: UUID) -> list[Record]:
        """By request time, then id."""
        rows = [row for row in self._state.referrals.values() if row["referral"].case_id == case_id]
        rows.sort(key=lambda row: (row["requested_at"], row["referral"].referral_id))
        found = [await self.record(row["referral"].referral_id) for row in rows]
        return [r for r in found if r is not None]

    def _all(self, test: Any) -> list[Referral]:
        return [row["referral"] for row in self._state.referrals.values() if test(row["referral"])]

    def _first(self, test: Any) -> Referral | None:
        rows = sorted(
            (row for row in self._state.referrals.values() if test(row["referral"])),
            key=lambda row: (row["requested_at"], row["referral"].referral_id),
        )
        return rows[0]["referral"] if rows else None


def _entry(from_status: Status | None, to: Status, reason: str | None, at: datetime) -> Record:
    return {
        "from_status": None if from_status is None else from_status.value,
        "to_status": to.value,
        "reason_code": reason,
        "at": at,
    }
