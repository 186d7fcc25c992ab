"""What casefile's routes answer, as typed models: the OpenAPI document describes the real bodies
(and a generated client parses them). The fields are exactly those the handlers return; a
model never adds or renames one (clients depend on the bodies)."""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from hub_contracts.vocabulary import (
    Decision,
    LocationType,
    ProcedureStage,
    Region,
    Vulnerability,
)
from pydantic import BaseModel, ConfigDict, Field

PERSON_DESCRIPTION = (
    "The person's data by category (identity, contact, household, medical_needs; a category"
    " never recorded is absent), decrypted for this read, which is logged"
)


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


class CaseRef(_Answer):
    """The case a change was made to."""

    case_id: UUID


class CaseValidated(_Answer):
    """A validate-only request passed every check of opening the case; nothing was written."""

    valid: Literal[True] = Field(description="Always true (a refusal answers the error)")


class CaseClosed(CaseRef):
    """A closed case: the retention period counts from ``closed_on``."""

    closed_on: date


class PersonErased(CaseRef):
    """The person's key is destroyed (crypto-shredding): nothing personal can be read again."""

    erased: bool = Field(description="Always true")


class Tombstone(CaseRef):
    """The trace an erasure leaves (no personal data)."""

    erased_at: datetime
    erased_by: str = Field(description="A staff login, or `retention`")
    reason: str = Field(description="`request` or `retention_period_ended`")


class AccessLogEntry(_Answer):
    """One read of the person's data."""

    accessor: str = Field(description="Login or service name of who read")
    role: str
    categories: list[str]
    why: str = Field(description="A code, e.g. `case_view` or `disclosure:<purpose>`")
    referral_id: UUID | None
    outcome: str = Field(description="`read`, `disclosed` or `refused:<rule>`")
    at: datetime


class AccessLog(_Answer):
    """Every read of the person's data in the case, in order."""

    items: list[AccessLogEntry]


class NextDeadline(_Answer):
    """A case's nearest upcoming deadline; ``days_left`` in calendar days from today."""

    deadline_id: UUID
    kind: str
    due_date: date
    days_left: int


class CaseListItem(_Answer):
    """An open case in the deadline list (no personal data)."""

    case_id: UUID
    stage: ProcedureStage
    region: Region
    location_type: LocationType
    next_deadline: NextDeadline | None


class CaseList(_Answer):
    """A page of open cases, the nearest upcoming deadline first."""

    items: list[CaseListItem]


class StageChangeEntry(_Answer):
    """A recorded stage change; ``decided_on`` is its current date (corrected or as recorded),
    ``originally_decided_on`` the date first recorded."""

    entry_id: UUID = Field(description="What a correction names")
    from_stage: str
    to_stage: str
    decided_on: date
    originally_decided_on: date
    recorded_by: str
    recorded_at: datetime


class DecisionEntry(_Answer):
    """A recorded decision; dates as in a stage change."""

    entry_id: UUID = Field(description="What a correction names")
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
    materials: list[str] = Field(
        description="Codes of `InformationMaterial`; a talk recorded before that list was closed"
        " may hold another code (text, not the enum, so that it stays readable) until the"
        " person is erased"
    )
    discussed_on: date
    recorded_by: str


class DeadlineEntry(_Answer):
    """A live deadline with its exact date (``due_at`` when it falls at a moment)."""

    deadline_id: UUID
    kind: str
    due_date: date
    due_at: datetime | None
    days_left: int


class TimelineEntry(_Answer):
    """One timeline entry; ``details`` holds codes, ids and dates only (a refusal's reasons as
    ``{"code", "text"}``); ``event_id`` is the applied event's, null for casefile's own."""

    entry_id: UUID
    occurred_at: datetime
    kind: str
    source: str
    event_id: UUID | None
    details: dict[str, Any]


class CaseView(_Answer):
    """A case with its history, deadlines and timeline; ``person`` is null for a role that
    does not see personal data (admin)."""

    case_id: UUID
    status: Literal["open", "closed"]
    country_of_origin: str
    region: Region
    location_type: LocationType
    stage: ProcedureStage
    vulnerabilities: list[Vulnerability]
    household_size: int
    has_minors: bool
    opened_on: date
    closed_on: date | None
    stage_history: list[StageChangeEntry]
    decisions: list[DecisionEntry]
    options_discussed: list[OptionsTalk]
    deadlines: list[DeadlineEntry]
    timeline: list[TimelineEntry]
    person: dict[str, dict[str, Any]] | None = Field(description=PERSON_DESCRIPTION)


class StageChanged(CaseRef):
    """The stage the case is now in."""

    stage: ProcedureStage


class DecisionRecorded(CaseRef):
    """The decision recorded."""

    decision: Decision


class DateCorrected(CaseRef):
    """A correction of a recorded date, kept beside the original entry."""

    correction_id: UUID
    entry_id: UUID
    decided_on: date


class BottleneckRecorded(CaseRef):
    """A recorded bottleneck."""

    bottleneck_id: UUID


class EffortRecorded(CaseRef):
    """A recorded own effort (dossier)."""

    effort_id: UUID


class DeadlineTracked(CaseRef):
    """A tracked deadline."""

    deadline_id: UUID


class DossierStage(_Answer):
    """A stage change as the dossier lists it (current date)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    from_stage: str = Field(alias="from")
    to_stage: str = Field(alias="to")
    decided_on: date


class DossierEffort(_Answer):
    """An own effort with its opened references and note (personal: a logged read)."""

    kind: str
    occurred_on: date
    authority: str
    outcome: str
    evidence_refs: list[str]
    note: str | None


class Dossier(_Answer):
    """The buitenschuld dossier as one document (the read is logged)."""

    case_id: UUID
    generated_on: date
    person: dict[str, Any] = Field(description="The identity category of the person")
    country_of_origin: str
    stage: ProcedureStage
    stage_history: list[DossierStage]
    efforts: list[DossierEffort]


class Disclosure(_Answer):
    """The consented categories of a case (personal data, decrypted for the gateway)."""

    case_id: UUID
    categories: dict[str, dict[str, Any]]


class NewestEvent(_Answer):
    """The envelope id of the newest committed event of the case among the types asked."""

    event_id: UUID | None
