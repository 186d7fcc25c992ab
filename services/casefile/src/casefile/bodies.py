"""What counsellors' tools send: request bodies, validated at the edge (types, codes, sizes).

Rules that need the clock or the stored case (a birth date in the future, a decision dated
before the case) are checked in the handlers; they answer with a readable reason as well.
Every typed text is the one text type (`hub_contracts.text`), every code ASCII and matched
whole (`hub_contracts.codes`), every list bounded.
"""

from datetime import date
from typing import Annotated, Literal, Self
from uuid import UUID

from hub_contracts.codes import AsciiCode, UniqueItems
from hub_contracts.text import HumanLines, HumanName
from hub_contracts.vocabulary import (
    BottleneckCategory,
    DataCategory,
    DateCorrectionReason,
    Decision,
    LocationType,
    ProcedureStage,
    Purpose,
    Region,
    ReturnOption,
    Vulnerability,
)
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

CountryCode = Annotated[str, AsciiCode("[A-Z]{2}")]
LanguageCode = Annotated[str, AsciiCode("[a-z]{2,3}")]
Phone = Annotated[str, AsciiCode(r"\+?[0-9][0-9 ()-]{5,24}")]
EvidenceRef = Annotated[str, AsciiCode(r"[A-Za-z0-9._:/#-]{1,120}")]
MaterialCode = Annotated[str, AsciiCode("[a-z0-9_]{1,64}")]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HouseholdMemberIn(_Command):
    relation: Literal["child", "partner", "parent", "sibling", "other"]
    name: HumanName | None = None
    date_of_birth: date


class PersonIn(_Command):
    name: HumanName
    date_of_birth: date
    phone: Phone | None = None
    languages: Annotated[list[LanguageCode], UniqueItems()] = Field(
        default_factory=list, max_length=10
    )
    medical_needs: HumanLines | None = Field(
        default=None, description="Only what a receiving partner would need to know"
    )


class OpenCase(_Command):
    person: PersonIn
    household: list[HouseholdMemberIn] = Field(default_factory=list, max_length=30)
    country_of_origin: CountryCode
    region: Region
    location_type: LocationType
    stage: ProcedureStage
    vulnerabilities: list[Vulnerability] = Field(default_factory=list, max_length=10)
    final_decision_on: date | None = Field(
        default=None, description="Day of the final rejection, when the case opens after it"
    )
    departure_period_shortened: StrictBool = False


class UpdateCase(_Command):
    """Coarse facts that change (a move to another location, a new vulnerability)."""

    location_type: LocationType | None = None
    region: Region | None = None
    vulnerabilities: list[Vulnerability] | None = Field(default=None, max_length=10)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.location_type is None and self.region is None and self.vulnerabilities is None:
            raise ValueError("give at least one of location_type, region, vulnerabilities")
        return self


class UpdatePerson(_Command):
    """The person's data and household, replaced as a whole (stored encrypted)."""

    person: PersonIn
    household: list[HouseholdMemberIn] = Field(default_factory=list, max_length=30)


class ChangeStage(_Command):
    to_stage: ProcedureStage
    decided_on: date
    departure_period_shortened: StrictBool = Field(
        default=False, description="For a final rejection: the departure period is 0 days"
    )


class RecordDecision(_Command):
    decision: Decision
    decided_on: date


class RecordBottleneck(_Command):
    category: BottleneckCategory
    observed_on: date


class RecordOptions(_Command):
    options: Annotated[list[ReturnOption], UniqueItems()] = Field(min_length=1, max_length=4)
    language: LanguageCode
    interpreter_used: StrictBool
    materials: Annotated[list[MaterialCode], UniqueItems()] = Field(
        default_factory=list, max_length=20, description="Codes of the leaflets/materials given"
    )
    discussed_on: date


class RecordEffort(_Command):
    kind: Literal["embassy_visit", "document_request", "authority_answer", "other"]
    occurred_on: date
    authority: Literal["embassy", "consulate", "origin_ministry", "dtv", "iom", "ind", "other"]
    outcome: Literal["pending", "refused", "no_answer", "issued", "other"]
    evidence_refs: Annotated[list[EvidenceRef], UniqueItems()] = Field(
        default_factory=list, max_length=20
    )
    note: HumanLines | None = Field(default=None, description="Personal: stored encrypted")


class ScheduleExtension(_Command):
    kind: Literal["extension"]
    weeks: int = Field(ge=1, le=12)
    cooperating: StrictBool


class ScheduleEntryBan(_Command):
    kind: Literal["entry_ban_end"]
    starts_on: date
    years: int = Field(default=2, ge=1, le=10)


class ScheduleFamilyDetention(_Command):
    kind: Literal["family_detention_limit"]
    detained_at: AwareDatetime


ScheduleDeadline = Annotated[
    ScheduleExtension | ScheduleEntryBan | ScheduleFamilyDetention, Field(discriminator="kind")
]


class CloseCase(_Command):
    closed_on: date


class DisclosureIn(_Command):
    case_id: UUID
    referral_id: UUID
    partner_id: UUID
    consent_id: UUID
    purpose: Purpose
    data_categories: Annotated[list[DataCategory], UniqueItems()] = Field(
        min_length=1, max_length=len(DataCategory)
    )


class CorrectRecordedDate(_Command):
    """A mistyped date of a recorded decision or stage change, corrected (a new record beside
    the original, which stays as recorded)."""

    entry_id: UUID = Field(
        description="The timeline entry of the decision or stage change (its `entry_id` in"
        " `GET /cases/{case_id}`: `decisions`, `stage_history` or `timeline`)"
    )
    decided_on: date = Field(description="The correct date of the decision")
    reason: DateCorrectionReason = Field(description="Why the recorded date was wrong")
