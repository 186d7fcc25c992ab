"""The dispatch table: event type -> handler (the runtime's consumer does the rest)."""

from collections.abc import Mapping
from datetime import timedelta

from hub_contracts import (
    CaseClosed,
    CaseOpened,
    ConsentGranted,
    ConsentWithdrawn,
    PartnerRegistered,
    PersonErased,
    ProcedureStageChanged,
    ReferralApproved,
    ReferralStatusChanged,
    ReferralStatusChangedV2,
)
from hub_runtime.consumer import EventHandler

from partner_gateway import handlers
from partner_gateway.notices import NoticeRules


def handler_table(notice_ack_due: timedelta) -> Mapping[str, EventHandler]:
    notices = NoticeRules(notice_ack_due)
    return {
        PartnerRegistered.event_type: handlers.on_partner_registered,
        ConsentGranted.event_type: handlers.on_consent_granted,
        ConsentWithdrawn.event_type: notices.on_consent_withdrawn,
        PersonErased.event_type: notices.on_person_erased,
        CaseOpened.event_type: handlers.on_case_opened,
        ProcedureStageChanged.event_type: handlers.on_stage_changed,
        CaseClosed.event_type: handlers.on_case_closed,
        ReferralApproved.event_type: handlers.on_referral_approved,
        # Old records stay readable; referral switches its producer to v2.
        ReferralStatusChanged.event_type: notices.on_status_changed_v1,
        ReferralStatusChangedV2.event_type: notices.on_status_changed_v2,
    }
