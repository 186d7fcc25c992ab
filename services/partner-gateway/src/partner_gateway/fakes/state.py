"""The tables of the in-memory fakes: one object, deep-copied for rollback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from hub_contracts import ProcedureStage, ReferralStatus

from partner_gateway.domain.model import ConsentView, PartnerView, Referral
from partner_gateway.repository.protocols import ClientSecret


def now() -> datetime:
    """The fakes' clock: real time, like PostgreSQL's ``now()``."""
    return datetime.now(UTC)


@dataclass
class GatewayState:
    """Every table the fakes keep, as plain dicts and lists (deep-copied for rollback)."""

    partners: dict[UUID, PartnerView] = field(default_factory=dict)
    secrets: dict[UUID, str] = field(default_factory=dict)
    retired: dict[UUID, dict[str, datetime]] = field(default_factory=dict)
    breakers: dict[UUID, tuple[int, datetime | None]] = field(default_factory=dict)
    clients: dict[str, tuple[UUID, datetime | None, datetime]] = field(default_factory=dict)
    client_secrets: list[tuple[str, ClientSecret, datetime | None]] = field(default_factory=list)
    consents: dict[UUID, ConsentView] = field(default_factory=dict)
    withdrawals: dict[UUID, datetime] = field(default_factory=dict)
    erased: dict[UUID, datetime] = field(default_factory=dict)
    cases: dict[UUID, tuple[ProcedureStage | None, date | None]] = field(default_factory=dict)
    referrals: dict[UUID, Referral] = field(default_factory=dict)
    statuses: dict[UUID, ReferralStatus] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    disclosures: list[dict[str, Any]] = field(default_factory=list)
    notices: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    staff: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[bytes, dict[str, Any]] = field(default_factory=dict)
    staff_audit: list[Any] = field(default_factory=list)


class Table:
    """A fake repository: a view on the shared state."""

    def __init__(self, state: GatewayState) -> None:
        self.s = state
