"""Events casefile applies from referral.events and partner.events: the dispatch table.

Timeline entries carry only the payload's codes and ids (events carry nothing personal);
an event already on the timeline (same envelope id) is not added twice.
"""

from typing import Any
from uuid import UUID

from hub_contracts import (
    ConsentGranted,
    ConsentWithdrawn,
    DisclosureMade,
    EventPayload,
    MonitoringReported,
    PartnerRegistered,
    PartnerStatusReported,
    ReferralApproved,
    ReferralRefused,
    ReferralRefusedV2,
    ReferralStatusChanged,
)
from hub_contracts.envelope import Envelope
from hub_runtime.consumer import EventHandler
from hub_runtime.errors import PermanentEventError
from hub_runtime.unit_of_work import UnitOfWork

from casefile import repository as repo
from casefile.domain.disclosure import ConsentView, PartnerView

TIMELINE_KINDS: dict[str, str] = {
    ReferralApproved.event_type: "referral_approved",
    # Both versions: v1 records may still be in the topic; v2 adds refused_at_review.
    ReferralRefused.event_type: "referral_refused",
    ReferralRefusedV2.event_type: "referral_refused",
    ReferralStatusChanged.event_type: "referral_status_changed",
    PartnerStatusReported.event_type: "partner_status_reported",
    MonitoringReported.event_type: "monitoring_reported",
    DisclosureMade.event_type: "disclosure_made",
    ConsentGranted.event_type: "consent_granted",
    ConsentWithdrawn.event_type: "consent_withdrawn",
}


def _details(payload: EventPayload) -> dict[str, Any]:
    details = payload.model_dump(mode="json")
    details.pop("case_id", None)
    return details


async def _add_to_timeline(uow: UnitOfWork, envelope: Envelope, payload: EventPayload) -> None:
    subject = payload.envelope_subject()
    if subject is None:  # every timeline event type carries a case id; guard the table
        raise PermanentEventError(f"{envelope.type} names no case")
    case_id = UUID(subject)
    await repo.add_timeline(
        uow.conn,
        case_id,
        kind=TIMELINE_KINDS[envelope.type],
        source=envelope.source,
        occurred_at=envelope.time,
        details=_details(payload),
        event_id=envelope.id,
    )


async def on_timeline_event(uow: UnitOfWork, envelope: Envelope, payload: EventPayload) -> None:
    await _add_to_timeline(uow, envelope, payload)


async def on_consent_granted(uow: UnitOfWork, envelope: Envelope, payload: ConsentGranted) -> None:
    consent = ConsentView(
        consent_id=payload.consent_id,
        case_id=payload.case_id,
        partner_id=payload.partner_id,
        purposes=frozenset(payload.purposes),
        categories=frozenset(payload.data_categories),
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
        withdrawn_at=None,
    )
    await repo.upsert_consent(uow.conn, consent)
    await _add_to_timeline(uow, envelope, payload)


async def on_consent_withdrawn(
    uow: UnitOfWork, envelope: Envelope, payload: ConsentWithdrawn
) -> None:
    await repo.withdraw_consent(
        uow.conn, payload.consent_id, payload.case_id, payload.partner_id, payload.withdrawn_at
    )
    await _add_to_timeline(uow, envelope, payload)


async def on_partner_registered(
    uow: UnitOfWork, envelope: Envelope, payload: PartnerRegistered
) -> None:
    del envelope
    partner = PartnerView(payload.partner_id, payload.partner_type, payload.active)
    await repo.upsert_partner(uow.conn, partner)


HANDLERS: dict[str, EventHandler] = {
    ConsentGranted.event_type: on_consent_granted,
    ConsentWithdrawn.event_type: on_consent_withdrawn,
    PartnerRegistered.event_type: on_partner_registered,
    **{
        event_type: on_timeline_event
        for event_type in (
            ReferralApproved.event_type,
            ReferralRefused.event_type,
            ReferralRefusedV2.event_type,
            ReferralStatusChanged.event_type,
            PartnerStatusReported.event_type,
            MonitoringReported.event_type,
            DisclosureMade.event_type,
        )
    },
}
