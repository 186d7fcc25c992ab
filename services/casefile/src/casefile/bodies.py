"""What counsellors' tools send: request bodies, validated at the edge (types, codes, sizes).

Rules that need the clock or the stored case (a birth date in the future, a decision dated
before the case) are checked in the handlers; they answer with a readable reason as well.
Every typed text is the one text type (`hub_contracts.text`), every code ASCII and matched
whole (`hub_contracts.codes`), every list bounded.
"""

from typing import Annotated, Literal, Self
from uuid import UUID

from hub_contracts.calendar import CalendarDate, Instant
from hub_contracts.codes import AsciiCode, UniqueItems
from hub_contracts.countries import IsoCountryCode
from hub_contracts.ids import CanonicalUuid
from hub_contracts.text import HumanLines, HumanName
from hub_contracts.vocabulary import (
    BottleneckCategory,
    DataCategory,
    DateCorrectionReason,
    Decision,
    InformationMaterial,
    LocationType,
    ProcedureStage,
    Purpose,
    Region,
    ReturnOption,
    Vulnerability,
)
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

CountryCode = IsoCountryCode
"""ISO 3166-1 alpha-2, a code assigned to a country (or XK): `hub_contracts.countries`."""
LanguageCode = Annotated[
    str,
    AsciiCode("[a-z]{2,3}", words="an ISO 639 language code: 2 or 3 lower-case letters, e.g. uk"),
]
Phone = Annotated[
    str,
    AsciiCode(
        r"\+?[0-9][0-9 ()-]{5,24}",
        words="a phone number: an optional +, then 6 to 25 digits 0-9, spaces, ( ) and -",
    ),
]
EvidenceRef = Annotated[
    str,
    AsciiCode(
        r"[A-Za-z0-9._:/#-]{1,120}",
        words="a reference: 1 to 120 ASCII letters, digits and . _ : / # -",
    ),
]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HouseholdMemberIn(_Command):
    """A member of the person's household, as the counsellor types it (stored encrypted with the
    person's data).

    ``relation``: child, partner, parent, sibling or other; ``name`` is optional (a child may be
    recorded by date of birth only). A birth date in the future, before 1900, or a child born before
    the person could be its parent is refused by the handler (422, ``ImplausibleDateError``)."""

    relation: Literal["child", "partner", "parent", "sibling", "other"]
    name: HumanName | None = None
    date_of_birth: CalendarDate


class PersonIn(_Command):
    """The counselled person's own data: personal, stored only encrypted under the person's key and
    never sent in events or logs.

    ``languages``: up to 10 distinct ISO 639 codes (2-3 lower-case letters); ``phone``: digits,
    spaces, ``()-`` and an optional leading ``+`` (6-25 characters). Dates are checked as in
    ``HouseholdMemberIn``."""

    name: HumanName
    date_of_birth: CalendarDate
    phone: Phone | None = None
    languages: Annotated[list[LanguageCode], UniqueItems()] = Field(
        default_factory=list, max_length=10
    )
    medical_needs: HumanLines | None = Field(
        default=None, description="Only what a receiving partner would need to know"
    )


class OpenCase(_Command):
    """Open a case: the person (encrypted), the household (at most 30 members) and the coarse facts
    that travel in ``CaseOpened`` (country of origin as ISO 3166-1 alpha-2, region, location type,
    procedure stage, up to 10 vulnerabilities).

    For a case opened at stage ``final_rejection``, ``final_decision_on`` starts the 28-day
    departure period, 0 days when ``departure_period_shortened`` (domain.md §1.1). Impossible
    dates answer 422 (``ImplausibleDateError``)."""

    person: PersonIn
    household: list[HouseholdMemberIn] = Field(default_factory=list, max_length=30)
    country_of_origin: CountryCode
    region: Region
    location_type: LocationType
    stage: ProcedureStage
    vulnerabilities: list[Vulnerability] = Field(default_factory=list, max_length=10)
    final_decision_on: CalendarDate | None = Field(
        default=None, description="Day of the final rejection, when the case opens after it"
    )
    departure_period_shortened: StrictBool = False
    not_the_person_of: list[CanonicalUuid] = Field(
        default_factory=list,
        max_length=10,
        description=(
            "Open cases a 409 person_already_known named that the counsellor has checked: a"
            " namesake born the same day, not this person. The case is then opened beside them."
        ),
    )

    @field_validator("not_the_person_of")
    @classmethod
    def _unique_cases(cls, value: list[UUID]) -> list[UUID]:
        if len(set(value)) != len(value):
            raise ValueError("not_the_person_of must not repeat a case id")
        return value


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
    """A procedure stage change on ``decided_on``, checked against the transition model
    (``casefile.domain.stages``; 409 ``impossible_transition`` otherwise).

    A final rejection starts the departure period: 28 days, or 0 when
    ``departure_period_shortened`` (domain.md §1.1). A ``decided_on`` in the future or before the
    previous stage change answers 422 (``ImplausibleDateError``)."""

    to_stage: ProcedureStage
    decided_on: CalendarDate
    departure_period_shortened: StrictBool = Field(
        default=False, description="For a final rejection: the departure period is 0 days"
    )


class RecordDecision(_Command):
    """The person's own decision about their future (§2.3 point 5: return, onward migration,
    irregular stay, ...) on ``decided_on``; a closed code, never free text."""

    decision: Decision
    decided_on: CalendarDate


class RecordBottleneck(_Command):
    """A bottleneck seen in this case on ``observed_on`` (a closed category, §1.3, §1.4, §2.2): what
    signals counts, anonymously, for advocacy."""

    category: BottleneckCategory
    observed_on: CalendarDate


class RecordOptions(_Command):
    """The return options discussed with the person (1-4 distinct, §2.3 point 5), in which language
    (ISO 639 code), whether an interpreter took part, the information materials given (up to 20
    distinct codes of the closed list `hub_contracts.InformationMaterial`; another code is 422
    ``invalid_request``, naming the field, never the value) and the day."""

    options: Annotated[list[ReturnOption], UniqueItems()] = Field(min_length=1, max_length=4)
    language: LanguageCode
    interpreter_used: StrictBool
    materials: Annotated[list[InformationMaterial], UniqueItems()] = Field(
        default_factory=list,
        max_length=20,
        description="The information materials given: codes of a closed list (a material that"
        " is not on it is `other`)",
    )
    discussed_on: CalendarDate


class RecordEffort(_Command):
    """An own effort to leave for the buitenschuld dossier (§1.4: proof the person tried to obtain
    travel documents): what was done, with which authority, on which day and with what outcome.

    ``evidence_refs``: up to 20 references to documents kept elsewhere (codes, never the documents);
    ``note`` is personal and stored encrypted."""

    kind: Literal["embassy_visit", "document_request", "authority_answer", "other"]
    occurred_on: CalendarDate
    authority: Literal["embassy", "consulate", "origin_ministry", "dtv", "iom", "ind", "other"]
    outcome: Literal["pending", "refused", "no_answer", "issued", "other"]
    evidence_refs: Annotated[list[EvidenceRef], UniqueItems()] = Field(
        default_factory=list, max_length=20
    )
    note: HumanLines | None = Field(default=None, description="Personal: stored encrypted")


class ScheduleExtension(_Command):
    """Track an extension of the departure period (``kind`` ``extension``): 1-12 weeks in a VBL,
    only while the person cooperates with return (domain.md §1.2). Needs a departure period on
    the case (422 ``no_departure_period``); a non-cooperating person gets none (422
    ``deadline_rule``)."""

    kind: Literal["extension"]
    weeks: StrictInt = Field(ge=1, le=12)  # a JSON whole number: not "3", 3.0 or true
    cooperating: StrictBool


class ScheduleEntryBan(_Command):
    """Track the end of an entry ban (``kind`` ``entry_ban_end``): ``years`` (normally 2, up to
    10 in special cases, domain.md §1.1) from ``starts_on``, the departure, at most about a year
    ahead."""

    kind: Literal["entry_ban_end"]
    starts_on: CalendarDate
    years: StrictInt = Field(default=2, ge=1, le=10)


class ScheduleFamilyDetention(_Command):
    """Track the limit of a family's detention (``kind`` ``family_detention_limit``): 14 days from
    ``detained_at`` (a timezone-aware moment, not in the future), counted in Europe/Amsterdam
    wall-clock time (domain.md §1.1)."""

    kind: Literal["family_detention_limit"]
    detained_at: Instant


ScheduleDeadline = Annotated[
    ScheduleExtension | ScheduleEntryBan | ScheduleFamilyDetention, Field(discriminator="kind")
]


class CloseCase(_Command):
    """Close the case on ``closed_on``: it takes no new record afterwards (409 ``case_closed``) and
    its retention period starts."""

    closed_on: CalendarDate


class DisclosureIn(_Command):
    """Internal (service role only): the partner gateway asks casefile to disclose the person's data
    for one referral.

    The consent, partner, purpose and the 1..all distinct ``data_categories`` are checked again by
    ``hub_contracts.privacy`` at this gate; casefile answers 200 with only those categories, 403
    (never covered), 410 (no longer covered), 404 (no such case) or 503 (its view has not caught up
    yet; the gateway retries). Every read, a refused one too, gets an access-log row."""

    case_id: CanonicalUuid
    referral_id: CanonicalUuid
    partner_id: CanonicalUuid
    consent_id: CanonicalUuid
    purpose: Purpose
    data_categories: Annotated[list[DataCategory], UniqueItems()] = Field(
        min_length=1, max_length=len(DataCategory)
    )


class CorrectRecordedDate(_Command):
    """A mistyped date of a recorded decision or stage change, corrected (a new record beside
    the original, which stays as recorded)."""

    entry_id: CanonicalUuid = Field(
        description="The timeline entry of the decision or stage change (its `entry_id` in"
        " `GET /cases/{case_id}`: `decisions`, `stage_history` or `timeline`)"
    )
    decided_on: CalendarDate = Field(description="The correct date of the decision")
    reason: DateCorrectionReason = Field(description="Why the recorded date was wrong")
