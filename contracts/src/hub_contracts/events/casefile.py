"""Events published by the casefile service on ``casefile.events.v1``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints

from hub_contracts.base import EventPayload
from hub_contracts.events._fields import CaseId
from hub_contracts.registry import register
from hub_contracts.topics import Topic
from hub_contracts.vocabulary import (
    BottleneckCategory,
    CountryCode,
    DeadlineKind,
    Decision,
    LocationType,
    ProcedureStage,
    Region,
    ReturnOption,
    Vulnerability,
)

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]


class _CasefileEvent(EventPayload):
    topic: ClassVar[Topic] = Topic.CASEFILE_EVENTS


@register
class CaseOpened(_CasefileEvent):
    """A case was opened; coarse, non-identifying facts only."""

    event_type: ClassVar[str] = "council.casefile.CaseOpened.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    country_of_origin: CountryCode = Field(description="ISO 3166-1 alpha-2 country of origin.")
    region: Region = Field(description="Coarse Dutch region where the person stays.")
    household_size: int = Field(ge=1, description="Number of people in the household.")
    has_minors: bool = Field(description="Whether the household includes minors.")
    vulnerabilities: list[Vulnerability] = Field(description="Vulnerability flags; may be empty.")
    location_type: LocationType = Field(description="Kind of place the person stays.")
    stage: ProcedureStage = Field(description="Procedure stage when the case was opened.")


@register
class ProcedureStageChanged(_CasefileEvent):
    """The procedure moved to another stage (e.g. an appeal was decided)."""

    event_type: ClassVar[str] = "council.casefile.ProcedureStageChanged.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    from_stage: ProcedureStage = Field(description="Stage before the change.")
    to_stage: ProcedureStage = Field(description="Stage after the change.")
    decided_on: date = Field(description="Date of the decision that changed the stage.")


class DeadlineEvent(_CasefileEvent):
    """Shared shape of the three deadline events (not an event type itself)."""

    case_id: CaseId
    deadline_id: UUID = Field(description="Id of the tracked deadline.")
    kind: DeadlineKind = Field(description="Which time limit this is.")
    due_date: date = Field(description="Day the time limit ends.")
    days_left: int = Field(description="Days from the event's day to due_date; negative if past.")


@register
class DeadlineScheduled(DeadlineEvent):
    """A time limit starts being tracked."""

    event_type: ClassVar[str] = "council.casefile.DeadlineScheduled.v1"
    schema_version: ClassVar[int] = 1


@register
class DeadlineApproaching(DeadlineEvent):
    """A tracked time limit is near (reminder threshold reached)."""

    event_type: ClassVar[str] = "council.casefile.DeadlineApproaching.v1"
    schema_version: ClassVar[int] = 1


@register
class DeadlinePassed(DeadlineEvent):
    """A tracked time limit has passed."""

    event_type: ClassVar[str] = "council.casefile.DeadlinePassed.v1"
    schema_version: ClassVar[int] = 1


@register
class OptionsDiscussed(_CasefileEvent):
    """A counsellor discussed options with the person (no content of the talk)."""

    event_type: ClassVar[str] = "council.casefile.OptionsDiscussed.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    options: list[ReturnOption] = Field(min_length=1, description="Options that were discussed.")
    language: LanguageCode = Field(description="ISO 639-1 (or 639-3) code of the language used.")
    interpreter_used: bool = Field(description="Whether an interpreter took part.")


@register
class DecisionRecorded(_CasefileEvent):
    """The person's own decision was recorded."""

    event_type: ClassVar[str] = "council.casefile.DecisionRecorded.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    decision: Decision = Field(description="The option the person chose, or undecided.")
    decided_on: date = Field(description="Day the decision was recorded.")


@register
class BottleneckObserved(_CasefileEvent):
    """A bottleneck seen in this case, passed on for (anonymous, aggregated) advocacy."""

    event_type: ClassVar[str] = "council.casefile.BottleneckObserved.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    bottleneck_id: UUID = Field(description="Id of this observation.")
    category: BottleneckCategory = Field(description="Bottleneck category (domain taxonomy).")
    stage: ProcedureStage = Field(description="Procedure stage when observed.")
    region: Region = Field(description="Coarse Dutch region.")
    location_type: LocationType = Field(description="Kind of place the person stays.")
    observed_on: date = Field(description="Day the bottleneck was observed.")
    country_of_origin: CountryCode = Field(description="ISO 3166-1 alpha-2 country of origin.")


@register
class CaseClosed(_CasefileEvent):
    """The council's work on the case ended."""

    event_type: ClassVar[str] = "council.casefile.CaseClosed.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    closed_on: date = Field(description="Day the case was closed.")


@register
class PersonErased(_CasefileEvent):
    """The person's personal data was erased; every service forgets what it holds."""

    event_type: ClassVar[str] = "council.casefile.PersonErased.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    erased_at: AwareDatetime = Field(description="When the erasure took effect.")
