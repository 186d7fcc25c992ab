"""All SQL of referrals, their status history and their reviews."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from uuid import UUID

import asyncpg
from hub_contracts import DataCategory, Purpose

from referral.domain.model import Referral, Status
from referral.repository._base import PgRepository
from referral.repository.ports import OpenReferralExistsError, Record, Review

OPEN_REFERRAL_INDEX = "referrals_one_open"

OPEN_INDEX_STATUSES: list[str] = [
    "requested",
    "awaiting_review",
    "approved",
    "delivered",
    "accepted",
    "in_progress",
    "suspended",
]
"""The statuses in the predicate of the unique index (migration 0010); a unit test checks that
they are exactly ``lifecycle.OPEN``."""


class PgReferrals(PgRepository):
    """`ports.ReferralRepository` on ``referrals``, ``referral_history``, ``referral_reviews``."""

    async def add(self, referral: Referral, requested_by: str, at: datetime) -> None:
        """Record a new referral; raises `OpenReferralExistsError` when the unique index refuses
        it (only the insert is undone: it runs in a savepoint)."""
        try:
            async with self.conn.transaction():
                await self.conn.execute(
                    "INSERT INTO referrals (referral_id, case_id, partner_id, purpose,"
                    " data_categories, consent_id, status, requested_by, requested_at,"
                    " status_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                    referral.referral_id,
                    referral.case_id,
                    referral.partner_id,
                    referral.purpose.value,
                    sorted(c.value for c in referral.data_categories),
                    referral.consent_id,
                    referral.status.value,
                    requested_by,
                    at,
                )
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name != OPEN_REFERRAL_INDEX:
                raise
            existing = await self.conn.fetchval(
                "SELECT referral_id FROM referrals WHERE case_id = $1 AND partner_id = $2"
                " AND purpose = $3 AND duplicate_of IS NULL AND status = ANY($4::text[])",
                referral.case_id,
                referral.partner_id,
                referral.purpose.value,
                OPEN_INDEX_STATUSES,
            )
            raise OpenReferralExistsError(existing) from None
        await self._history(referral.referral_id, None, referral.status, None, at)

    async def get(self, referral_id: UUID, *, for_update: bool = False) -> Referral | None:
        """The referral, or None; ``for_update`` locks the row."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(
            f"SELECT * FROM referrals WHERE referral_id = $1{lock}",  # noqa: S608
            referral_id,
        )
        return None if row is None else _referral(row)

    async def open_of_case(self, case_id: UUID, statuses: Collection[Status]) -> list[Referral]:
        """The case's referrals in ``statuses`` (the open ones), locked, in a fixed order."""
        rows = await self.conn.fetch(
            "SELECT * FROM referrals WHERE case_id = $1 AND status = ANY($2::text[])"
            " ORDER BY referral_id FOR UPDATE",
            case_id,
            [s.value for s in statuses],
        )
        return [_referral(row) for row in rows]

    async def open_for(
        self, case_id: UUID, partner_id: UUID, purpose: Purpose, statuses: Collection[Status]
    ) -> UUID | None:
        """The first open referral of the case to this partner for this purpose, if any."""
        found: UUID | None = await self.conn.fetchval(
            "SELECT referral_id FROM referrals WHERE case_id = $1 AND partner_id = $2"
            " AND purpose = $3 AND status = ANY($4::text[]) ORDER BY requested_at, referral_id"
            " LIMIT 1",
            case_id,
            partner_id,
            purpose.value,
            [s.value for s in statuses],
        )
        return found

    async def cases_with_referrals_to(
        self, partner_id: UUID, statuses: Collection[Status]
    ) -> list[UUID]:
        """Cases with a referral to the partner in ``statuses``, in id order."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT case_id FROM referrals WHERE partner_id = $1"
            " AND status = ANY($2::text[]) ORDER BY case_id",
            partner_id,
            [s.value for s in statuses],
        )
        return [row["case_id"] for row in rows]

    async def cases_with_lapsed_inputs(
        self, today: date, statuses: Collection[Status], after: UUID | None, limit: int
    ) -> list[UUID]:
        """Cases (after ``after``, in id order, at most ``limit``) with an open referral whose
        consent has run out before ``today``, or, once past review, whose partner's agreement
        has."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT r.case_id FROM referrals r"
            " JOIN partners p ON p.partner_id = r.partner_id"
            " LEFT JOIN consents c ON c.consent_id = r.consent_id"
            " WHERE r.status = ANY($2::text[]) AND ($3::uuid IS NULL OR r.case_id > $3)"
            " AND (c.valid_until < $1 OR (r.status <> 'awaiting_review'"
            " AND (p.agreement_valid_until IS NULL OR p.agreement_valid_until < $1)))"
            " ORDER BY r.case_id LIMIT $4",
            today,
            [s.value for s in statuses],
            after,
            limit,
        )
        return [row["case_id"] for row in rows]

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
        """Move the referral from its current status to ``target``, only if nobody moved it
        first: the ``status = current`` condition makes every transition happen exactly once,
        even when two workers or requests race for the same referral."""
        # Suspending remembers the status it had (to return to it); leaving it forgets it, and a
        # return restarts the partner's answer time (resumed_at).
        status = await self.conn.execute(
            "UPDATE referrals SET status = $3, status_changed_at = $4, status_reason = $5,"
            " reasons = coalesce($6, reasons), consent_id = coalesce($7, consent_id),"
            " approved_at = CASE WHEN $3 = 'approved' AND $2 <> 'suspended' THEN $4"
            " ELSE approved_at END,"
            " suspended_from = CASE WHEN $3 = 'suspended' THEN $2 ELSE NULL END,"
            " resumed_at = CASE WHEN $2 = 'suspended' THEN $4 ELSE resumed_at END"
            " WHERE referral_id = $1 AND status = $2",
            referral.referral_id,
            referral.status.value,
            target.value,
            at,
            reason_code,
            reasons,
            consent_id,
        )
        if status == "UPDATE 0":
            return False
        await self._history(referral.referral_id, referral.status, target, reason_code, at)
        return True

    async def unanswered_since(self, before: datetime, limit: int) -> list[Referral]:
        """Approved or delivered referrals approved (or resumed from a suspension) before
        ``before``; locked, skipping locked ones. Suspended ones are never among them."""
        rows = await self.conn.fetch(
            "SELECT * FROM referrals WHERE status IN ('approved', 'delivered')"
            " AND coalesce(resumed_at, approved_at) < $1"
            " ORDER BY approved_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            before,
            limit,
        )
        return [_referral(row) for row in rows]

    async def add_review(self, review: Review) -> None:
        """Record a review; the written reason only as the vault's ciphertext."""
        await self.conn.execute(
            "INSERT INTO referral_reviews (referral_id, decision, overridden_codes,"
            " reason_sealed, reviewed_by, reviewed_at) VALUES ($1, $2, $3, $4, $5, $6)",
            review.referral_id,
            review.decision,
            review.overridden,
            review.reason_sealed,
            review.reviewed_by,
            review.at,
        )

    async def record(self, referral_id: UUID) -> Record | None:
        """The referral with its history and review, for reading."""
        row = await self.conn.fetchrow(
            "SELECT * FROM referrals WHERE referral_id = $1", referral_id
        )
        if row is None:
            return None
        record = dict(row)
        history = await self.conn.fetch(
            "SELECT from_status, to_status, reason_code, at FROM referral_history"
            " WHERE referral_id = $1 ORDER BY id",
            referral_id,
        )
        record["history"] = [dict(h) for h in history]
        review = await self.conn.fetchrow(
            "SELECT * FROM referral_reviews WHERE referral_id = $1", referral_id
        )
        record["review"] = None if review is None else dict(review)
        return record

    async def records(self, case_id: UUID) -> list[Record]:
        """Every referral of the case as `record`, by request time then id."""
        rows = await self.conn.fetch(
            "SELECT referral_id FROM referrals WHERE case_id = $1"
            " ORDER BY requested_at, referral_id",
            case_id,
        )
        records = [await self.record(row["referral_id"]) for row in rows]
        return [r for r in records if r is not None]

    async def _history(
        self,
        referral_id: UUID,
        from_status: Status | None,
        to_status: Status,
        reason_code: str | None,
        at: datetime,
    ) -> None:
        await self.conn.execute(
            "INSERT INTO referral_history (referral_id, from_status, to_status, reason_code, at)"
            " VALUES ($1, $2, $3, $4, $5)",
            referral_id,
            None if from_status is None else from_status.value,
            to_status.value,
            reason_code,
            at,
        )


def _referral(row: asyncpg.Record) -> Referral:
    return Referral(
        referral_id=row["referral_id"],
        case_id=row["case_id"],
        partner_id=row["partner_id"],
        purpose=Purpose(row["purpose"]),
        data_categories=frozenset(DataCategory(c) for c in row["data_categories"]),
        consent_id=row["consent_id"],
        status=Status(row["status"]),
        suspended_from=None if row["suspended_from"] is None else Status(row["suspended_from"]),
    )
