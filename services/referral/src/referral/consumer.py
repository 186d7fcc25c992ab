"""The dispatch table: which handler applies which incoming event type (others are skipped)."""

from collections.abc import Mapping

from hub_contracts import (
    CaseClosed,
    CaseOpened,
    DecisionRecorded,
    DisclosureMade,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    PersonErased,
    ProcedureStageChanged,
    ReferralDelivered,
    Topic,
)
from hub_runtime.consumer import EventHandler

from referral import partner_events
from referral.case_events import CaseEvents
from referral.clock import Clock

CONSUMES: tuple[Topic, ...] = (Topic.CASEFILE_EVENTS, Topic.PARTNER_EVENTS)
PUBLISHES: tuple[Topic, ...] = (Topic.REFERRAL_EVENTS,)


def handler_table(clock: Clock) -> Mapping[str, EventHandler]:
    """Event type -> handler; both versions of a partner's status report (v1 records may still
    be in the topic)."""
    cases = CaseEvents(clock)
    return {
        CaseOpened.event_type: cases.on_case_opened,
        ProcedureStageChanged.event_type: cases.on_stage_changed,
        DecisionRecorded.event_type: cases.on_decision_recorded,
        CaseClosed.event_type: cases.on_case_closed,
        PersonErased.event_type: cases.on_person_erased,
        ReferralDelivered.event_type: partner_events.on_referral_delivered,
        PartnerStatusReported.event_type: partner_events.on_partner_status,
        PartnerStatusReportedV2.event_type: partner_events.on_partner_status,
        DisclosureMade.event_type: partner_events.on_disclosure_made,
    }
