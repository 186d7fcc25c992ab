"""Events published by the partner gateway on ``partner.events.v1``."""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from hub_contracts.base import EventPayload
from hub_contracts.events._fields import (
    CaseId,
    ConsentId,
    DataCategories,
    PartnerId,
    ReasonCode,
    ReferralId,
)
from hub_contracts.registry import register
from hub_contracts.topics import Topic
from hub_contracts.vocabulary import (
    DeclineReason,
    MonitoringOutcome,
    NoticeKind,
    PartnerReportedStatus,
)

LegalBasis = Literal["consent_gdpr_6_1_a", "explicit_consent_gdpr_49_1_a"]


class _PartnerEvent(EventPayload):
    topic: ClassVar[Topic] = Topic.PARTNER_EVENTS


@register
class ReferralDelivered(_PartnerEvent):
    """The partner received the (thin, signed) referral notification."""

    event_type: ClassVar[str] = "council.partner.ReferralDelivered.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    attempt: int = Field(ge=1, description="Delivery attempt that succeeded (1 = first).")


@register
class DeliveryFailed(_PartnerEvent):
    """A delivery attempt failed; the gateway may retry."""

    event_type: ClassVar[str] = "council.partner.DeliveryFailed.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    attempt: int = Field(ge=1, description="Delivery attempt that failed (1 = first).")
    reason_code: ReasonCode = Field(
        description="Machine code for the failure (e.g. timeout), never free text."
    )


@register
class DisclosureMade(_PartnerEvent):
    """Personal data was disclosed to a partner (the data itself never travels on Kafka)."""

    event_type: ClassVar[str] = "council.partner.DisclosureMade.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    consent_id: ConsentId
    data_categories: DataCategories
    legal_basis: LegalBasis = Field(
        description="GDPR basis: art. 6(1)(a) consent, or art. 49(1)(a) for third countries."
    )


@register
class PartnerStatusReported(_PartnerEvent):
    """A partner reported a status for a referral."""

    event_type: ClassVar[str] = "council.partner.PartnerStatusReported.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    status: PartnerReportedStatus = Field(description="Status reported by the partner.")
    # Superseded by PartnerStatusReported.v2 (a closed list of decline reasons); kept
    # registered for the v1 records still in the topic.
    reason_code: ReasonCode | None = Field(
        default=None, description="Machine code for why (e.g. a decline), never free text."
    )
    reported_at: AwareDatetime = Field(description="When the partner reported it.")


@register
class PartnerStatusReportedV2(_PartnerEvent):
    """A partner reported a status for a referral; a decline names its reason from a closed
    list (v1's open code pattern could carry a name or a diagnosis)."""

    event_type: ClassVar[str] = "council.partner.PartnerStatusReported.v2"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    status: PartnerReportedStatus = Field(description="Status reported by the partner.")
    reason_code: DeclineReason | None = Field(
        default=None, description="Why the partner declines (closed list); null otherwise."
    )
    reported_at: AwareDatetime = Field(description="When the partner reported it.")


@register
class MonitoringReported(_PartnerEvent):
    """Post-return monitoring outcome codes (principle 5; non-refoulement check)."""

    event_type: ClassVar[str] = "council.partner.MonitoringReported.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    referral_id: ReferralId
    partner_id: PartnerId
    months_after_return: int = Field(ge=0, le=120, description="Months since the return.")
    outcomes: list[MonitoringOutcome] = Field(min_length=1, description="Outcome codes.")


@register
class NoticeSent(_PartnerEvent):
    """A withdrawal or erasure notice was sent to a partner that received data."""

    event_type: ClassVar[str] = "council.partner.NoticeSent.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    notice_id: UUID = Field(description="Id of the notice.")
    partner_id: PartnerId
    kind: Literal["withdrawal", "erasure"] = Field(description="What the notice is about.")


@register
class NoticeSentV2(_PartnerEvent):
    """A notice was sent to a partner that was told of a referral (a webhook or an inbox entry,
    not only a fetch): the referral was withdrawn, the person erased, or the referral suspended
    or resumed."""

    event_type: ClassVar[str] = "council.partner.NoticeSent.v2"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    notice_id: UUID = Field(description="Id of the notice.")
    partner_id: PartnerId
    referral_id: ReferralId | None = Field(
        default=None, description="The referral concerned; null for a notice about the case."
    )
    kind: NoticeKind = Field(description="What the notice is about.")


@register
class NoticeAcknowledged(_PartnerEvent):
    """The partner acknowledged a withdrawal or erasure notice."""

    event_type: ClassVar[str] = "council.partner.NoticeAcknowledged.v1"
    schema_version: ClassVar[int] = 1

    case_id: CaseId
    notice_id: UUID = Field(description="Id of the notice.")
    partner_id: PartnerId
    acknowledged_at: AwareDatetime = Field(description="When the partner acknowledged it.")
