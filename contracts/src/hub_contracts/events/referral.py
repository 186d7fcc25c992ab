"""Events published by the referral service on ``referral.events.v1``."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Self

from pydantic import AwareDatetime, Field, model_validator

from hub_contracts.base import EventPayload
from hub_contracts.events._fields import (
    CaseId,
    ConsentId,
    DataCategories,
    PartnerId,
    ReasonCode,
    ReferralId,
)
from hub_contracts.events._referral_v1 import ReferralStatus as ReferralStatusV1
from hub_contracts.events._referral_v1 import RefusalReason as RefusalReasonV1
from hub_contracts.events._referral_v2 import RefusalReason as RefusalReasonV2
from hub_contracts.registry import register
from hub_contracts.topics import Topic
from hub_contracts.vocabulary import (
    CountryCode,
    DeclineReason,
    PartnerType,
    Purpose,
    ReferralStatus,
    RefusalCode,
    StatusReason,
)


class _ReferralEvent(EventPayload):
    topic: ClassVar[Topic] = Topic.REFERRAL_EVENTS


@register
class ConsentGranted(_ReferralEvent):
    """The person consented to share named data categories with one partner for purposes."""

    event_type: ClassVar[str] = "council.referral.ConsentGranted.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    consent_id: ConsentId
    partner_id: PartnerId
    purposes: list[Purpose] = Field(min_length=1, description="Purposes the consent covers.")
    data_categories: DataCategories
    valid_from: date = Field(description="First day the consent is valid.")
    valid_until: date = Field(description="Last day the consent is valid.")

    @model_validator(mode="after")
    def _valid_period(self) -> Self:
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")
        return self


@register
class ConsentWithdrawn(_ReferralEvent):
    """The person withdrew a consent; every further flow under it stops."""

    event_type: ClassVar[str] = "council.referral.ConsentWithdrawn.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    consent_id: ConsentId
    partner_id: PartnerId
    withdrawn_at: AwareDatetime = Field(description="When the withdrawal took effect.")


@register
class ReferralRequested(_ReferralEvent):
    """A counsellor asked to refer the case to a partner; the policy has not decided yet."""

    event_type: ClassVar[str] = "council.referral.ReferralRequested.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    purpose: Purpose = Field(description="Purpose of the referral.")
    data_categories: DataCategories


@register
class ReferralApproved(_ReferralEvent):
    """The policy approved the referral under a consent; the gateway may notify the partner."""

    event_type: ClassVar[str] = "council.referral.ReferralApproved.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    partner_type: PartnerType = Field(description="Kind of receiving organisation.")
    purpose: Purpose = Field(description="Purpose of the referral.")
    data_categories: DataCategories
    consent_id: ConsentId


@register
class ReferralRefused(_ReferralEvent):
    """The policy refused the referral; nothing is sent to the partner."""

    # Superseded by ReferralRefused.v2 (which can say "refused at review"); kept registered
    # for the v1 records still in the topic. Its codes are the frozen v1 list.
    event_type: ClassVar[str] = "council.referral.ReferralRefused.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    reasons: list[RefusalReasonV1] = Field(min_length=1, description="Why it was refused.")


@register
class ReferralRefusedV2(_ReferralEvent):
    """The referral was refused, by the policy or by a coordinator at review; nothing is sent
    to the partner."""

    # Superseded by ReferralRefused.v3 (codes only, and the privacy policy's codes); kept
    # registered for the v2 records still in the topic. Its codes are the frozen v2 list.
    event_type: ClassVar[str] = "council.referral.ReferralRefused.v2"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    reasons: list[RefusalReasonV2] = Field(min_length=1, description="Why it was refused.")


@register
class ReferralStatusChanged(_ReferralEvent):
    """The referral's lifecycle status changed."""

    event_type: ClassVar[str] = "council.referral.ReferralStatusChanged.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    from_status: ReferralStatusV1 = Field(description="Status before the change.")
    to_status: ReferralStatusV1 = Field(description="Status after the change.")
    reason_code: ReasonCode | None = Field(
        default=None, description="Machine code for why (snake_case), never free text."
    )


@register
class ReferralRefusedV3(_ReferralEvent):
    """The referral was refused, by the policy or by a coordinator at review; nothing is sent
    to the partner. Carries codes only: readers render the sentence in their own language."""

    event_type: ClassVar[str] = "council.referral.ReferralRefused.v3"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    reasons: list[RefusalCode] = Field(
        min_length=1, description="Why it was refused: every failing rule, as codes."
    )


@register
class ReferralStatusChangedV2(_ReferralEvent):
    """The referral's lifecycle status changed (``suspended`` included); the reason is a code
    from a closed list: the council's reason, or the partner's decline reason."""

    event_type: ClassVar[str] = "council.referral.ReferralStatusChanged.v2"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    from_status: ReferralStatus = Field(description="Status before the change.")
    to_status: ReferralStatus = Field(description="Status after the change.")
    reason_code: StatusReason | DeclineReason | None = Field(
        default=None, description="Why: the council's reason, or the partner's decline reason."
    )


@register
class PartnerRegistered(_ReferralEvent):
    """The partner directory added or changed an organisation (organisations are not persons).

    The gateway keeps its own view of the directory from this event: it needs the partner's
    type (origin-country authorities are refused everywhere) and the purposes it may receive.
    Travels under the partner id as subject, so one partner's changes stay in order.
    """

    event_type: ClassVar[str] = "council.referral.PartnerRegistered.v1"
    schema_version: ClassVar[int] = 1

    partner_id: PartnerId
    partner_type: PartnerType = Field(description="Kind of organisation.")
    purposes: list[Purpose] = Field(
        min_length=1, description="Purposes the partner may receive data for."
    )
    countries: list[CountryCode] = Field(description="Countries where the partner works.")
    agreement_valid_until: date | None = Field(
        description="Last day of the data-sharing agreement; null when there is none."
    )
    active: bool = Field(description="False once the organisation is removed from the directory.")

    def envelope_subject(self) -> str | None:
        """The envelope's subject: the partner id as text (events of one partner share a key, so
        they keep their order)."""
        return str(self.partner_id)
