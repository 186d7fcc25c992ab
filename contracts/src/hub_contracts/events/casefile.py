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
    DateCorrectionReason,
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


# v1 of the deadline events carries ``due_date``; for a family-location end that is a child's
# 18th birthday on a topic that erasure cannot clean. Casefile emits only v2 (below); v1 stays
# registered so that records already in the topic still decode.
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


class DeadlineEventV2(_CasefileEvent):
    """Shared shape of the three v2 deadline events (not an event type itself).

    No date at all: for ``family_location_end`` the due date is the youngest child's 18th
    birthday, personal data that an erasure could not take back out of a topic. Whoever needs
    the date asks casefile's HTTP API; a consumer that needs timing has the event's time.
    """

    case_id: CaseId
    deadline_id: UUID = Field(description="Id of the tracked deadline.")
    kind: DeadlineKind = Field(description="Which time limit this is.")


@register
class DeadlineScheduledV2(DeadlineEventV2):
    """A time limit starts being tracked (no due date, no days left: with the event's time
    either would give the date, which may be a child's 18th birthday)."""

    event_type: ClassVar[str] = "council.casefile.DeadlineScheduled.v2"
    schema_version: ClassVar[int] = 1


@register
class DeadlineApproachingV2(DeadlineEventV2):
    """A tracked time limit is near (reminder threshold reached)."""

    event_type: ClassVar[str] = "council.casefile.DeadlineApproaching.v2"
    schema_version: ClassVar[int] = 1

    days_left: int = Field(
        ge=0,
        le=7,
        description=(
            "Whole days (Europe/Amsterdam) from the event's day to the end of the time limit. "
            "Only inside the 7-day reminder window: a larger value would point at a far-away "
            "date such as a child's 18th birthday."
        ),
    )


@register
class DeadlineApproachingV3(DeadlineEventV2):
    """A tracked time limit ends within the week that begins at the event's time.

    Published only by casefile's weekly run, whose event time is the start of the week (Monday
    00:00 Europe/Amsterdam): neither the moment of publication nor the payload tells the day.
    Supersedes v2, whose ``days_left`` counted from the event's day and so gave the day (for a
    family-location end, the youngest child's 18th birthday).
    """

    event_type: ClassVar[str] = "council.casefile.DeadlineApproaching.v3"
    schema_version: ClassVar[int] = 1


@register
class DeadlinePassedV2(DeadlineEventV2):
    """A tracked time limit has passed (the event's time says when it was noticed)."""

    event_type: ClassVar[str] = "council.casefile.DeadlinePassed.v2"
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
class DecisionDateCorrected(_CasefileEvent):
    """The date of a recorded decision was mistyped and is corrected; the decision itself
    stands. From now on ``decided_on`` is the decision's date (the earlier DecisionRecorded
    stays as it was published)."""

    event_type: ClassVar[str] = "council.casefile.DecisionDateCorrected.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    correction_id: UUID = Field(description="Id of this correction.")
    entry_id: UUID = Field(description="Id of the corrected decision (its timeline entry).")
    decision: Decision = Field(description="The decision whose date is corrected.")
    previous_decided_on: date = Field(description="The date recorded before this correction.")
    decided_on: date = Field(description="The correct date of the decision.")
    reason: DateCorrectionReason = Field(description="Why the recorded date was wrong.")


@register
class StageChangeDateCorrected(_CasefileEvent):
    """The date of a recorded procedure stage change was mistyped and is corrected; the change
    itself stands. Deadlines counted from that date are tracked anew (a DeadlineScheduled.v2
    follows for each)."""

    event_type: ClassVar[str] = "council.casefile.StageChangeDateCorrected.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    correction_id: UUID = Field(description="Id of this correction.")
    entry_id: UUID = Field(description="Id of the corrected stage change (its timeline entry).")
    from_stage: ProcedureStage = Field(description="Stage before the corrected change.")
    to_stage: ProcedureStage = Field(description="Stage after the corrected change.")
    previous_decided_on: date = Field(description="The date recorded before this correction.")
    decided_on: date = Field(description="The correct date of the decision.")
    reason: DateCorrectionReason = Field(description="Why the recorded date was wrong.")


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
