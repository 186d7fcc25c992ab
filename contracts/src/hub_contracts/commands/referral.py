"""Commands to the referral service on ``referral.commands.v1``, sent by counsellors' tools.

Each command carries the fields of the matching HTTP body of the referral service, plus the
case id and the staff member who acts (``requested_by``, ``role``): Kafka carries no bearer
token, so the command says who acts and the topic's ACL says which tools may say so.

Like events, commands carry NO personal data of the counselled person. They do carry
evidence: staff logins and references (consent form, interpreter's registration, the file
where a coordinator's written reason is kept). Those are codes with a pattern that allows no
spaces, so a sentence about the person cannot be typed into them; the written reason of a
review stays in the tool (only its reference travels), unlike the HTTP body that takes the text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from hub_contracts.base import EventPayload
from hub_contracts.calendar import CalendarDate, Instant
from hub_contracts.events._fields import CaseId, ConsentId, DataCategories, PartnerId, ReferralId
from hub_contracts.registry import register
from hub_contracts.topics import Topic
from hub_contracts.vocabulary import Purpose

StaffLogin = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")]
"""A staff member's login (never the counselled person's anything)."""

EvidenceReference = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/:#-]{0,99}$")
]
"""A reference to a record kept elsewhere (form, registration, file): a code, no spaces."""

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]


class StaffRole(StrEnum):
    """Who may send referral commands; the referral service decides what each role may do."""

    COUNSELLOR = "counsellor"
    COORDINATOR = "coordinator"


class ReviewChoice(StrEnum):
    """A coordinator's decision on a referral awaiting review."""

    APPROVE = "approve"  # no rule fails; the coordinator agrees
    OVERRIDE = "override"  # approve despite the rules that allow an override (audited)
    REFUSE = "refuse"


class _ReferralCommand(EventPayload):
    topic: ClassVar[Topic] = Topic.REFERRAL_COMMANDS

    case_id: CaseId
    requested_by: StaffLogin = Field(
        description="Login of the staff member who gives the command (recorded as the actor)."
    )
    role: StaffRole = Field(description="That staff member's role; it decides what is allowed.")


class ConsentEvidence(BaseModel):
    """How the consent was taken: the proof that it was specific and informed (references)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    form_reference: EvidenceReference = Field(
        description="Reference of the signed consent form (a code, no spaces)."
    )
    language: LanguageCode = Field(
        description="ISO 639 code of the language the person was informed in."
    )
    interpreter_used: StrictBool = Field(description="Whether an interpreter took part.")
    interpreter_reference: EvidenceReference | None = Field(
        default=None, description="Interpreter's registration number, if one took part."
    )
    taken_by: StaffLogin = Field(description="Login of the staff member who took the consent.")
    taken_at: Instant = Field(description="When the consent was given.")
    informed_transfer_outside_eu: StrictBool = Field(
        description="The person was told the risks of a transfer outside the EU/EEA "
        "(GDPR art. 49(1)(a)); required when the partner works outside it."
    )


@register
class GrantConsentCommand(_ReferralCommand):
    """Record the person's consent to share data categories with one partner for purposes."""

    event_type: ClassVar[str] = "council.referral.GrantConsentCommand.v1"
    schema_version: ClassVar[int] = 1

    partner_id: PartnerId
    purposes: list[Purpose] = Field(min_length=1, description="What the data may be used for.")
    data_categories: DataCategories
    valid_from: CalendarDate = Field(
        description="First day the consent is valid (not before today)."
    )
    valid_until: CalendarDate = Field(description="Last day the consent is valid.")
    evidence: ConsentEvidence = Field(description="How the consent was taken.")


@register
class WithdrawConsentCommand(_ReferralCommand):
    """Withdraw a consent of the case: every open referral under it is withdrawn."""

    event_type: ClassVar[str] = "council.referral.WithdrawConsentCommand.v1"
    schema_version: ClassVar[int] = 1

    consent_id: ConsentId


@register
class RequestReferralCommand(_ReferralCommand):
    """Refer the case to a partner; the policy approves, refuses or asks a coordinator."""

    event_type: ClassVar[str] = "council.referral.RequestReferralCommand.v1"
    schema_version: ClassVar[int] = 1

    partner_id: PartnerId
    purpose: Purpose = Field(description="What the referral is for.")
    data_categories: DataCategories


@register
class ReviewReferralCommand(_ReferralCommand):
    """A coordinator's decision on a referral of the case awaiting review."""

    event_type: ClassVar[str] = "council.referral.ReviewReferralCommand.v1"
    schema_version: ClassVar[int] = 1

    referral_id: ReferralId
    decision: ReviewChoice = Field(
        description="approve (no rule fails), override (set aside rules that allow it) or refuse."
    )
    reason_reference: EvidenceReference = Field(
        description="Where the coordinator's written reason is kept in the tool (a reference; "
        "the text itself never travels on Kafka)."
    )
