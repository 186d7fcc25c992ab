"""Events casefile applies from referral.events and partner.events (routes: `casefile.routes`).

Timeline entries carry only the payload's codes and ids from closed lists: the refusal
sentences of ReferralRefused v1/v2 are dropped (readers render them from the codes), and the
open reason codes of ReferralStatusChanged v1 and PartnerStatusReported v1 are mapped to their
closed successors (``other`` when a code is not on the closed list), so no typed text reaches
casefile's database through an event. An event already on the timeline (same envelope id) is
not added twice.
"""

from typing import Any
from uuid import UUID, uuid4

from hub_contracts import (
    ConsentGranted,
    ConsentWithdrawn,
    DisclosureMade,
    EventPayload,
    MonitoringReported,
    PartnerRegistered,
    PartnerStatusReported,
    PartnerStatusReportedV2,
    ReferralApproved,
    ReferralRefused,
    ReferralRefusedV2,
    ReferralRefusedV3,
    ReferralStatusChanged,
    ReferralStatusChangedV2,
)
from hub_contracts.envelope import Envelope, service_of
from hub_contracts.privacy import ConsentFacts, PartnerFacts
from hub_contracts.vocabulary import DeclineReason, PartnerType, StatusReason
from hub_runtime.bus import Event
from hub_runtime.errors import PermanentEventError

from casefile.deps import Deps
from casefile.repository.timeline import TimelineEntry
from casefile.repository.views import ConsentWithdrawal
from casefile.unit_of_work import CasefileUow

TIMELINE_KINDS: dict[str, str] = {
    ReferralApproved.event_type: "referral_approved",
    # Every version: old records may still be in the topics while producers switch.
    ReferralRefused.event_type: "referral_refused",
    ReferralRefusedV2.event_type: "referral_refused",
    ReferralRefusedV3.event_type: "referral_refused",
    ReferralStatusChanged.event_type: "referral_status_changed",
    ReferralStatusChangedV2.event_type: "referral_status_changed",
    PartnerStatusReported.event_type: "partner_status_reported",
    PartnerStatusReportedV2.event_type: "partner_status_reported",
    MonitoringReported.event_type: "monitoring_reported",
    DisclosureMade.event_type: "disclosure_made",
    ConsentGranted.event_type: "consent_granted",
    ConsentWithdrawn.event_type: "consent_withdrawn",
}


STATUS_REASONS = frozenset(r.value for r in StatusReason) | frozenset(
    r.value for r in DeclineReason
)
DECLINE_REASONS = frozenset(r.value for r in DeclineReason)


def closed_code(code: str | None, allowed: frozenset[str]) -> str | None:
    """A v1 open reason code as a code of its closed successor list: kept when it is on the
    list, else ``other`` (the open pattern could carry a name or a diagnosis)."""
    if code is None:
        return None
    return code if code in allowed else DeclineReason.OTHER.value


def _details(payload: EventPayload) -> dict[str, Any]:
    details = payload.model_dump(mode="json")
    details.pop("case_id", None)
    if isinstance(payload, ReferralRefused | ReferralRefusedV2):
        details["reasons"] = [reason.code.value for reason in payload.reasons]
    elif isinstance(payload, ReferralStatusChanged):
        details["reason_code"] = closed_code(payload.reason_code, STATUS_REASONS)
    elif isinstance(payload, PartnerStatusReported):
        details["reason_code"] = closed_code(payload.reason_code, DECLINE_REASONS)
    return details


def timeline_entry(envelope: Envelope, payload: EventPayload) -> TimelineEntry:
    """The timeline entry of an event about a case (codes and ids only).

    Raises `PermanentEventError` when the event names no case."""
    subject = payload.envelope_subject()
    if subject is None:  # every timeline event type carries a case id; guard the table
        raise PermanentEventError(f"{envelope.type} names no case")
    return TimelineEntry(
        entry_id=uuid4(),
        case_id=UUID(subject),
        occurred_at=envelope.time,
        kind=TIMELINE_KINDS[envelope.type],
        # The timeline names services alike for records of both eras (URI and bare name).
        source=service_of(envelope.source),
        details=_details(payload),
        event_id=envelope.id,
    )


def consent_of(payload: ConsentGranted) -> ConsentFacts:
    """The granted consent as casefile's view stores it (not withdrawn)."""
    return ConsentFacts(
        consent_id=payload.consent_id,
        case_id=payload.case_id,
        partner_id=payload.partner_id,
        purposes=frozenset(payload.purposes),
        categories=frozenset(payload.data_categories),
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        withdrawn_at=None,
    )


def withdrawal_of(payload: ConsentWithdrawn) -> ConsentWithdrawal:
    """The withdrawal as casefile's view stores it."""
    return ConsentWithdrawal(payload.consent_id, payload.case_id, payload.partner_id,
                             payload.withdrawn_at)  # fmt: skip


def partner_of(payload: PartnerRegistered) -> PartnerFacts:
    """The directory's facts on a partner; an origin-country type marks it for good."""
    return PartnerFacts(
        partner_id=payload.partner_id,
        partner_type=payload.partner_type,
        active=payload.active,
        ever_origin_authority=payload.partner_type is PartnerType.AUTHORITY_ORIGIN,
        purposes=frozenset(payload.purposes),
        has_agreement=payload.agreement_valid_until is not None,
        agreement_valid_until=payload.agreement_valid_until,
    )


async def on_timeline_event(event: Event[EventPayload], uow: CasefileUow, deps: Deps) -> None:
    """Put an event about a case on its timeline (codes and ids only; once per event id)."""
    del deps
    await uow.timeline.add(timeline_entry(event.envelope, event.payload))


async def on_consent_granted(event: Event[ConsentGranted], uow: CasefileUow, deps: Deps) -> None:
    """Record the consent in casefile's view (the disclosure endpoint judges by it)."""
    del deps
    await uow.views.upsert_consent(consent_of(event.payload))
    await uow.timeline.add(timeline_entry(event.envelope, event.payload))


async def on_consent_withdrawn(
    event: Event[ConsentWithdrawn], uow: CasefileUow, deps: Deps
) -> None:
    """Record the withdrawal (even one seen before its grant: the grant then stays dead)."""
    del deps
    p = event.payload
    await uow.views.withdraw_consent(p.consent_id, p.case_id, p.partner_id, p.withdrawn_at)
    await uow.timeline.add(timeline_entry(event.envelope, event.payload))


async def on_partner_registered(
    event: Event[PartnerRegistered], uow: CasefileUow, deps: Deps
) -> None:
    """Update the partner view; an origin-country classification, once seen, stays."""
    del deps
    await uow.views.upsert_partner(partner_of(event.payload))


TIMELINE_EVENTS = (
    ReferralApproved.event_type,
    ReferralRefused.event_type,
    ReferralRefusedV2.event_type,
    ReferralRefusedV3.event_type,
    ReferralStatusChanged.event_type,
    ReferralStatusChangedV2.event_type,
    PartnerStatusReported.event_type,
    PartnerStatusReportedV2.event_type,
    MonitoringReported.event_type,
    DisclosureMade.event_type,
)
"""Event types that only add a timeline entry."""
