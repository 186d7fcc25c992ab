"""Words for the closed codes and the refusals the portal shows (marked for extraction with
``N_``; translated when rendered). A code without a label is shown as it is."""

from __future__ import annotations

from hub_contracts import (
    DataCategory,
    DeclineReason,
    MonitoringOutcome,
    NoticeKind,
    PartnerReportedStatus,
    Purpose,
)


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional marker name)
    """Mark ``message`` for extraction; it is translated when shown."""
    return message


STATUS = {
    "approved": N_("New"),
    "delivered": N_("New"),
    PartnerReportedStatus.ACCEPTED: N_("Accepted"),
    PartnerReportedStatus.DECLINED: N_("Declined"),
    PartnerReportedStatus.IN_PROGRESS: N_("In progress"),
    PartnerReportedStatus.DEPARTED: N_("Departed"),
    PartnerReportedStatus.ARRIVED: N_("Arrived"),
    PartnerReportedStatus.REINTEGRATION_MILESTONE: N_("Reintegration step reached"),
    PartnerReportedStatus.COMPLETED: N_("Completed"),
    "suspended": N_("Paused"),
    "withdrawn": N_("Withdrawn"),
    "expired": N_("Expired"),
}

PROGRESS = [
    PartnerReportedStatus.IN_PROGRESS,
    PartnerReportedStatus.DEPARTED,
    PartnerReportedStatus.ARRIVED,
    PartnerReportedStatus.REINTEGRATION_MILESTONE,
    PartnerReportedStatus.COMPLETED,
]
"""The reports after an acceptance, in the order they usually come."""

DECLINE = {
    DeclineReason.NO_CAPACITY: N_("No capacity"),
    DeclineReason.OUTSIDE_SERVICE_AREA: N_("Outside our service area"),
    DeclineReason.SERVICE_NOT_OFFERED: N_("We do not offer this service"),
    DeclineReason.NOT_ELIGIBLE: N_("The person is not eligible"),
    DeclineReason.PERSON_NOT_REACHABLE: N_("We cannot reach the person"),
    DeclineReason.PERSON_NO_LONGER_INTERESTED: N_("The person is no longer interested"),
    DeclineReason.DUPLICATE_REFERRAL: N_("Duplicate referral"),
    DeclineReason.SAFETY_CONCERN: N_("Safety concern"),
    DeclineReason.OTHER: N_("Other reason"),
}

OUTCOME = {
    MonitoringOutcome.REINTEGRATION_STEP: N_("A reintegration step was taken"),
    MonitoringOutcome.PROBLEMS_WITH_AUTHORITIES: N_("Problems with the authorities"),
    MonitoringOutcome.PROBLEMS_WITH_THIRD_PARTIES: N_("Problems with other people or groups"),
    MonitoringOutcome.SAFETY_CONCERN: N_("Safety concern"),
    MonitoringOutcome.NO_PROBLEMS: N_("No problems"),
}

NOTICE = {
    NoticeKind.WITHDRAWAL: N_("Withdrawn: stop work and delete the data"),
    NoticeKind.ERASURE: N_("Person erased: delete all data"),
    NoticeKind.SUSPENSION: N_("Paused: do not act for now"),
    NoticeKind.RESUMPTION: N_("Resumed: you may act again"),
}

PURPOSE = {
    Purpose.RETURN_COUNSELLING: N_("Return counselling"),
    Purpose.TRAVEL_DOCUMENTS: N_("Travel documents"),
    Purpose.REINTEGRATION_SUPPORT: N_("Reintegration support"),
    Purpose.POST_RETURN_MONITORING: N_("Post-return monitoring"),
    Purpose.ANONYMOUS_REPORTING: N_("Anonymous reporting"),
}

CATEGORY = {
    DataCategory.IDENTITY: N_("Identity"),
    DataCategory.CONTACT: N_("Contact"),
    DataCategory.HOUSEHOLD: N_("Household"),
    DataCategory.MEDICAL_NEEDS: N_("Medical needs"),
    DataCategory.VULNERABILITIES: N_("Vulnerabilities"),
    DataCategory.TRAVEL_DOCUMENTS: N_("Travel documents"),
    DataCategory.CASE_HISTORY: N_("Case history"),
}

LEGAL_BASIS = {
    "consent_gdpr_6_1_a": N_("Consent (GDPR article 6(1)(a))"),
    "explicit_consent_gdpr_49_1_a": N_("Explicit consent to a transfer (GDPR article 49(1)(a))"),
}

FIELD = {
    "name": N_("Name"),
    "date_of_birth": N_("Date of birth"),
    "languages": N_("Languages"),
    "phone": N_("Phone"),
    "members": N_("Household members"),
    "relation": N_("Relation"),
    "medical_needs": N_("Medical needs"),
}

ERROR = {
    "bad_sign_in": N_("The e-mail address or the password is not right."),
    "session_expired": N_("Your session has ended. Please sign in again."),
    "too_many_attempts": N_("Too many attempts. Please wait a minute and try again."),
    "csrf_failed": N_("This form has expired. Please try again."),
    "invitation_invalid": N_("This invitation is not valid any more. Ask for a new one."),
    "weak_password": N_("The password must have 12 to 128 characters."),
    "passwords_differ": N_("The two passwords are not the same."),
    "form_invalid": N_("Please check the form: a choice is missing or not valid."),
    "not_found": N_("This referral or notice is not yours, or it does not exist."),
    "impossible_transition": N_("This report cannot follow the referral's current status."),
    "referral_suspended": N_("This referral is paused. Wait for the council to resume it."),
    "partner_origin_authority": N_("Your organisation may not use the portal."),
    "partner_unknown": N_("Your organisation is not in the council's directory."),
    "upstream_unavailable": N_("The council's case file is not available. Try again later."),
    "idempotency_in_progress": N_("The same form is being handled. Wait a moment."),
    # The page's form sent again with other choices (its key, ``idem``, is the page's): the
    # first one counted (the sixth trial: it read "The request was refused.").
    "idempotency_key_reused": N_(
        "This form was already sent, with other choices: nothing more was done."
        " Open the page again to send a new one."
    ),
    # A 410 of its own (the gate's code tells erasure from withdrawal, expiry and closing):
    # the sixth trial read the withdrawn-or-expired sentence. No personal data in it.
    "person_erased": N_("This referral has ended: the person's data has been erased."),
    "bad_code": N_("The code is not right. Enter the code your app shows now."),
    "enrolment_missing": N_("No second factor is being set up. Start again."),
    "reset_invalid": N_("This reset link is not valid any more. Ask for a new one."),
    "lead_only": N_("Only your organisation's lead can manage its staff."),
    "staff_not_found": N_("This account is not in your organisation, or it does not exist."),
    "staff_exists": N_("This e-mail address has an account already."),
    "staff_not_active": N_("This account is revoked or has not set a password yet."),
    "own_account": N_("You cannot revoke your own account."),
    "email_invalid": N_("Please enter a valid e-mail address."),
    # What the edge or the router refuses under /portal (hub_runtime.edge_pages).
    "page_not_found": N_("This page does not exist. Check the address."),
    "method_not_allowed": N_("This page cannot be used this way. Use its links and forms."),
    "payload_too_large": N_("What you sent is too large."),
    "duplicate_field": N_("The form has a field twice. Use the page's own form and send it again."),
    "query_parameter_repeated": N_(
        "The address has the same part twice. Open the link as you received it, or use the"
        " portal's own links."
    ),
    "uri_too_long": N_("This address is too long."),
    "headers_too_large": N_(
        "Your browser sent too much with this request (often too many cookies)."
        " Delete this site's cookies and try again."
    ),
    "unsupported_media_type": N_("The form was sent in a way the portal does not accept."),
    "unsupported_content_encoding": N_("The form was sent in a way the portal does not accept."),
    "request_timeout": N_("The form took too long to arrive. Please try again."),
    "overloaded": N_("The portal is busy. Please try again in a moment."),
}

ROLE = {"member": N_("Staff member"), "lead": N_("Lead")}
GONE = N_("This referral has ended: the consent was withdrawn or has expired, or it was closed.")
REFUSED = N_("The council's rules do not allow this now.")
GENERIC = N_("The request was refused.")
