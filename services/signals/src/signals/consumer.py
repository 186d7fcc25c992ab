"""The dispatch table: which handler applies which event type (others are skipped)."""

from __future__ import annotations

from hub_contracts import (
    BottleneckObserved,
    ConsentGranted,
    ConsentWithdrawn,
    DeadlinePassed,
    DeadlinePassedV2,
    MonitoringReported,
    PartnerStatusReported,
    PersonErased,
    ReferralApproved,
    ReferralRefused,
    ReferralRefusedV2,
)
from hub_runtime.consumer import EventHandler

from signals.config import Settings
from signals.handlers import SignalsHandlers


def handlers(settings: Settings) -> dict[str, EventHandler]:
    h = SignalsHandlers(settings)
    return {
        BottleneckObserved.event_type: h.on_bottleneck,
        # Both versions of each: v1 records may still be in the topics.
        DeadlinePassed.event_type: h.on_deadline_passed,
        DeadlinePassedV2.event_type: h.on_deadline_passed_v2,
        ReferralRefused.event_type: h.on_referral_refused,
        ReferralRefusedV2.event_type: h.on_referral_refused,
        ConsentGranted.event_type: h.on_consent_granted,
        ConsentWithdrawn.event_type: h.on_consent_withdrawn,
        PersonErased.event_type: h.on_person_erased,
        ReferralApproved.event_type: h.on_referral_approved,
        PartnerStatusReported.event_type: h.on_partner_status,
        MonitoringReported.event_type: h.on_monitoring,
    }
