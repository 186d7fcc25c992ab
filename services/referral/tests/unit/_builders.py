"""Values the unit tests build again and again (a partner, a case, a consent, a referral)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub_contracts import DataCategory, PartnerType, ProcedureStage, Purpose
from referral.domain.model import CaseView, Consent, Partner, Referral, Status

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def partner(**changes: Any) -> Partner:
    fields: dict[str, Any] = {
        "partner_id": uuid.uuid4(),
        "name": "IOM Netherlands",
        "partner_type": PartnerType.INTERGOVERNMENTAL,
        "countries": ("NL", "IQ"),
        "services": ("assisted return",),
        "purposes": frozenset({Purpose.RETURN_COUNSELLING, Purpose.REINTEGRATION_SUPPORT}),
        "agreement_reference": "DSA-1",
        "agreement_valid_from": TODAY - timedelta(days=30),
        "agreement_valid_until": TODAY + timedelta(days=365),
        "active": True,
        **changes,
    }
    return Partner(**fields)


def case(**changes: Any) -> CaseView:
    fields: dict[str, Any] = {
        "case_id": uuid.uuid4(),
        "stage": ProcedureStage.FINAL_REJECTION,
        "has_minors": False,
        "vulnerabilities": frozenset(),
        "decision": None,
        "erased": False,
        **changes,
    }
    return CaseView(**fields)


def consent(case_id: uuid.UUID, partner_id: uuid.UUID, **changes: Any) -> Consent:
    fields: dict[str, Any] = {
        "consent_id": uuid.uuid4(),
        "case_id": case_id,
        "partner_id": partner_id,
        "purposes": frozenset({Purpose.RETURN_COUNSELLING}),
        "data_categories": frozenset({DataCategory.IDENTITY}),
        "valid_from": TODAY,
        "valid_until": TODAY + timedelta(days=90),
        "withdrawn_at": None,
        **changes,
    }
    return Consent(**fields)


EVIDENCE = {
    "language": "ar",
    "interpreter_used": False,
    "taken_by": "counsellor-7",
    "taken_at": NOW,
    "informed_transfer_outside_eu": True,
}


def referral(
    case_id: uuid.UUID, partner_id: uuid.UUID, consent_id: uuid.UUID | None = None
) -> Referral:
    return Referral(
        referral_id=uuid.uuid4(),
        case_id=case_id,
        partner_id=partner_id,
        purpose=Purpose.RETURN_COUNSELLING,
        data_categories=frozenset({DataCategory.IDENTITY}),
        consent_id=consent_id,
        status=Status.REQUESTED,
    )
