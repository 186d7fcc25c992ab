"""Fake repositories of the referral side: referrals, notifications, deliveries, disclosures,
notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from hub_contracts import ReferralStatus

from partner_gateway.domain.model import CaseView, GateFacts, Referral
from partner_gateway.domain.notifications import NotificationKind
from partner_gateway.fakes.state import Table, now
from partner_gateway.repository.protocols import InboxEntry, Notice

_ONCE_PER_REFERRAL = ("withdrawal", "erasure")
"""Notice kinds a partner gets at most once per referral (a unique index in PostgreSQL)."""


_OF_NOTIFICATION = ("referral_id", "notice_id", "kind")


class FakeReferrals(Table):
    """`ReferralStore` in memory (``lock_status`` locks nothing)."""

    async def add(self, referral: Referral, status: ReferralStatus) -> bool:
        if referral.referral_id in self.s.referrals:
            return False
        self.s.referrals[referral.referral_id] = referral
        self.s.statuses[referral.referral_id] = status
        return True

    async def get(self, referral_id: UUID) -> Referral | None:
        return self.s.referrals.get(referral_id)

    async def get_for_partner(self, referral_id: UUID, partner_id: UUID) -> Referral | None:
        found = self.s.referrals.get(referral_id)
        return found if found is not None and found.partner_id == partner_id else None

    async def status_of(self, referral_id: UUID) -> ReferralStatus | None:
        return self.s.statuses.get(referral_id)

    async def gate_facts(self, referral: Referral) -> GateFacts:
        stage, closed_on = self.s.cases.get(referral.case_id, (None, None))
        return GateFacts(
            partner=self.s.partners.get(referral.partner_id),
            consent=self.s.consents.get(referral.consent_id),
            case=CaseView(
                stage=stage, closed=closed_on is not None, erased=referral.case_id in self.s.erased
            ),
            status=self.s.statuses.get(referral.referral_id),
        )

    async def lock_status(self, referral_id: UUID) -> ReferralStatus | None:
        return self.s.statuses.get(referral_id)

    async def set_status(self, referral_id: UUID, status: ReferralStatus) -> None:
        if referral_id in self.s.referrals:
            self.s.statuses[referral_id] = status

    async def move(
        self,
        referral_ids: Sequence[UUID],
        status: ReferralStatus,
        only_from: Sequence[ReferralStatus],
    ) -> list[UUID]:
        moved = [r for r in referral_ids if self.s.statuses.get(r) in only_from]
        for referral_id in moved:
            self.s.statuses[referral_id] = status
        return moved

    async def suspend(self, referral_id: UUID, only_from: Sequence[ReferralStatus]) -> bool:
        current = self.s.statuses.get(referral_id)
        if current not in only_from:
            return False
        self.s.statuses[referral_id] = ReferralStatus.SUSPENDED
        return True

    async def resume(self, referral_id: UUID, status: ReferralStatus) -> bool:
        if self.s.statuses.get(referral_id) is not ReferralStatus.SUSPENDED:
            return False
        self.s.statuses[referral_id] = status
        return True

    async def under_consent(self, consent_id: UUID) -> list[UUID]:
        return [r.referral_id for r in self.s.referrals.values() if r.consent_id == consent_id]

    async def of_case(self, case_id: UUID) -> list[UUID]:
        return [r.referral_id for r in self.s.referrals.values() if r.case_id == case_id]


class FakeNotifications(Table):
    """`NotificationStore` in memory (``seq``: 1, 2, ... in insertion order)."""

    async def add(
        self,
        notification_id: UUID,
        partner_id: UUID,
        case_id: UUID,
        kind: str,
        body: str,
        *,
        referral_id: UUID | None = None,
        notice_id: UUID | None = None,
    ) -> None:
        self.s.notifications.append(
            {
                "seq": len(self.s.notifications) + 1,
                "notification_id": notification_id,
                "partner_id": partner_id,
                "case_id": case_id,
                "kind": kind,
                "body": body,
                "referral_id": referral_id,
                "notice_id": notice_id,
            }
        )

    async def inbox(self, partner_id: UUID, after_seq: int, limit: int) -> list[InboxEntry]:
        mine = [
            n
            for n in self.s.notifications
            if n["partner_id"] == partner_id and n["seq"] > after_seq
        ]
        return [InboxEntry(n["seq"], n["body"], n["kind"], n["referral_id"]) for n in mine[:limit]]

    async def told(self, referral_ids: Sequence[UUID]) -> list[tuple[UUID, UUID, UUID]]:
        wanted = set(referral_ids)
        ready = str(NotificationKind.REFERRAL_READY)
        told = {
            (n["partner_id"], n["case_id"], n["referral_id"])
            for n in self.s.notifications
            if n["referral_id"] in wanted and n["kind"] == ready
        } | {
            (d["partner_id"], d["case_id"], d["referral_id"])
            for d in self.s.disclosures
            if d["referral_id"] in wanted
        }
        return sorted(told, key=lambda t: (t[0], t[2]))


class FakeDeliveries(Table):
    """`DeliveryStore` in memory (no worker: deliveries stay as the handlers leave them)."""

    async def enqueue(self, notification_id: UUID, partner_id: UUID) -> None:
        self.s.deliveries.append(
            {
                "id": len(self.s.deliveries) + 1,
                "notification_id": notification_id,
                "partner_id": partner_id,
                "state": "pending",
                "attempts": 0,
                "last_status": None,
                "last_error": None,
                "next_attempt_at": now(),
                "created_at": now(),
                "finished_at": None,
            }
        )

    def _notification(self, notification_id: UUID) -> dict[str, Any]:
        return next(n for n in self.s.notifications if n["notification_id"] == notification_id)

    def _finish(self, delivery: dict[str, Any], state: str, reason: str) -> None:
        delivery.update(state=state, last_error=reason, finished_at=now())

    async def drop_pending(
        self, referral_ids: Sequence[UUID], kind: NotificationKind, reason: str
    ) -> None:
        for d in self.s.deliveries:
            n = self._notification(d["notification_id"])
            if (
                d["state"] == "pending"
                and n["kind"] == str(kind)
                and n["referral_id"] in referral_ids
            ):
                self._finish(d, "dropped", reason)

    async def give_up_pending(self, partner_id: UUID, reason: str) -> None:
        for d in self.s.deliveries:
            if d["state"] == "pending" and d["partner_id"] == partner_id:
                self._finish(d, "given_up", reason)

    async def log(
        self, partner_id: UUID | None, state: str | None, after_id: int, limit: int
    ) -> list[dict[str, Any]]:
        rows = [
            {
                **{k: d[k] for k in ("id", "notification_id", "partner_id")},
                **{
                    k: self._notification(d["notification_id"])[k]
                    for k in ("referral_id", "notice_id", "kind")
                },
                **{k: d[k] for k in ("state", "attempts", "last_status", "last_error")},
                **{k: d[k] for k in ("next_attempt_at", "created_at", "finished_at")},
            }
            for d in self.s.deliveries
            if (partner_id is None or d["partner_id"] == partner_id)
            and (state is None or d["state"] == state)
            and d["id"] > after_id
        ]
        return rows[:limit]


class FakeDisclosures(Table):
    """`DisclosureStore` in memory."""

    async def add(
        self,
        disclosure_id: UUID,
        referral: Referral,
        legal_basis: str,
        staff_id: UUID | None = None,
    ) -> None:
        self.s.disclosures.append(
            {
                "disclosure_id": disclosure_id,
                "partner_id": referral.partner_id,
                "referral_id": referral.referral_id,
                "case_id": referral.case_id,
                "consent_id": referral.consent_id,
                "data_categories": [str(c) for c in referral.data_categories],
                "legal_basis": legal_basis,
                "disclosed_at": now(),
                "staff_id": staff_id,
            }
        )

    async def log(
        self, referral_id: UUID | None, case_id: UUID | None, limit: int
    ) -> list[dict[str, Any]]:
        rows = [
            d
            for d in self.s.disclosures
            if (referral_id is None or d["referral_id"] == referral_id)
            and (case_id is None or d["case_id"] == case_id)
        ]
        return [dict(d) for d in rows[:limit]]


class FakeNotices(Table):
    """`NoticeStore` in memory (``get_for_partner`` locks nothing)."""

    async def add(
        self,
        notice_id: UUID,
        case_id: UUID,
        partner_id: UUID,
        referral_id: UUID,
        kind: str,
        due_at: datetime,
    ) -> bool:
        if kind in _ONCE_PER_REFERRAL and any(
            (n["partner_id"], n["referral_id"], n["kind"]) == (partner_id, referral_id, kind)
            for n in self.s.notices.values()
        ):
            return False
        self.s.notices[notice_id] = {
            "notice_id": notice_id,
            "case_id": case_id,
            "partner_id": partner_id,
            "referral_id": referral_id,
            "kind": kind,
            "created_at": now(),
            "due_at": due_at,
            "sent_at": None,
            "acknowledged_at": None,
        }
        return True

    async def mark_sent(self, notice_id: UUID) -> None:
        notice = self.s.notices.get(notice_id)
        if notice is not None and notice["sent_at"] is None:
            notice["sent_at"] = now()

    async def get_for_partner(self, notice_id: UUID, partner_id: UUID) -> Notice | None:
        n = self.s.notices.get(notice_id)
        if n is None or n["partner_id"] != partner_id:
            return None
        fields = ("notice_id", "case_id", "partner_id", "referral_id", "kind", "acknowledged_at")
        return Notice(**{k: n[k] for k in fields})

    async def acknowledge(self, notice_id: UUID, at: datetime) -> None:
        if notice_id in self.s.notices:
            self.s.notices[notice_id]["acknowledged_at"] = at

    async def listing(
        self, overdue_only: bool, limit: int, partner_id: UUID | None = None
    ) -> list[dict[str, Any]]:
        current = now()
        rows = [
            {**n, "overdue": n["acknowledged_at"] is None and n["due_at"] < current}
            for n in self.s.notices.values()
            if partner_id is None or n["partner_id"] == partner_id
        ]
        return [r for r in rows if r["overdue"] or not overdue_only][:limit]
