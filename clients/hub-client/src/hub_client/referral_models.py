"""The referral service's bodies and answers as the client mirrors them (see `hub_client.models`,
which re-exports them: one place to import from, and one test that checks them all)."""

from datetime import date, datetime
from uuid import UUID

from hub_client.model_bases import _Answer, _Body

# -- referral: request bodies --------------------------------------------------------------


class ConsentEvidence(_Body):
    """How the consent was taken (references and codes, never free text)."""

    form_reference: str
    language: str
    interpreter_used: bool
    interpreter_reference: str | None = None
    taken_by: str
    taken_at: datetime
    informed_transfer_outside_eu: bool


class GrantConsent(_Body):
    """The person's consent for one partner, purposes and data categories, ``valid_from`` to
    ``valid_until`` inclusive."""

    partner_id: UUID
    purposes: list[str]
    data_categories: list[str]
    valid_from: date
    valid_until: date
    evidence: ConsentEvidence


class RequestReferral(_Body):
    """Ask for a referral of the case to one partner for one purpose."""

    partner_id: UUID
    purpose: str
    data_categories: list[str]


class ReviewReferral(_Body):
    """A coordinator's review of a referral in ``review``: ``decision`` ``approve``,
    ``override`` (the rules a coordinator may set aside; audited) or ``refuse``, with the
    written ``reason`` (10+ characters; kept sealed in the audit, never on Kafka)."""

    decision: str
    reason: str


# -- referral: answers ---------------------------------------------------------------------


class EvidenceOut(_Answer):
    """A consent's evidence as read back (references null once gone, and why)."""

    form_reference: str | None
    language: str
    interpreter_used: bool
    interpreter_reference: str | None
    references_removed: str | None
    taken_by: str
    taken_at: datetime
    informed_transfer_outside_eu: bool


class ConsentOut(_Answer):
    """A consent with its evidence."""

    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    purposes: list[str]
    data_categories: list[str]
    valid_from: date
    valid_until: date
    evidence: EvidenceOut
    withdrawn_at: datetime | None
    withdrawn_by: str | None


class RefusalReason(_Answer):
    """A refusal reason: its code and the sentence for the counsellor."""

    code: str
    text: str


class TransitionOut(_Answer):
    """One status change of a referral."""

    from_status: str | None
    to_status: str
    reason_code: str | None
    at: datetime


class ReviewOut(_Answer):
    """A coordinator's review."""

    decision: str
    overridden_codes: list[str]
    reason: str | None
    reason_removed: str | None
    reviewed_by: str
    reviewed_at: datetime


class ReferralOut(_Answer):
    """A referral: status, every refusal reason, history and review."""

    referral_id: UUID
    case_id: UUID
    partner_id: UUID
    purpose: str
    data_categories: list[str]
    consent_id: UUID | None
    status: str
    refusal_reasons: list[RefusalReason]
    review_points: list[RefusalReason]
    status_reason: str | None
    requested_by: str
    requested_at: datetime
    approved_at: datetime | None
    status_changed_at: datetime
    history: list[TransitionOut]
    review: ReviewOut | None
