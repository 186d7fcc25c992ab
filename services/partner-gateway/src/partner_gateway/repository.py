"""All SQL of the partner gateway. Every class takes a connection (plain or from a pool)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from hub_contracts import DataCategory, PartnerType, Purpose, ReferralStatus
from hub_runtime.db import Connection

from partner_gateway.domain.model import ConsentView, PartnerView, Referral
from partner_gateway.domain.notifications import NotificationKind
from partner_gateway.repository_cases import CaseRepository


class PartnerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

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
        """Store the directory's entry; ``origin_authority`` sets the permanent classification,
        which no later entry lifts (``ever_origin_authority`` is only ever OR-ed)."""
        await self.conn.execute(
            "INSERT INTO partners (partner_id, partner_type, purposes, countries, active,"
            " agreement_valid_until, ever_origin_authority) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (partner_id) DO UPDATE SET partner_type = EXCLUDED.partner_type,"
            " purposes = EXCLUDED.purposes, countries = EXCLUDED.countries,"
            " active = EXCLUDED.active, agreement_valid_until = EXCLUDED.agreement_valid_until,"
            " ever_origin_authority = partners.ever_origin_authority"
            " OR EXCLUDED.ever_origin_authority, updated_at = now()",
            partner_id,
            str(partner_type),
            [str(p) for p in purposes],
            list(countries),
            active,
            agreement_valid_until,
            origin_authority,
        )

    async def get(self, partner_id: UUID) -> PartnerView | None:
        row = await self.conn.fetchrow("SELECT * FROM partners WHERE partner_id = $1", partner_id)
        return None if row is None else _partner(row)

    async def set_webhook(
        self,
        partner_id: UUID,
        url: str,
        secret: str,
        previous_secret: str | None,
        previous_until: datetime | None,
    ) -> None:
        """The partner's endpoint and current signing secret; the secret it replaces signs on
        until ``previous_until`` (the end promised to the partner), like every secret retired
        earlier until the end promised for it. Secrets past their end are deleted."""
        await self.conn.execute(
            "UPDATE partners SET webhook_url = $2, webhook_secret = $3,"
            " consecutive_failures = 0, breaker_open_until = NULL,"
            " updated_at = now() WHERE partner_id = $1",
            partner_id,
            url,
            secret,
        )
        await self.conn.execute(
            "DELETE FROM webhook_retired_secrets WHERE partner_id = $1 AND valid_until <= now()",
            partner_id,
        )
        if previous_secret is not None and previous_until is not None:
            await self.conn.execute(
                "INSERT INTO webhook_retired_secrets (partner_id, secret, valid_until)"
                " VALUES ($1, $2, $3) ON CONFLICT (partner_id, secret) DO UPDATE"
                " SET valid_until = GREATEST(webhook_retired_secrets.valid_until, $3)",
                partner_id,
                previous_secret,
                previous_until,
            )

    async def current_secret(self, partner_id: UUID) -> str | None:
        value = await self.conn.fetchval(
            "SELECT webhook_secret FROM partners WHERE partner_id = $1", partner_id
        )
        return None if value is None else str(value)

    async def remove_webhook(self, partner_id: UUID) -> None:
        await self.conn.execute(
            "UPDATE partners SET webhook_url = NULL, webhook_secret = NULL WHERE partner_id = $1",
            partner_id,
        )
        await self.conn.execute(
            "DELETE FROM webhook_retired_secrets WHERE partner_id = $1", partner_id
        )

    async def record_success(self, partner_id: UUID) -> None:
        await self.conn.execute(
            "UPDATE partners SET consecutive_failures = 0, breaker_open_until = NULL"
            " WHERE partner_id = $1",
            partner_id,
        )

    async def failures(self, partner_id: UUID) -> int:
        value = await self.conn.fetchval(
            "SELECT consecutive_failures FROM partners WHERE partner_id = $1 FOR UPDATE",
            partner_id,
        )
        return int(value or 0)

    async def record_failure(
        self, partner_id: UUID, failures: int, open_until: datetime | None
    ) -> None:
        await self.conn.execute(
            "UPDATE partners SET consecutive_failures = $2,"
            " breaker_open_until = COALESCE($3, breaker_open_until) WHERE partner_id = $1",
            partner_id,
            failures,
            open_until,
        )

    async def admission(self, partner_id: UUID, client_id: str) -> tuple[PartnerView | None, bool]:
        """The partner's view (None if unknown) and whether the client ``client_id`` is revoked."""
        revoked = await self.conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM partner_clients WHERE client_id = $1"
            " AND revoked_at IS NOT NULL)",
            client_id,
        )
        return await self.get(partner_id), bool(revoked)

    async def breaker_states(self) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT partner_id, consecutive_failures, breaker_open_until FROM partners"
            " WHERE webhook_url IS NOT NULL ORDER BY partner_id"
        )
        return [dict(r) for r in rows]


def _partner(row: asyncpg.Record) -> PartnerView:
    return PartnerView(
        partner_id=row["partner_id"],
        partner_type=PartnerType(row["partner_type"]),
        purposes=frozenset(Purpose(p) for p in row["purposes"]),
        countries=frozenset(row["countries"]),
        active=row["active"],
        webhook_url=row["webhook_url"],
        agreement_valid_until=row["agreement_valid_until"],
        ever_origin_authority=row["ever_origin_authority"],
    )


class ConsentRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

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
        # A withdrawal that arrived first wins: it is applied to the grant at once.
        await self.conn.execute(
            "INSERT INTO consents (consent_id, case_id, partner_id, purposes, data_categories,"
            " valid_from, valid_until, withdrawn_at) VALUES ($1, $2, $3, $4, $5, $6, $7,"
            " (SELECT withdrawn_at FROM consent_withdrawals WHERE consent_id = $1))"
            " ON CONFLICT (consent_id) DO NOTHING",
            consent_id,
            case_id,
            partner_id,
            [str(p) for p in purposes],
            [str(c) for c in data_categories],
            valid_from,
            valid_until,
        )

    async def withdraw(self, consent_id: UUID, withdrawn_at: datetime) -> bool:
        """Record the withdrawal; False when it was recorded before (a replayed event)."""
        first = await self.conn.fetchval(
            "INSERT INTO consent_withdrawals (consent_id, withdrawn_at) VALUES ($1, $2)"
            " ON CONFLICT (consent_id) DO NOTHING RETURNING true",
            consent_id,
            withdrawn_at,
        )
        await self.conn.execute(
            "UPDATE consents SET withdrawn_at = COALESCE(withdrawn_at, $2) WHERE consent_id = $1",
            consent_id,
            withdrawn_at,
        )
        return bool(first)

    async def is_withdrawn(self, consent_id: UUID) -> bool:
        """Also before its grant has arrived (a withdrawal may overtake it)."""
        return bool(
            await self.conn.fetchval(
                "SELECT true FROM consent_withdrawals WHERE consent_id = $1", consent_id
            )
        )

    async def get(self, consent_id: UUID) -> ConsentView | None:
        row = await self.conn.fetchrow("SELECT * FROM consents WHERE consent_id = $1", consent_id)
        if row is None:
            return None
        return ConsentView(
            consent_id=row["consent_id"],
            case_id=row["case_id"],
            partner_id=row["partner_id"],
            purposes=frozenset(Purpose(p) for p in row["purposes"]),
            data_categories=frozenset(DataCategory(c) for c in row["data_categories"]),
            valid_from=row["valid_from"],
            valid_until=row["valid_until"],
            withdrawn_at=row["withdrawn_at"],
        )


class ErasureRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def erase(self, case_id: UUID, erased_at: datetime) -> bool:
        inserted = await self.conn.fetchval(
            "INSERT INTO erased_cases (case_id, erased_at) VALUES ($1, $2)"
            " ON CONFLICT (case_id) DO NOTHING RETURNING true",
            case_id,
            erased_at,
        )
        return bool(inserted)

    async def is_erased(self, case_id: UUID) -> bool:
        return bool(
            await self.conn.fetchval("SELECT true FROM erased_cases WHERE case_id = $1", case_id)
        )


class ReferralRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(self, referral: Referral, status: ReferralStatus) -> bool:
        inserted = await self.conn.fetchval(
            "INSERT INTO referrals (referral_id, case_id, partner_id, partner_type, purpose,"
            " data_categories, consent_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (referral_id) DO NOTHING RETURNING true",
            referral.referral_id,
            referral.case_id,
            referral.partner_id,
            str(referral.partner_type),
            str(referral.purpose),
            [str(c) for c in referral.data_categories],
            referral.consent_id,
            str(status),
        )
        return bool(inserted)

    async def lock_status(self, referral_id: UUID) -> ReferralStatus | None:
        """The referral's status, its row locked until the transaction ends.

        None for a referral approved before the gateway kept statuses (or an unknown one).
        """
        value = await self.conn.fetchval(
            "SELECT status FROM referrals WHERE referral_id = $1 FOR UPDATE", referral_id
        )
        return None if value is None else ReferralStatus(value)

    async def set_status(self, referral_id: UUID, status: ReferralStatus) -> None:
        await self.conn.execute(
            "UPDATE referrals SET status = $2 WHERE referral_id = $1", referral_id, str(status)
        )

    async def move(
        self,
        referral_ids: Sequence[UUID],
        status: ReferralStatus,
        only_from: Sequence[ReferralStatus],
    ) -> list[UUID]:
        """Set ``status`` on those of the referrals whose status is one of ``only_from``;
        returns the ones that moved (a replay moves none)."""
        rows = await self.conn.fetch(
            "UPDATE referrals SET status = $2 WHERE referral_id = ANY($1::uuid[])"
            " AND status = ANY($3::text[]) RETURNING referral_id",
            list(referral_ids),
            str(status),
            [str(s) for s in only_from],
        )
        return [r["referral_id"] for r in rows]

    async def suspend(self, referral_id: UUID, only_from: Sequence[ReferralStatus]) -> bool:
        """Suspended, remembering the status it had; False when it was not in ``only_from``."""
        return bool(
            await self.conn.fetchval(
                "UPDATE referrals SET suspended_from = status, status = 'suspended'"
                " WHERE referral_id = $1 AND status = ANY($2::text[]) RETURNING true",
                referral_id,
                [str(s) for s in only_from],
            )
        )

    async def resume(self, referral_id: UUID, status: ReferralStatus) -> bool:
        """Back from suspended to ``status``; False when it was not suspended (a replay)."""
        return bool(
            await self.conn.fetchval(
                "UPDATE referrals SET status = $2, suspended_from = NULL"
                " WHERE referral_id = $1 AND status = 'suspended' RETURNING true",
                referral_id,
                str(status),
            )
        )

    async def status_of(self, referral_id: UUID) -> ReferralStatus | None:
        value = await self.conn.fetchval(
            "SELECT status FROM referrals WHERE referral_id = $1", referral_id
        )
        return None if value is None else ReferralStatus(value)

    async def get(self, referral_id: UUID) -> Referral | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM referrals WHERE referral_id = $1", referral_id
        )
        return None if row is None else _referral(row)

    async def under_consent(self, consent_id: UUID) -> list[UUID]:
        rows = await self.conn.fetch(
            "SELECT referral_id FROM referrals WHERE consent_id = $1", consent_id
        )
        return [r["referral_id"] for r in rows]

    async def of_case(self, case_id: UUID) -> list[UUID]:
        rows = await self.conn.fetch(
            "SELECT referral_id FROM referrals WHERE case_id = $1", case_id
        )
        return [r["referral_id"] for r in rows]

    async def get_for_partner(self, referral_id: UUID, partner_id: UUID) -> Referral | None:
        """The referral only if it is this partner's: another's is indistinguishable from none."""
        row = await self.conn.fetchrow(
            "SELECT * FROM referrals WHERE referral_id = $1 AND partner_id = $2",
            referral_id,
            partner_id,
        )
        return None if row is None else _referral(row)

    async def of_partner_and_case(self, partner_id: UUID, case_id: UUID) -> list[UUID]:
        rows = await self.conn.fetch(
            "SELECT referral_id FROM referrals WHERE partner_id = $1 AND case_id = $2"
            " ORDER BY approved_at",
            partner_id,
            case_id,
        )
        return [r["referral_id"] for r in rows]


def _referral(row: asyncpg.Record) -> Referral:
    return Referral(
        referral_id=row["referral_id"],
        case_id=row["case_id"],
        partner_id=row["partner_id"],
        partner_type=PartnerType(row["partner_type"]),
        purpose=Purpose(row["purpose"]),
        data_categories=tuple(DataCategory(c) for c in row["data_categories"]),
        consent_id=row["consent_id"],
    )


@dataclass(frozen=True)
class DueDelivery:
    id: int
    notification_id: UUID
    partner_id: UUID
    case_id: UUID
    referral_id: UUID | None
    notice_id: UUID | None
    kind: str
    body: str
    attempts: int
    webhook_url: str
    secrets: tuple[str, ...]
    partner_type: str
    ever_origin_authority: bool


@dataclass(frozen=True)
class InboxEntry:
    seq: int
    body: str
    kind: str
    referral_id: UUID | None


class NotificationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

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
        await self.conn.execute(
            "INSERT INTO notifications (notification_id, partner_id, case_id, referral_id,"
            " notice_id, kind, body) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            notification_id,
            partner_id,
            case_id,
            referral_id,
            notice_id,
            kind,
            body,
        )

    async def inbox(self, partner_id: UUID, after_seq: int, limit: int) -> list[InboxEntry]:
        rows = await self.conn.fetch(
            "SELECT seq, body, kind, referral_id FROM notifications"
            " WHERE partner_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            partner_id,
            after_seq,
            limit,
        )
        return [InboxEntry(r["seq"], r["body"], r["kind"], r["referral_id"]) for r in rows]

    async def told(self, referral_ids: Sequence[UUID]) -> list[tuple[UUID, UUID, UUID]]:
        """(partner, case, referral) for every partner told anything about these referrals:
        a ``referral.ready`` in its inbox (whether or not the webhook went out; the partner
        may have pulled it) or a disclosure made to it."""
        rows = await self.conn.fetch(
            "SELECT partner_id, case_id, referral_id FROM notifications"
            " WHERE referral_id = ANY($1::uuid[]) AND kind = $2"
            " UNION SELECT partner_id, case_id, referral_id FROM disclosures"
            " WHERE referral_id = ANY($1::uuid[]) ORDER BY 1, 3",
            list(referral_ids),
            str(NotificationKind.REFERRAL_READY),
        )
        return [(r["partner_id"], r["case_id"], r["referral_id"]) for r in rows]


class DeliveryRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def enqueue(self, notification_id: UUID, partner_id: UUID) -> None:
        await self.conn.execute(
            "INSERT INTO deliveries (notification_id, partner_id) VALUES ($1, $2)",
            notification_id,
            partner_id,
        )

    async def lease_due(self, limit: int, lease_seconds: float) -> list[DueDelivery]:
        """Lease the oldest pending delivery of each partner whose turn it is.

        Only a partner's oldest pending row is a candidate (in order, one at a time per
        partner); a partner with an open circuit, without a webhook or no longer active in
        the directory is skipped (its deliveries wait, e.g. for a reactivation). The lease
        keeps other worker processes off the row while it is being sent; the re-check of
        ``d.lease_until`` after a concurrent update makes two processes never lease one row.
        """
        rows = await self.conn.fetch(
            """
            WITH heads AS (
                SELECT DISTINCT ON (partner_id) id, partner_id
                FROM deliveries WHERE state = 'pending' ORDER BY partner_id, id
            ), chosen AS (
                SELECT h.id FROM heads h
                JOIN deliveries d ON d.id = h.id
                JOIN partners p ON p.partner_id = h.partner_id
                WHERE d.next_attempt_at <= now()
                  AND (d.lease_until IS NULL OR d.lease_until < now())
                  AND (p.breaker_open_until IS NULL OR p.breaker_open_until <= now())
                  AND p.webhook_url IS NOT NULL AND p.active
                ORDER BY d.next_attempt_at LIMIT $1
            )
            UPDATE deliveries d SET lease_until = now() + make_interval(secs => $2)
            FROM chosen c, notifications n, partners p
            WHERE d.id = c.id AND n.notification_id = d.notification_id
              AND p.partner_id = d.partner_id AND d.state = 'pending'
              AND (d.lease_until IS NULL OR d.lease_until < now())
            RETURNING d.id, d.notification_id, d.partner_id, n.case_id, n.referral_id,
                      n.notice_id, n.kind, n.body, d.attempts, p.webhook_url, p.webhook_secret,
                      p.partner_type, p.ever_origin_authority,
                      ARRAY(SELECT w.secret FROM webhook_retired_secrets w
                            WHERE w.partner_id = p.partner_id AND w.valid_until > now()
                            ORDER BY w.valid_until DESC) AS retired_secrets
            """,
            limit,
            lease_seconds,
        )
        return [_due(r) for r in rows]

    async def mark_delivered(self, delivery_id: int, attempt: int, status: int) -> None:
        await self.conn.execute(
            "UPDATE deliveries SET state = 'delivered', attempts = $2, last_status = $3,"
            " last_error = NULL, lease_until = NULL, finished_at = now() WHERE id = $1",
            delivery_id,
            attempt,
            status,
        )

    async def mark_failed(
        self,
        delivery_id: int,
        attempt: int,
        status: int | None,
        error: str,
        next_attempt_at: datetime,
        give_up: bool,
    ) -> None:
        await self.conn.execute(
            "UPDATE deliveries SET attempts = $2, last_status = $3, last_error = $4,"
            " next_attempt_at = $5, lease_until = NULL,"
            " state = CASE WHEN $6 THEN 'given_up' ELSE 'pending' END,"
            " finished_at = CASE WHEN $6 THEN now() END"
            # a delivery given up meanwhile (partner reclassified) stays given up
            " WHERE id = $1 AND state = 'pending'",
            delivery_id,
            attempt,
            status,
            error,
            next_attempt_at,
            give_up,
        )

    async def drop_pending(
        self, referral_ids: Sequence[UUID], kind: NotificationKind, reason: str
    ) -> None:
        """Never send the pending ``kind`` webhooks about these referrals; the log keeps why.

        A delivery leased right now is dropped too, so a failed attempt is never retried
        (``mark_failed`` only touches pending rows); a POST already on its way and answered 2xx
        is recorded as delivered, which it was.
        """
        await self.conn.execute(
            "UPDATE deliveries d SET state = 'dropped', last_error = $3, finished_at = now(),"
            " lease_until = NULL FROM notifications n"
            " WHERE n.notification_id = d.notification_id AND d.state = 'pending'"
            " AND n.kind = $2 AND n.referral_id = ANY($1::uuid[])",
            list(referral_ids),
            str(kind),
            reason,
        )

    async def drop(self, delivery_id: int, reason: str) -> None:
        """Never send this (leased) delivery: its referral no longer holds at the moment of
        sending. The log keeps the rule's code as the reason."""
        await self.conn.execute(
            "UPDATE deliveries SET state = 'dropped', last_error = $2, finished_at = now(),"
            " lease_until = NULL WHERE id = $1 AND state = 'pending'",
            delivery_id,
            reason,
        )

    async def give_up_pending(self, partner_id: UUID, reason: str) -> None:
        await self.conn.execute(
            "UPDATE deliveries SET state = 'given_up', last_error = $2, finished_at = now(),"
            " lease_until = NULL WHERE partner_id = $1 AND state = 'pending'",
            partner_id,
            reason,
        )

    async def log(
        self, partner_id: UUID | None, state: str | None, after_id: int, limit: int
    ) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT d.id, d.notification_id, d.partner_id, n.referral_id, n.notice_id, n.kind,"
            " d.state, d.attempts, d.last_status, d.last_error, d.next_attempt_at,"
            " d.created_at, d.finished_at FROM deliveries d"
            " JOIN notifications n ON n.notification_id = d.notification_id"
            " WHERE ($1::uuid IS NULL OR d.partner_id = $1) AND ($2::text IS NULL OR d.state = $2)"
            " AND d.id > $3 ORDER BY d.id LIMIT $4",
            partner_id,
            state,
            after_id,
            limit,
        )
        return [dict(r) for r in rows]


def _due(row: asyncpg.Record) -> DueDelivery:
    # The current secret first, then every retired one still within its promised end.
    secrets = [row["webhook_secret"], *row["retired_secrets"]]
    return DueDelivery(
        id=row["id"],
        notification_id=row["notification_id"],
        partner_id=row["partner_id"],
        case_id=row["case_id"],
        referral_id=row["referral_id"],
        notice_id=row["notice_id"],
        kind=row["kind"],
        body=row["body"],
        attempts=row["attempts"],
        webhook_url=row["webhook_url"],
        secrets=tuple(secrets),
        partner_type=row["partner_type"],
        ever_origin_authority=row["ever_origin_authority"],
    )


class DisclosureRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self,
        disclosure_id: UUID,
        referral: Referral,
        legal_basis: str,
    ) -> None:
        await self.conn.execute(
            "INSERT INTO disclosures (disclosure_id, partner_id, referral_id, case_id, consent_id,"
            " data_categories, legal_basis) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            disclosure_id,
            referral.partner_id,
            referral.referral_id,
            referral.case_id,
            referral.consent_id,
            [str(c) for c in referral.data_categories],
            legal_basis,
        )

    async def log(
        self, referral_id: UUID | None, case_id: UUID | None, limit: int
    ) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT * FROM disclosures WHERE ($1::uuid IS NULL OR referral_id = $1)"
            " AND ($2::uuid IS NULL OR case_id = $2) ORDER BY disclosed_at LIMIT $3",
            referral_id,
            case_id,
            limit,
        )
        return [dict(r) for r in rows]

    async def partners_of_case(self, case_id: UUID) -> list[UUID]:
        rows = await self.conn.fetch(
            "SELECT DISTINCT partner_id FROM disclosures WHERE case_id = $1 ORDER BY partner_id",
            case_id,
        )
        return [r["partner_id"] for r in rows]

    async def partners_of_consent(self, consent_id: UUID) -> list[tuple[UUID, UUID]]:
        """(partner id, case id) of every disclosure made under the consent."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT partner_id, case_id FROM disclosures WHERE consent_id = $1"
            " ORDER BY partner_id",
            consent_id,
        )
        return [(r["partner_id"], r["case_id"]) for r in rows]


class NoticeRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add(
        self,
        notice_id: UUID,
        case_id: UUID,
        partner_id: UUID,
        referral_id: UUID,
        kind: str,
        due_at: datetime,
    ) -> bool:
        """Record a notice; False when this partner had this withdrawal or erasure notice for
        this referral already (then nothing is recorded and nothing should be sent)."""
        return bool(
            await self.conn.fetchval(
                "INSERT INTO notices (notice_id, case_id, partner_id, referral_id, kind, due_at)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
                notice_id,
                case_id,
                partner_id,
                referral_id,
                kind,
                due_at,
            )
        )

    async def referral_of(self, notice_id: UUID) -> UUID | None:
        value = await self.conn.fetchval(
            "SELECT referral_id FROM notices WHERE notice_id = $1", notice_id
        )
        return value if isinstance(value, UUID) else None

    async def mark_sent(self, notice_id: UUID) -> None:
        await self.conn.execute(
            "UPDATE notices SET sent_at = COALESCE(sent_at, now()) WHERE notice_id = $1",
            notice_id,
        )

    async def get_for_partner(self, notice_id: UUID, partner_id: UUID) -> dict[str, Any] | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM notices WHERE notice_id = $1 AND partner_id = $2 FOR UPDATE",
            notice_id,
            partner_id,
        )
        return None if row is None else dict(row)

    async def acknowledge(self, notice_id: UUID, at: datetime) -> None:
        await self.conn.execute(
            "UPDATE notices SET acknowledged_at = $2 WHERE notice_id = $1", notice_id, at
        )

    async def listing(self, overdue_only: bool, limit: int) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT notice_id, case_id, partner_id, referral_id, kind, created_at, due_at, sent_at,"
            " acknowledged_at, (acknowledged_at IS NULL AND due_at < now()) AS overdue"
            " FROM notices WHERE NOT $1 OR (acknowledged_at IS NULL AND due_at < now())"
            " ORDER BY created_at LIMIT $2",
            overdue_only,
            limit,
        )
        return [dict(r) for r in rows]


@dataclass(frozen=True)
class ClientSecret:
    secret_id: UUID
    salt: bytes
    hash: bytes


class CredentialRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def add_client(self, client_id: str, partner_id: UUID) -> None:
        await self.conn.execute(
            "INSERT INTO partner_clients (client_id, partner_id) VALUES ($1, $2)",
            client_id,
            partner_id,
        )

    async def client(self, client_id: str) -> tuple[UUID, datetime | None] | None:
        row = await self.conn.fetchrow(
            "SELECT partner_id, revoked_at FROM partner_clients WHERE client_id = $1", client_id
        )
        return None if row is None else (row["partner_id"], row["revoked_at"])

    async def add_secret(self, secret_id: UUID, client_id: str, salt: bytes, hashed: bytes) -> None:
        await self.conn.execute(
            "INSERT INTO client_secrets (secret_id, client_id, salt, hash) VALUES ($1, $2, $3, $4)",
            secret_id,
            client_id,
            salt,
            hashed,
        )

    async def expire_current(self, client_id: str, until: datetime) -> None:
        """Give the current secret(s) an end: the overlap of a rotation, or now (revocation)."""
        await self.conn.execute(
            "UPDATE client_secrets SET valid_until = $2 WHERE client_id = $1"
            " AND (valid_until IS NULL OR valid_until > $2)",
            client_id,
            until,
        )

    async def valid_secrets(self, client_id: str) -> list[ClientSecret]:
        rows = await self.conn.fetch(
            "SELECT s.secret_id, s.salt, s.hash FROM client_secrets s"
            " JOIN partner_clients c ON c.client_id = s.client_id"
            " WHERE s.client_id = $1 AND c.revoked_at IS NULL"
            " AND (s.valid_until IS NULL OR s.valid_until > now()) ORDER BY s.created_at DESC",
            client_id,
        )
        return [ClientSecret(r["secret_id"], r["salt"], r["hash"]) for r in rows]

    async def revoke_client(self, client_id: str) -> bool:
        done = await self.conn.fetchval(
            "UPDATE partner_clients SET revoked_at = COALESCE(revoked_at, now())"
            " WHERE client_id = $1 RETURNING true",
            client_id,
        )
        await self.expire_current(client_id, datetime.now(UTC))
        return bool(done)

    async def clients_of(self, partner_id: UUID) -> list[dict[str, Any]]:
        rows = await self.conn.fetch(
            "SELECT c.client_id, c.created_at, c.revoked_at,"
            " count(s.secret_id) FILTER (WHERE s.valid_until IS NULL OR s.valid_until > now())"
            " AS valid_secrets FROM partner_clients c"
            " LEFT JOIN client_secrets s ON s.client_id = c.client_id"
            " WHERE c.partner_id = $1 GROUP BY c.client_id ORDER BY c.created_at",
            partner_id,
        )
        return [dict(r) for r in rows]


@dataclass(frozen=True)
class Repositories:
    """Every repository on one connection (inside one transaction when it is a uow's)."""

    partners: PartnerRepository
    consents: ConsentRepository
    erasures: ErasureRepository
    referrals: ReferralRepository
    notifications: NotificationRepository
    deliveries: DeliveryRepository
    disclosures: DisclosureRepository
    notices: NoticeRepository
    credentials: CredentialRepository
    cases: CaseRepository

    @classmethod
    def on(cls, conn: Connection) -> Repositories:
        return cls(
            partners=PartnerRepository(conn),
            consents=ConsentRepository(conn),
            erasures=ErasureRepository(conn),
            referrals=ReferralRepository(conn),
            notifications=NotificationRepository(conn),
            deliveries=DeliveryRepository(conn),
            disclosures=DisclosureRepository(conn),
            notices=NoticeRepository(conn),
            credentials=CredentialRepository(conn),
            cases=CaseRepository(conn),
        )
