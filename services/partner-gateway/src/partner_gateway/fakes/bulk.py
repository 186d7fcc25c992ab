"""`BulkStore` in memory: each call is the one-row fakes applied to its rows in order, which is
exactly what the protocol promises of the PostgreSQL version."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from hub_contracts import ProcedureStage, ReferralStatus

from partner_gateway.domain.model import Referral
from partner_gateway.fakes.directory import FakeCases, FakeConsents
from partner_gateway.fakes.referrals import FakeDeliveries, FakeNotifications, FakeReferrals
from partner_gateway.fakes.state import Table
from partner_gateway.repository.bulk_protocol import ApprovalFacts, ConsentGrant, NewNotification


class FakeBulk(Table):
    """`BulkStore` in memory."""

    async def grant_consents(self, grants: Sequence[ConsentGrant]) -> None:
        consents = FakeConsents(self.s)
        for g in grants:
            await consents.grant(
                g.consent_id,
                g.case_id,
                g.partner_id,
                g.purposes,
                g.data_categories,
                g.valid_from,
                g.valid_until,
            )

    async def set_stages(self, stages: Sequence[tuple[UUID, ProcedureStage]]) -> None:
        cases = FakeCases(self.s)
        for case_id, stage in stages:
            await cases.set_stage(case_id, stage)

    async def approval_facts(self, keys: Sequence[tuple[UUID, UUID, UUID]]) -> list[ApprovalFacts]:
        cases = FakeCases(self.s)
        return [
            ApprovalFacts(
                self.s.partners.get(partner),
                consent in self.s.withdrawals,
                await cases.view(case),
            )
            for partner, consent, case in keys
        ]

    async def add_referrals(self, rows: Sequence[tuple[Referral, ReferralStatus]]) -> set[UUID]:
        referrals = FakeReferrals(self.s)
        return {r.referral_id for r, status in rows if await referrals.add(r, status)}

    async def add_notifications(self, rows: Sequence[NewNotification]) -> None:
        notifications = FakeNotifications(self.s)
        for n in rows:
            await notifications.add(
                n.notification_id,
                n.partner_id,
                n.case_id,
                n.kind,
                n.body,
                referral_id=n.referral_id,
                notice_id=n.notice_id,
            )

    async def enqueue(self, rows: Sequence[tuple[UUID, UUID]]) -> None:
        deliveries = FakeDeliveries(self.s)
        for notification_id, partner_id in rows:
            await deliveries.enqueue(notification_id, partner_id)
