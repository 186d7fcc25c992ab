"""The referral service's one route table: message class or event type -> handler, and the
batch route of the event consumer's fast path.

A new use case is a handler (`referral.handlers`), a line here and its tests; a new event it
publishes also needs its contract revision (`hub_contracts`, contracts/README.md).
"""

from __future__ import annotations

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
from hub_runtime.batches import batch_route
from hub_runtime.bus import (
    BoundBatchHandler,
    BoundEventHandler,
    EventRoute,
    Routes,
    bind_batch,
    bind_events,
)

from referral.deps import Deps
from referral.handlers import (
    batch,
    case_events,
    consents,
    directory,
    expiry,
    hsds_import,
    partner_events,
    referrals,
    review,
)
from referral.messages import (
    AddPartner,
    DecideReview,
    ExpireUnanswered,
    ImportOrganizations,
    RecordConsent,
    ReevaluateLapsed,
    ReferCase,
    ReplacePartner,
    RewrapKeys,
    WithdrawConsent,
)
from referral.unit_of_work import ReferralUnitOfWork

CONSUMES: tuple[Topic, ...] = (Topic.CASEFILE_EVENTS, Topic.PARTNER_EVENTS)
PUBLISHES: tuple[Topic, ...] = (Topic.REFERRAL_EVENTS,)

EVENTS: dict[str, EventRoute[ReferralUnitOfWork, Deps]] = {
    CaseOpened.event_type: case_events.on_case_opened,
    ProcedureStageChanged.event_type: case_events.on_stage_changed,
    DecisionRecorded.event_type: case_events.on_decision_recorded,
    CaseClosed.event_type: case_events.on_case_closed,
    PersonErased.event_type: case_events.on_person_erased,
    ReferralDelivered.event_type: partner_events.on_referral_delivered,
    # Both versions of a partner's report: v1 records may still be in the topic.
    PartnerStatusReported.event_type: partner_events.on_partner_status,
    PartnerStatusReportedV2.event_type: partner_events.on_partner_status,
    DisclosureMade.event_type: partner_events.on_disclosure_made,
}

ROUTES: Routes[ReferralUnitOfWork, Deps] = Routes(
    commands={
        AddPartner: directory.register_partner,
        ReplacePartner: directory.update_partner,
        ImportOrganizations: hsds_import.import_organizations,
        RecordConsent: consents.grant_consent,
        WithdrawConsent: consents.withdraw_consent,
        ReferCase: referrals.request_referral,
        DecideReview: review.review_referral,
        ExpireUnanswered: expiry.expire_unanswered,
        RewrapKeys: expiry.rewrap_keys,
        ReevaluateLapsed: expiry.reevaluate_lapsed,
    },
    events=EVENTS,
    batch=batch_route(EVENTS, batch.Run),
)


def event_handlers(deps: Deps) -> dict[str, BoundEventHandler]:
    """``ROUTES.events`` as the runtime's event consumer calls them (``handler(uow, envelope,
    payload)``, in the definition's unit of work: a `PostgresUnitOfWork`)."""
    return bind_events(ROUTES, deps)


def batch_handler(deps: Deps) -> BoundBatchHandler | None:
    """``ROUTES.batch`` as the runtime's event consumer calls it on its fast path
    (``batch(uow, [(envelope, payload), ...])``, `referral.handlers.batch`)."""
    return bind_batch(ROUTES, deps)
