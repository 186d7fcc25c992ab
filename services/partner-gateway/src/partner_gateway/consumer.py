"""The dispatch table: event type -> handler (the runtime's consumer does the rest)."""

from collections.abc import Mapping
from datetime import timedelta

from hub_contracts import (
    ConsentGranted,
    ConsentWithdrawn,
    PartnerRegistered,
    PersonErased,
    ReferralApproved,
    ReferralStatusChanged,
)
from hub_runtime.consumer import EventHandler

from partner_gateway import handlers


def handler_table(notice_ack_due: timedelta) -> Mapping[str, EventHandler]:
    notices = handlers.NoticeRules(notice_ack_due)
    return {
        PartnerRegistered.event_type: handlers.on_partner_registered,
        ConsentGranted.event_type: handlers.on_consent_granted,
        ConsentWithdrawn.event_type: notices.on_consent_withdrawn,
        PersonErased.event_type: notices.on_person_erased,
        ReferralApproved.event_type: handlers.on_referral_approved,
        ReferralStatusChanged.event_type: handlers.on_referral_status_changed,
    }
