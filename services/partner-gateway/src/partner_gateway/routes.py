"""The gateway's one route table: command class -> handler, event type -> handler, and the
batch route the consumer's fast path uses (`partner_gateway.handlers.batch`).

A new use case is one handler (`partner_gateway.handlers`) and one line here (an event type the
batch route does not gather goes through its event route, in its turn).
"""

from __future__ import annotations

from typing import Any

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
from hub_runtime.batches import batch_route
from hub_runtime.bus import CommandHandler, EventRoute, Message, MessageBus, Routes

from partner_gateway import messages as m
from partner_gateway import staff_messages as sm
from partner_gateway.deps import Deps
from partner_gateway.handlers import (
    credentials,
    directory,
    disclosure,
    notices,
    referrals,
    reports,
    staff,
    staff_security,
    views,
    webhooks,
)
from partner_gateway.handlers.batch import Run as BatchRun
from partner_gateway.unit_of_work import GatewayUnitOfWork

COMMANDS: dict[type[Message[Any]], CommandHandler[GatewayUnitOfWork, Deps]] = {
    m.RegisterWebhook: webhooks.register_webhook,
    m.CreateClient: credentials.create_client,
    m.RotateClientSecret: credentials.rotate_secret,
    m.RevokeClient: credentials.revoke_client,
    m.ListClients: credentials.list_clients,
    m.ExchangeToken: credentials.exchange_token,
    m.AdmitPartner: credentials.admit_partner,
    m.CheckDisclosure: disclosure.check_disclosure,
    m.RecordDisclosure: disclosure.record_disclosure,
    m.ReportStatus: reports.report_status,
    m.ReportMonitoring: reports.report_monitoring,
    m.AcknowledgeNotice: reports.acknowledge_notice,
    m.ReadInbox: views.read_inbox,
    m.DeliveryLog: views.delivery_log,
    m.DisclosureLog: views.disclosure_log,
    m.NoticeListing: views.notice_listing,
    m.ReadPortalOverview: views.portal_overview,
    m.InviteStaff: staff.invite_staff,
    m.RevokeStaff: staff.revoke_staff,
    m.ListStaff: staff.list_staff,
    m.ActivateStaff: staff.activate_staff,
    m.SignIn: staff.sign_in,
    m.ResolveSession: staff.resolve_session,
    m.SignOut: staff.sign_out,
    sm.IssuePasswordReset: staff_security.issue_password_reset,
    sm.ResetPassword: staff_security.reset_password,
    sm.ResetSecondFactor: staff_security.reset_second_factor,
    sm.StartEnrolment: staff_security.start_enrolment,
    sm.ConfirmEnrolment: staff_security.confirm_enrolment,
    sm.VerifySecondFactor: staff_security.verify_second_factor,
    sm.ReadStaffAudit: staff_security.read_staff_audit,
    sm.ResealFactors: staff_security.reseal_factors,
}

EVENTS: dict[str, EventRoute[GatewayUnitOfWork, Deps]] = {
    PartnerRegistered.event_type: directory.on_partner_registered,
    ConsentGranted.event_type: directory.on_consent_granted,
    CaseOpened.event_type: directory.on_case_opened,
    ProcedureStageChanged.event_type: directory.on_stage_changed,
    CaseClosed.event_type: directory.on_case_closed,
    ReferralApproved.event_type: referrals.on_referral_approved,
    ConsentWithdrawn.event_type: notices.on_consent_withdrawn,
    PersonErased.event_type: notices.on_person_erased,
    # Old records stay readable; referral switches its producer to v2.
    ReferralStatusChanged.event_type: notices.on_status_changed_v1,
    ReferralStatusChangedV2.event_type: notices.on_status_changed_v2,
}

ROUTES: Routes[GatewayUnitOfWork, Deps] = Routes(
    commands=COMMANDS, events=EVENTS, batch=batch_route(EVENTS, BatchRun)
)

GatewayBus = MessageBus[GatewayUnitOfWork, Deps]
"""The gateway's message bus (the API builds one on PostgreSQL; tests on the fakes)."""
