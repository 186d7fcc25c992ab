"""The dispatch table: which handler applies which incoming event type (others are skipped)."""

from collections.abc import Mapping

from hub_contracts import (
    CaseOpened,
    DecisionRecorded,
    DisclosureMade,
    PartnerStatusReported,
    PersonErased,
    ProcedureStageChanged,
    ReferralDelivered,
    Topic,
)
from hub_runtime.consumer import EventHandler

from referral import handlers

CONSUMES: tuple[Topic, ...] = (Topic.CASEFILE_EVENTS, Topic.PARTNER_EVENTS)
PUBLISHES: tuple[Topic, ...] = (Topic.REFERRAL_EVENTS,)

HANDLERS: Mapping[str, EventHandler] = {
    CaseOpened.event_type: handlers.on_case_opened,
    ProcedureStageChanged.event_type: handlers.on_stage_changed,
    DecisionRecorded.event_type: handlers.on_decision_recorded,
    PersonErased.event_type: handlers.on_person_erased,
    ReferralDelivered.event_type: handlers.on_referral_delivered,
    PartnerStatusReported.event_type: handlers.on_partner_status,
    DisclosureMade.event_type: handlers.on_disclosure_made,
}
