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

from pydantic import ConfigDict, Field

from hub_client.model_bases import _Answer, _Body
from hub_client.referral_models import (
    ConsentEvidence as ConsentEvidence,
)
from hub_client.referral_models import (
    ConsentOut as ConsentOut,
)
from hub_client.referral_models import (
    EvidenceOut as EvidenceOut,
)
from hub_client.referral_models import (
    GrantConsent as GrantConsent,
)
from hub_client.referral_models import (
    ReferralOut as ReferralOut,
)
from hub_client.referral_models import (
    RefusalReason as RefusalReason,
)
from hub_client.referral_models import (
    RequestReferral as RequestReferral,
)
from hub_client.referral_models import (
    ReviewOut as ReviewOut,
)
from hub_client.referral_models import (
    ReviewReferral as ReviewReferral,
)
from hub_client.referral_models import (
    TransitionOut as TransitionOut,
)

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
    not_the_person_of: list[UUID] = Field(default_factory=list)  # checked namesakes' case ids


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


class ErrorBody(_Answer):
    """The hub's one error shape: a stable code, a sentence, one reason per fault (``field.path:
    what is wrong``) for invalid input. A 409 may add ids beside them (kept in `extra`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    error: str
    detail: str
    reasons: list[str]
