"""The gateway's views of other services' facts, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from hub_contracts import DataCategory, PartnerType, ProcedureStage, Purpose, ReferralStatus


@dataclass(frozen=True)
class PartnerView:
    """The gateway's view of a directory entry (from referral's partner events).

    ``countries``: ISO 3166-1 alpha-2 codes; ``webhook_url`` None: no webhooks, the partner reads
    its pull inbox. ``ever_origin_authority`` never goes back to False: an id once listed as an
    origin-country authority never receives personal data (domain.md, §1.1, §1.3)."""

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
    """The gateway's view of a consent (from referral's consent events): who may receive what, for
    which purposes, between ``valid_from`` and ``valid_until`` (calendar days, inclusive), unless
    ``withdrawn_at`` (aware) is set."""

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
    """An approved referral as the gateway keeps it: the partner, the one purpose, the data
    categories to disclose and the consent it travels under. Ids and closed codes only, no personal
    data."""

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


@dataclass(frozen=True)
class GateFacts:
    """Everything a gate judges a referral on, read together (one query, one snapshot): the
    partner's directory entry and the consent as the gateway's views have them now (None: not
    seen), the case view and the referral's status (None: unknown)."""

    partner: PartnerView | None
    consent: ConsentView | None
    case: CaseView
    status: ReferralStatus | None
