"""SQL of the consumer's batch route: many events' rows in one statement per table.

Each statement does what the one-row statement of the table's repository does, for all rows at
once (`bulk_protocol.BulkStore` says which). Rows with list columns travel as one JSON array
(``jsonb_to_recordset``), the others as parallel arrays (``unnest``), so a poll batch costs a
round trip per table instead of one per event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from uuid import UUID

from hub_contracts import ProcedureStage, ReferralStatus
from hub_runtime.db import Connection

from partner_gateway.domain.model import CaseView, Referral
from partner_gateway.repository.bulk_protocol import ApprovalFacts, ConsentGrant, NewNotification
from partner_gateway.repository.partners import partner_of


class BulkRepository:
    """`bulk_protocol.BulkStore` on PostgreSQL (``consents``, ``cases``, ``partners``,
    ``referrals``, ``notifications``, ``deliveries``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def grant_consents(self, grants: Sequence[ConsentGrant]) -> None:
        first = list({g.consent_id: g for g in reversed(grants)}.values())
        rows = [
            {
                "consent_id": str(g.consent_id),
                "case_id": str(g.case_id),
                "partner_id": str(g.partner_id),
                "purposes": [str(p) for p in g.purposes],
                "data_categories": [str(c) for c in g.data_categories],
                "valid_from": g.valid_from.isoformat(),
                "valid_until": g.valid_until.isoformat(),
            }
            for g in first
        ]
        # A withdrawal that arrived first wins, as in `ConsentRepository.grant`.
        await self.conn.execute(
            "INSERT INTO consents (consent_id, case_id, partner_id, purposes, data_categories,"
            " valid_from, valid_until, withdrawn_at)"
            " SELECT r.consent_id, r.case_id, r.partner_id, r.purposes, r.data_categories,"
            " r.valid_from, r.valid_until, w.withdrawn_at"
            " FROM jsonb_to_recordset($1::jsonb) AS r(consent_id uuid, case_id uuid,"
            " partner_id uuid, purposes text[], data_categories text[], valid_from date,"
            " valid_until date)"
            " LEFT JOIN consent_withdrawals w ON w.consent_id = r.consent_id"
            " ON CONFLICT (consent_id) DO NOTHING",
            json.dumps(rows),
        )

    async def set_stages(self, stages: Sequence[tuple[UUID, ProcedureStage]]) -> None:
        last = dict(stages)  # one row per case (a statement may not update a row twice)
        await self.conn.execute(
            "INSERT INTO cases (case_id, stage)"
            " SELECT * FROM unnest($1::uuid[], $2::text[])"
            " ON CONFLICT (case_id) DO UPDATE SET stage = EXCLUDED.stage, updated_at = now()",
            list(last),
            [str(s) for s in last.values()],
        )

    async def approval_facts(self, keys: Sequence[tuple[UUID, UUID, UUID]]) -> list[ApprovalFacts]:
        rows = await self.conn.fetch(
            "SELECT p.partner_id, p.partner_type, p.purposes, p.countries, p.active,"
            " p.webhook_url, p.agreement_valid_until, p.ever_origin_authority,"
            " EXISTS (SELECT 1 FROM consent_withdrawals w WHERE w.consent_id = k.consent_id)"
            " AS consent_withdrawn, c.stage, c.closed_on,"
            " EXISTS (SELECT 1 FROM erased_cases e WHERE e.case_id = k.case_id) AS erased"
            " FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY"
            " AS k(partner_id, consent_id, case_id, ord)"
            " LEFT JOIN partners p ON p.partner_id = k.partner_id"
            " LEFT JOIN cases c ON c.case_id = k.case_id ORDER BY k.ord",
            [partner for partner, _, _ in keys],
            [consent for _, consent, _ in keys],
            [case for _, _, case in keys],
        )
        return [
            ApprovalFacts(
                partner=None if r["partner_id"] is None else partner_of(r),
                consent_withdrawn=r["consent_withdrawn"],
                case=CaseView(
                    stage=None if r["stage"] is None else ProcedureStage(r["stage"]),
                    closed=r["closed_on"] is not None,
                    erased=r["erased"],
                ),
            )
            for r in rows
        ]

    async def add_referrals(self, rows: Sequence[tuple[Referral, ReferralStatus]]) -> set[UUID]:
        first = list({r.referral_id: (r, s) for r, s in reversed(rows)}.values())
        values = [
            {
                "referral_id": str(r.referral_id),
                "case_id": str(r.case_id),
                "partner_id": str(r.partner_id),
                "partner_type": str(r.partner_type),
                "purpose": str(r.purpose),
                "data_categories": [str(c) for c in r.data_categories],
                "consent_id": str(r.consent_id),
                "status": str(status),
            }
            for r, status in first
        ]
        stored = await self.conn.fetch(
            "INSERT INTO referrals (referral_id, case_id, partner_id, partner_type, purpose,"
            " data_categories, consent_id, status)"
            " SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(referral_id uuid, case_id uuid,"
            " partner_id uuid, partner_type text, purpose text, data_categories text[],"
            " consent_id uuid, status text)"
            " ON CONFLICT (referral_id) DO NOTHING RETURNING referral_id",
            json.dumps(values),
        )
        return {r["referral_id"] for r in stored}

    async def add_notifications(self, rows: Sequence[NewNotification]) -> None:
        # The inbox lock of `NotificationRepository.add`, for every partner at once and in a
        # fixed order (sorted), so two batches never wait on each other in a cycle.
        keys = sorted({f"gateway-inbox:{n.partner_id}" for n in rows})
        await self.conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k",
            keys,
        )
        # unnest yields the rows in array order, and ``seq`` is drawn row by row: each inbox
        # gets its notifications in the order given.
        await self.conn.execute(
            "INSERT INTO notifications (notification_id, partner_id, case_id, referral_id,"
            " notice_id, kind, body) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[],"
            " $4::uuid[], $5::uuid[], $6::text[], $7::text[])",
            [n.notification_id for n in rows],
            [n.partner_id for n in rows],
            [n.case_id for n in rows],
            [n.referral_id for n in rows],
            [n.notice_id for n in rows],
            [n.kind for n in rows],
            [n.body for n in rows],
        )

    async def enqueue(self, rows: Sequence[tuple[UUID, UUID]]) -> None:
        await self.conn.execute(
            "INSERT INTO deliveries (notification_id, partner_id)"
            " SELECT * FROM unnest($1::uuid[], $2::uuid[])",
            [n for n, _ in rows],
            [p for _, p in rows],
        )
