"""The dispatch table: which handler applies which event type (others are skipped)."""

from __future__ import annotations

from hub_contracts import (
    BottleneckObserved,
    ConsentGranted,
    ConsentWithdrawn,
    DeadlinePassed,
    MonitoringReported,
    PartnerStatusReported,
    PersonErased,
    ReferralApproved,
    ReferralRefused,
)
from hub_runtime.consumer import EventHandler

from signals.config import Settings
from signals.handlers import SignalsHandlers


def handlers(settings: Settings) -> dict[str, EventHandler]:
    h = SignalsHandlers(settings)
    return {
        BottleneckObserved.event_type: h.on_bottleneck,
        DeadlinePassed.event_type: h.on_deadline_passed,
        ReferralRefused.event_type: h.on_referral_refused,
        ConsentGranted.event_type: h.on_consent_granted,
        ConsentWithdrawn.event_type: h.on_consent_withdrawn,
        PersonErased.event_type: h.on_person_erased,
        ReferralApproved.event_type: h.on_referral_approved,
        PartnerStatusReported.event_type: h.on_partner_status,
        MonitoringReported.event_type: h.on_monitoring,
    }
