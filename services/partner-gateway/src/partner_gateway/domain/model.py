"""The gateway's views of other services' facts, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from hub_contracts import DataCategory, PartnerType, ProcedureStage, Purpose


@dataclass(frozen=True)
class PartnerView:
    partner_id: UUID
    partner_type: PartnerType
    purposes: frozenset[Purpose]
    countries: frozenset[str]
    active: bool
    webhook_url: str | None
    # The directory's last word on the agreement (None: no agreement on record).
    agreement_valid_until: date | None = None
    # Set the first time the directory lists the id as an origin-country authority; never unset.
    ever_origin_authority: bool = False


@dataclass(frozen=True)
class ConsentView:
    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    purposes: frozenset[Purpose]
    data_categories: frozenset[DataCategory]
    valid_from: date
    valid_until: date
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class Referral:
    referral_id: UUID
    case_id: UUID
    partner_id: UUID
    partner_type: PartnerType
    purpose: Purpose
    data_categories: tuple[DataCategory, ...]
    consent_id: UUID


@dataclass(frozen=True)
class CaseView:
    """What the gateway knows of a case from casefile's events (stage None: not seen yet)."""

    stage: ProcedureStage | None = None
    closed: bool = False
    erased: bool = False
