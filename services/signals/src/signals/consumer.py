"""Which event types signals applies (others are skipped), and through what."""

from __future__ import annotations

from hub_contracts import (
    BottleneckObserved,
    ConsentGranted,
    ConsentWithdrawn,
    DeadlinePassed,
    DeadlinePassedV2,
    MonitoringReported,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    PersonErased,
    ReferralApproved,
    ReferralRefused,
    ReferralRefusedV2,
    ReferralRefusedV3,
)
from hub_runtime.consumer import BatchHandler, EventHandler

from signals.config import Settings
from signals.handlers import SignalsHandlers

HANDLED = (
    BottleneckObserved,
    # Every version of each: older records may still be in the topics.
    DeadlinePassed,
    DeadlinePassedV2,
    ReferralRefused,
    ReferralRefusedV2,
    ReferralRefusedV3,
    ConsentGranted,
    ConsentWithdrawn,
    PersonErased,
    ReferralApproved,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    MonitoringReported,
)


def handlers(settings: Settings) -> dict[str, EventHandler]:
    """One entry per handled type, all through the same `apply` (one event at a time)."""
    h = SignalsHandlers(settings)
    return {event.event_type: h.apply_one for event in HANDLED}


def batch_handler(settings: Settings) -> BatchHandler:
    """The consumer's fast path: a poll batch in one call, written with set-based SQL."""
    return SignalsHandlers(settings).apply
