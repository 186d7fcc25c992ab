"""The one route table of signals: command class -> handler, event type -> handler, and the
batch route the consumer's fast path uses.

A new use case is one handler (`signals.handlers`), one line here, its contract revision if it
publishes, and its tests (see the README's "Layout").
"""

from typing import Any

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
    Topic,
)
from hub_runtime.batches import batch_route
from hub_runtime.bus import CommandHandler, EventRoute, Message, Routes

from signals import messages as m
from signals.deps import Deps
from signals.handlers import door, events, provider_sign_in, publishing, reading, staff
from signals.unit_of_work import SignalsUnitOfWork

CONSUMES = (Topic.CASEFILE_EVENTS, Topic.REFERRAL_EVENTS, Topic.PARTNER_EVENTS)
PUBLISHES = (Topic.SIGNALS_PUBLISHED,)

COMMANDS: dict[type[Message[Any]], CommandHandler[SignalsUnitOfWork, Deps]] = {
    m.ListTables: reading.list_tables,
    m.ListPublishedPeriods: reading.list_published_periods,
    m.ReadRelease: reading.read_release,
    m.ReadTable: reading.read_table,
    m.ReadCrosstab: reading.read_crosstab,
    m.CountContributions: reading.count_contributions,
    m.PublishPeriod: publishing.publish_period,
    m.ListDuePeriods: publishing.list_due_periods,
    m.CreateStaffAccount: staff.create_staff_account,
    m.SignIn: staff.sign_in,
    m.OpenSession: staff.open_session,
    m.SignOut: staff.sign_out,
    m.StartProviderSignIn: provider_sign_in.start_provider_sign_in,
    m.TakeProviderSignIn: provider_sign_in.take_provider_sign_in,
    m.OpenProviderSession: provider_sign_in.open_provider_session,
}

EVENTS: dict[str, EventRoute[SignalsUnitOfWork, Deps]] = {
    BottleneckObserved.event_type: events.on_bottleneck_observed,
    # Every version of each type: older records may still be in the topics.
    DeadlinePassed.event_type: events.on_deadline_passed_v1,
    DeadlinePassedV2.event_type: events.on_deadline_passed_v2,
    ReferralRefused.event_type: events.on_referral_refused_v1_v2,
    ReferralRefusedV2.event_type: events.on_referral_refused_v1_v2,
    ReferralRefusedV3.event_type: events.on_referral_refused_v3,
    ConsentGranted.event_type: events.on_consent_granted,
    ConsentWithdrawn.event_type: events.on_consent_withdrawn,
    PersonErased.event_type: events.on_person_erased,
    ReferralApproved.event_type: events.on_referral_approved,
    PartnerStatusReported.event_type: events.on_partner_status_reported_v1,
    PartnerStatusReportedV2.event_type: events.on_partner_status_reported_v2,
    MonitoringReported.event_type: events.on_monitoring_reported,
}

ROUTES: Routes[SignalsUnitOfWork, Deps] = Routes(
    commands=COMMANDS, events=EVENTS, batch=batch_route(EVENTS, door.Run)
)
