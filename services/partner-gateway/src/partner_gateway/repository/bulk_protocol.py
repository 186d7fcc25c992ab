"""What the consumer's batch route may ask of storage (kept beside `protocols`): the writes and
reads of many events at once, one statement each.

Each method has the effect of the matching one-row method of `protocols` applied to its rows in
order (the batch route, `partner_gateway.handlers.batch`, relies on it; the PostgreSQL version
is compared with the one-row path in ``tests/integration/test_batches_match_one_by_one.py``, the
fake simply loops over the one-row fakes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from hub_contracts import DataCategory, ProcedureStage, Purpose, ReferralStatus

from partner_gateway.domain.model import CaseView, PartnerView, Referral


@dataclass(frozen=True)
class ConsentGrant:
    """A granted consent as ``ConsentStore.grant`` takes it (days: the council's calendar)."""

    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    purposes: tuple[Purpose, ...]
    data_categories: tuple[DataCategory, ...]
    valid_from: date
    valid_until: date


@dataclass(frozen=True)
class NewNotification:
    """A notification as ``NotificationStore.add`` takes it (``body``: the JSON text)."""

    notification_id: UUID
    partner_id: UUID
    case_id: UUID
    kind: str
    body: str
    referral_id: UUID | None = None
    notice_id: UUID | None = None


@dataclass(frozen=True)
class ApprovalFacts:
    """What an approval is judged on: the partner's directory entry (None: not listed), whether
    its consent's withdrawal is recorded, and the case as the gateway knows it."""

    partner: PartnerView | None
    consent_withdrawn: bool
    case: CaseView


class BulkStore(Protocol):
    """Many rows per call; each call is one round trip on PostgreSQL."""

    async def grant_consents(self, grants: Sequence[ConsentGrant]) -> None:
        """``ConsentStore.grant`` for each, in order: the first grant of an id wins, and a
        withdrawal already recorded applies at once."""
        ...

    async def set_stages(self, stages: Sequence[tuple[UUID, ProcedureStage]]) -> None:
        """``CaseStore.set_stage`` for each ``(case_id, stage)``, in order (the last stage of
        a case wins)."""
        ...

    async def approval_facts(self, keys: Sequence[tuple[UUID, UUID, UUID]]) -> list[ApprovalFacts]:
        """For each ``(partner_id, consent_id, case_id)``, in order, what an approval is judged
        on: ``PartnerStore.get``, ``ConsentStore.is_withdrawn`` and ``CaseStore.view``."""
        ...

    async def add_referrals(self, rows: Sequence[tuple[Referral, ReferralStatus]]) -> set[UUID]:
        """``ReferralStore.add`` for each, in order; returns the ids stored now (an id already
        stored, or repeated in ``rows``, is stored once, with its first row)."""
        ...

    async def add_notifications(self, rows: Sequence[NewNotification]) -> None:
        """``NotificationStore.add`` for each, in order: each partner's inbox gets them in
        this order, and no other transaction adds to these inboxes until this one ends."""
        ...

    async def enqueue(self, rows: Sequence[tuple[UUID, UUID]]) -> None:
        """``DeliveryStore.enqueue`` for each ``(notification_id, partner_id)``, in order (the
        queue's trigger wakes the delivery worker once)."""
        ...
