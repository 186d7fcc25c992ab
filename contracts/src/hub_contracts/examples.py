"""One valid, obviously fake example payload per event type.

For tests here and in the services (fixtures, contract tests against fakes). The values
are constants rather than random so that failures are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import UUID

from hub_contracts.base import EventPayload
from hub_contracts.commands import referral as rc
from hub_contracts.events import casefile as cf
from hub_contracts.events import partner as pt
from hub_contracts.events import referral as rf
from hub_contracts.events import signals as sg
from hub_contracts.events._referral_v1 import ReferralStatus as ReferralStatusV1
from hub_contracts.events._referral_v1 import RefusalCode as RefusalCodeV1
from hub_contracts.events._referral_v1 import RefusalReason as RefusalReasonV1
from hub_contracts.events._referral_v2 import RefusalCode as RefusalCodeV2
from hub_contracts.events._referral_v2 import RefusalReason as RefusalReasonV2
from hub_contracts.vocabulary import (
    BottleneckCategory,
    DataCategory,
    DateCorrectionReason,
    DeadlineKind,
    Decision,
    DeclineReason,
    LocationType,
    MonitoringOutcome,
    NoticeKind,
    PartnerReportedStatus,
    PartnerType,
    ProcedureStage,
    Purpose,
    ReferralStatus,
    RefusalCode,
    Region,
    ReturnOption,
    StatusReason,
    Vulnerability,
)

CASE_ID = UUID("00000000-0000-4000-8000-00000000ca5e")
PARTNER_ID = UUID("00000000-0000-4000-8000-0000000000a1")
REFERRAL_ID = UUID("00000000-0000-4000-8000-0000000000b2")
CONSENT_ID = UUID("00000000-0000-4000-8000-0000000000c3")
OTHER_ID = UUID("00000000-0000-4000-8000-0000000000d4")
DAY = date(2025, 3, 14)
MOMENT = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
_IDS = {"case_id": CASE_ID, "partner_id": PARTNER_ID, "referral_id": REFERRAL_ID}


def _deadline(cls: type[cf.DeadlineEvent]) -> cf.DeadlineEvent:
    kind = DeadlineKind.DEPARTURE_PERIOD
    return cls(case_id=CASE_ID, deadline_id=OTHER_ID, kind=kind, due_date=DAY, days_left=7)


def _deadline_v2(cls: type[cf.DeadlineEventV2]) -> cf.DeadlineEventV2:
    return cls(case_id=CASE_ID, deadline_id=OTHER_ID, kind=DeadlineKind.FAMILY_LOCATION_END)


def _casefile() -> dict[type[EventPayload], Callable[[], EventPayload]]:
    stage = ProcedureStage.FINAL_REJECTION
    return {
        cf.CaseOpened: lambda: cf.CaseOpened(
            case_id=CASE_ID,
            country_of_origin="SY",
            region=Region.WEST,
            household_size=3,
            has_minors=True,
            vulnerabilities=[Vulnerability.FAMILY_WITH_CHILDREN],
            location_type=LocationType.FAMILY_LOCATION,
            stage=stage,
        ),
        cf.ProcedureStageChanged: lambda: cf.ProcedureStageChanged(
            case_id=CASE_ID,
            from_stage=ProcedureStage.APPEAL_PENDING,
            to_stage=stage,
            decided_on=DAY,
        ),
        cf.DeadlineScheduled: lambda: _deadline(cf.DeadlineScheduled),
        cf.DeadlineApproaching: lambda: _deadline(cf.DeadlineApproaching),
        cf.DeadlinePassed: lambda: _deadline(cf.DeadlinePassed),
        cf.DeadlineScheduledV2: lambda: _deadline_v2(cf.DeadlineScheduledV2),
        cf.DeadlineApproachingV2: lambda: cf.DeadlineApproachingV2(
            case_id=CASE_ID, deadline_id=OTHER_ID, kind=DeadlineKind.DEPARTURE_PERIOD, days_left=2
        ),
        cf.DeadlineApproachingV3: lambda: _deadline_v2(cf.DeadlineApproachingV3),
        cf.DeadlinePassedV2: lambda: _deadline_v2(cf.DeadlinePassedV2),
        cf.OptionsDiscussed: lambda: cf.OptionsDiscussed(
            case_id=CASE_ID, options=list(ReturnOption), language="ar", interpreter_used=True
        ),
        cf.DecisionRecorded: lambda: cf.DecisionRecorded(
            case_id=CASE_ID, decision=Decision.INDEPENDENT_RETURN, decided_on=DAY
        ),
        cf.DecisionDateCorrected: lambda: cf.DecisionDateCorrected(
            case_id=CASE_ID,
            correction_id=OTHER_ID,
            entry_id=OTHER_ID,
            decision=Decision.INDEPENDENT_RETURN,
            previous_decided_on=DAY,
            decided_on=DAY,
            reason=DateCorrectionReason.TYPING_ERROR,
        ),
        cf.StageChangeDateCorrected: lambda: cf.StageChangeDateCorrected(
            case_id=CASE_ID,
            correction_id=OTHER_ID,
            entry_id=OTHER_ID,
            from_stage=ProcedureStage.APPEAL_PENDING,
            to_stage=ProcedureStage.FINAL_REJECTION,
            previous_decided_on=DAY,
            decided_on=DAY,
            reason=DateCorrectionReason.DATE_FROM_WRONG_DOCUMENT,
        ),
        cf.BottleneckObserved: lambda: cf.BottleneckObserved(
            case_id=CASE_ID,
            bottleneck_id=OTHER_ID,
            category=BottleneckCategory.TRAVEL_DOCUMENTS_REFUSED,
            stage=stage,
            region=Region.WEST,
            location_type=LocationType.VBL,
            observed_on=DAY,
            country_of_origin="ER",
        ),
        cf.CaseClosed: lambda: cf.CaseClosed(case_id=CASE_ID, closed_on=DAY),
        cf.PersonErased: lambda: cf.PersonErased(case_id=CASE_ID, erased_at=MOMENT),
    }


def _referral() -> dict[type[EventPayload], Callable[[], EventPayload]]:
    categories = [DataCategory.IDENTITY, DataCategory.HOUSEHOLD]
    purpose = Purpose.RETURN_COUNSELLING
    return {
        rf.ConsentGranted: lambda: rf.ConsentGranted(
            case_id=CASE_ID,
            consent_id=CONSENT_ID,
            partner_id=PARTNER_ID,
            purposes=[purpose],
            data_categories=categories,
            valid_from=DAY,
            valid_until=date(2025, 9, 14),
        ),
        rf.ConsentWithdrawn: lambda: rf.ConsentWithdrawn(
            case_id=CASE_ID, consent_id=CONSENT_ID, partner_id=PARTNER_ID, withdrawn_at=MOMENT
        ),
        rf.ReferralRequested: lambda: rf.ReferralRequested(
            **_IDS, purpose=purpose, data_categories=categories
        ),
        rf.ReferralApproved: lambda: rf.ReferralApproved(
            **_IDS,
            partner_type=PartnerType.INTERGOVERNMENTAL,
            purpose=purpose,
            data_categories=categories,
            consent_id=CONSENT_ID,
        ),
        rf.ReferralRefused: lambda: rf.ReferralRefused(
            **_IDS, reasons=[RefusalReasonV1.from_code(RefusalCodeV1.CONSENT_EXPIRED)]
        ),
        rf.ReferralRefusedV2: lambda: rf.ReferralRefusedV2(
            **_IDS, reasons=[RefusalReasonV2.from_code(RefusalCodeV2.REFUSED_AT_REVIEW)]
        ),
        rf.ReferralRefusedV3: lambda: rf.ReferralRefusedV3(
            **_IDS, reasons=[RefusalCode.CASE_CLOSED, RefusalCode.CONSENT_MISSING]
        ),
        rf.ReferralStatusChanged: lambda: rf.ReferralStatusChanged(
            **_IDS,
            from_status=ReferralStatusV1.DELIVERED,
            to_status=ReferralStatusV1.ACCEPTED,
            reason_code=None,
        ),
        rf.ReferralStatusChangedV2: lambda: rf.ReferralStatusChangedV2(
            **_IDS,
            from_status=ReferralStatus.APPROVED,
            to_status=ReferralStatus.SUSPENDED,
            reason_code=StatusReason.PROTECTION_FIRST,
        ),
        rf.PartnerRegistered: lambda: rf.PartnerRegistered(
            partner_id=PARTNER_ID,
            partner_type=PartnerType.INTERGOVERNMENTAL,
            purposes=[purpose],
            countries=["IQ"],
            agreement_valid_until=date(2027, 12, 31),
            active=True,
        ),
    }


def _referral_commands() -> dict[type[EventPayload], Callable[[], EventPayload]]:
    staff = {"case_id": CASE_ID, "requested_by": "counsellor-7", "role": rc.StaffRole.COUNSELLOR}
    return {
        rc.GrantConsentCommand: lambda: rc.GrantConsentCommand(
            **staff,
            partner_id=PARTNER_ID,
            purposes=[Purpose.RETURN_COUNSELLING],
            data_categories=[DataCategory.IDENTITY, DataCategory.CONTACT],
            valid_from=DAY,
            valid_until=date(2025, 9, 14),
            evidence=rc.ConsentEvidence(
                form_reference="CF-2025-0042",
                language="ar",
                interpreter_used=True,
                interpreter_reference="TVCG-4567",
                taken_by="counsellor-7",
                taken_at=MOMENT,
                informed_transfer_outside_eu=True,
            ),
        ),
        rc.WithdrawConsentCommand: lambda: rc.WithdrawConsentCommand(
            **staff, consent_id=CONSENT_ID
        ),
        rc.RequestReferralCommand: lambda: rc.RequestReferralCommand(
            **staff,
            partner_id=PARTNER_ID,
            purpose=Purpose.RETURN_COUNSELLING,
            data_categories=[DataCategory.IDENTITY],
        ),
        rc.ReviewReferralCommand: lambda: rc.ReviewReferralCommand(
            case_id=CASE_ID,
            requested_by="coordinator-2",
            role=rc.StaffRole.COORDINATOR,
            referral_id=REFERRAL_ID,
            decision=rc.ReviewChoice.OVERRIDE,
            reason_reference="REVIEW-2025-0007",
        ),
    }


def _partner() -> dict[type[EventPayload], Callable[[], EventPayload]]:
    return {
        pt.ReferralDelivered: lambda: pt.ReferralDelivered(**_IDS, attempt=1),
        pt.DeliveryFailed: lambda: pt.DeliveryFailed(**_IDS, attempt=2, reason_code="timeout"),
        pt.DisclosureMade: lambda: pt.DisclosureMade(
            **_IDS,
            consent_id=CONSENT_ID,
            data_categories=[DataCategory.IDENTITY],
            legal_basis="explicit_consent_gdpr_49_1_a",
        ),
        pt.PartnerStatusReported: lambda: pt.PartnerStatusReported(
            **_IDS,
            status=PartnerReportedStatus.DECLINED,
            reason_code="capacity_full",
            reported_at=MOMENT,
        ),
        pt.PartnerStatusReportedV2: lambda: pt.PartnerStatusReportedV2(
            **_IDS,
            status=PartnerReportedStatus.DECLINED,
            reason_code=DeclineReason.NO_CAPACITY,
            reported_at=MOMENT,
        ),
        pt.MonitoringReported: lambda: pt.MonitoringReported(
            **_IDS,
            months_after_return=6,
            outcomes=[MonitoringOutcome.PROBLEMS_WITH_AUTHORITIES],
        ),
        pt.NoticeSent: lambda: pt.NoticeSent(
            case_id=CASE_ID, notice_id=OTHER_ID, partner_id=PARTNER_ID, kind="withdrawal"
        ),
        pt.NoticeSentV2: lambda: pt.NoticeSentV2(
            case_id=CASE_ID,
            notice_id=OTHER_ID,
            partner_id=PARTNER_ID,
            referral_id=REFERRAL_ID,
            kind=NoticeKind.SUSPENSION,
        ),
        pt.NoticeAcknowledged: lambda: pt.NoticeAcknowledged(
            case_id=CASE_ID, notice_id=OTHER_ID, partner_id=PARTNER_ID, acknowledged_at=MOMENT
        ),
    }


def _signals() -> dict[type[EventPayload], Callable[[], EventPayload]]:
    coordinates = (
        {"category": "journey_debts", "region": "west"},
        {"category": "child_detention", "region": "noord"},
    )
    return {
        sg.SignalsPublished: lambda: sg.SignalsPublished(
            period="2025-02",
            table="bottlenecks_by_region",
            dimensions=["category", "region"],
            cells=[
                sg.SignalCellV1(coordinates=coordinates[0], count=15, suppressed=False),
                sg.SignalCellV1(coordinates=coordinates[1], count=None, suppressed=True),
            ],
            method=sg.PublicationMethodV1(
                k_threshold=10, rounding_base=5, noise="none", epsilon_spent=None
            ),
        ),
        sg.SignalsPublishedV2: lambda: sg.SignalsPublishedV2(
            period="2025-02",
            table="bottlenecks_by_region",
            dimensions=["category", "region"],
            cells=[
                sg.SignalCell(coordinates=coordinates[0], count=15, suppressed=False),
                sg.SignalCell(coordinates=coordinates[1], count=None, suppressed=True),
            ],
            method=sg.PublicationMethod(
                k_threshold=10, rounding_base=5, noise="none", epsilon_spent=None
            ),
        ),
    }


EXAMPLES: dict[type[EventPayload], Callable[[], EventPayload]] = {
    **_casefile(),
    **_referral(),
    **_referral_commands(),
    **_partner(),
    **_signals(),
}


def example_payload(cls: type[EventPayload]) -> EventPayload:
    """A valid instance of ``cls``; KeyError if a new class has no example yet."""
    return EXAMPLES[cls]()
