"""The bodies the client sends and the answers it reads, mirroring the services' OpenAPI
components of the same names (casefile's and referral's `/openapi.json`).

Written by hand, thinly: codes are plain strings (the services own the vocabularies and refuse
an unknown code with a 422 the client raises as `HubError`). `hub_client_tests/
test_models_match_documents.py` compares every model with the component of its name in the
RUNNING services' documents (same properties, same required ones): a change on either side
fails a test. Request bodies refuse unknown fields; answers ignore fields added later.
"""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# -- casefile: request bodies --------------------------------------------------------------


class HouseholdMemberIn(_Body):
    """A household member: ``relation`` child, partner, parent, sibling or other."""

    relation: str
    name: str | None = None
    date_of_birth: date


class PersonIn(_Body):
    """The person's own data (stored encrypted by casefile); ``languages``: ISO 639 codes."""

    name: str
    date_of_birth: date
    phone: str | None = None
    languages: list[str] = Field(default_factory=list)
    medical_needs: str | None = None


class OpenCase(_Body):
    """Open a case (``POST /cases``): codes as in the hub's vocabulary (region, location type,
    procedure stage, vulnerabilities); ``country_of_origin`` ISO 3166-1 alpha-2."""

    person: PersonIn
    household: list[HouseholdMemberIn] = Field(default_factory=list)
    country_of_origin: str
    region: str
    location_type: str
    stage: str
    vulnerabilities: list[str] = Field(default_factory=list)
    final_decision_on: date | None = None
    departure_period_shortened: bool = False


class ChangeStage(_Body):
    """A procedure stage change on ``decided_on``."""

    to_stage: str
    decided_on: date
    departure_period_shortened: bool = False


class RecordDecision(_Body):
    """The person's own decision (a code, e.g. ``independent_return``) on ``decided_on``."""

    decision: str
    decided_on: date


class RecordBottleneck(_Body):
    """A bottleneck (a closed category) seen on ``observed_on``."""

    category: str
    observed_on: date


class RecordOptions(_Body):
    """The return options discussed (1-4 codes), in which language, the materials given."""

    options: list[str]
    language: str
    interpreter_used: bool
    materials: list[str] = Field(default_factory=list)
    discussed_on: date


class CorrectRecordedDate(_Body):
    """The correct date of a recorded decision or stage change (``entry_id`` from the case)."""

    entry_id: UUID
    decided_on: date
    reason: str


class ScheduleExtension(_Body):
    """Track an extension of the departure period: 1-12 ``weeks``, only while the person
    cooperates with return (casefile answers 422 ``no_departure_period`` / ``deadline_rule``)."""

    kind: Literal["extension"]
    weeks: int
    cooperating: bool


class ScheduleEntryBan(_Body):
    """Track the end of an entry ban: ``years`` (normally 2) from ``starts_on``, the departure."""

    kind: Literal["entry_ban_end"]
    starts_on: date
    years: int = 2


class ScheduleFamilyDetention(_Body):
    """Track the 14-day limit of a family's detention from ``detained_at`` (timezone-aware)."""

    kind: Literal["family_detention_limit"]
    detained_at: datetime


# The body of ``POST /cases/{id}/deadlines``: one of three kinds (``kind`` tells which).
ScheduleDeadline = ScheduleExtension | ScheduleEntryBan | ScheduleFamilyDetention


# -- casefile: answers ---------------------------------------------------------------------


class CaseRef(_Answer):
    """The case a change was made to."""

    case_id: UUID


class CaseValidated(_Answer):
    """A validate-only request passed every check; nothing was written."""

    valid: bool


class StageChanged(CaseRef):
    """The stage the case is now in."""

    stage: str


class DecisionRecorded(CaseRef):
    """The decision recorded."""

    decision: str


class BottleneckRecorded(CaseRef):
    """A recorded bottleneck."""

    bottleneck_id: UUID


class DateCorrected(CaseRef):
    """A correction kept beside the original entry."""

    correction_id: UUID
    entry_id: UUID
    decided_on: date


class DeadlineTracked(CaseRef):
    """A tracked deadline (its date: `CaseView.deadlines`)."""

    deadline_id: UUID


class PersonErased(CaseRef):
    """The person's key was destroyed (crypto-shredding); ``erased`` is always true."""

    erased: bool


class Tombstone(CaseRef):
    """The trace an erasure leaves: when, who (a staff login or ``retention``), why."""

    erased_at: datetime
    erased_by: str
    reason: str


class StageChangeEntry(_Answer):
    """A recorded stage change (``decided_on`` as corrected, if it was)."""

    entry_id: UUID
    from_stage: str
    to_stage: str
    decided_on: date
    originally_decided_on: date
    recorded_by: str
    recorded_at: datetime


class DecisionEntry(_Answer):
    """A recorded decision."""

    entry_id: UUID
    decision: str
    decided_on: date
    originally_decided_on: date
    recorded_by: str
    recorded_at: datetime


class OptionsTalk(_Answer):
    """A talk about the person's options (codes only)."""

    options: list[str]
    language: str
    interpreter_used: bool
    materials: list[str]
    discussed_on: date
    recorded_by: str


class DeadlineEntry(_Answer):
    """A live deadline; ``days_left`` in calendar days from today."""

    deadline_id: UUID
    kind: str
    due_date: date
    due_at: datetime | None
    days_left: int


class TimelineEntry(_Answer):
    """One timeline entry (``details``: codes, ids and dates only)."""

    entry_id: UUID
    occurred_at: datetime
    kind: str
    source: str
    event_id: UUID | None
    details: dict[str, Any]


class CaseView(_Answer):
    """A case with its history; ``person`` (by data category) is null for a role that does not
    see personal data."""

    case_id: UUID
    status: str
    country_of_origin: str
    region: str
    location_type: str
    stage: str
    vulnerabilities: list[str]
    household_size: int
    has_minors: bool
    opened_on: date
    closed_on: date | None
    stage_history: list[StageChangeEntry]
    decisions: list[DecisionEntry]
    options_discussed: list[OptionsTalk]
    deadlines: list[DeadlineEntry]
    timeline: list[TimelineEntry]
    person: dict[str, dict[str, Any]] | None


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


class ErrorBody(_Answer):
    """The hub's one error shape: a stable code, a sentence, one reason per fault (``field.path:
    what is wrong``) for invalid input. A 409 may add ids beside them (kept in `extra`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    error: str
    detail: str
    reasons: list[str]
