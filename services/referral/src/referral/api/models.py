"""The HTTP API's answer shapes (read models rendered for people: codes with their sentences)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from hub_contracts import (
    REFUSAL_TEXTS,
    DataCategory,
    Decision,
    PartnerType,
    ProcedureStage,
    Purpose,
    RefusalCode,
    Vulnerability,
)
from pydantic import BaseModel, Field

from referral.domain.model import CaseView, Partner, Status
from referral.domain.partner_changes import ChangeReason
from referral.refusals import DEFAULT, sentence
from referral.repository.command_receipts import CommandReceipt
from referral.vault import Removed


class EvidenceOut(BaseModel):
    """A consent's evidence; the references opened from the vault, or null and why."""

    form_reference: str | None = Field(
        description="Reference of the signed form (sealed under the case's key); null once gone"
    )
    language: str
    interpreter_used: bool
    interpreter_reference: str | None
    references_removed: Removed | None = Field(
        description="Why the references are null: person_erased (the case's key was destroyed)"
        " or cleared_by_migration (plaintext from before migration 0021); null when present"
    )
    taken_by: str
    taken_at: datetime
    informed_transfer_outside_eu: bool


class ConsentOut(BaseModel):
    """A consent with its evidence."""

    consent_id: UUID
    case_id: UUID
    partner_id: UUID
    purposes: list[Purpose]
    data_categories: list[DataCategory]
    valid_from: date
    valid_until: date
    evidence: EvidenceOut
    withdrawn_at: datetime | None
    withdrawn_by: str | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> "ConsentOut":
        """From `views.consent`'s record."""
        return cls.model_validate({**record, "evidence": record})


class TransitionOut(BaseModel):
    """One status change of a referral."""

    from_status: Status | None
    to_status: Status
    reason_code: str | None
    at: datetime


class ReviewOut(BaseModel):
    """A coordinator's review, its written reason opened from the vault."""

    decision: str
    overridden_codes: list[RefusalCode]
    reason: str | None = Field(
        description="The coordinator's written reason (sealed under the case's key); null once"
        " gone, see reason_removed"
    )
    reason_removed: Removed | None = Field(
        description="person_erased or cleared_by_migration when the reason is null"
    )
    reviewed_by: str
    reviewed_at: datetime


class RefusalReason(BaseModel):
    """A refusal reason as the API shows it: the code, and its sentence rendered here at the
    edge from ``REFUSAL_TEXTS`` in the request's language (`referral.refusals`; events carry
    the code only)."""

    code: RefusalCode
    text: str = Field(description="The sentence, in the language of Accept-Language (nl or en)")

    @classmethod
    def of(cls, code: RefusalCode, language: str = DEFAULT) -> "RefusalReason":
        """The code with its sentence in ``language`` (nl or en)."""
        return cls(code=code, text=sentence(REFUSAL_TEXTS[code], language))


class ReferralOut(BaseModel):
    """A referral: status, reasons, history and review."""

    referral_id: UUID
    case_id: UUID
    partner_id: UUID
    purpose: Purpose
    data_categories: list[DataCategory]
    consent_id: UUID | None
    status: Status
    refusal_reasons: list[RefusalReason] = Field(
        description="Every failing rule, as a sentence a counsellor can pass on (when refused)."
    )
    review_points: list[RefusalReason] = Field(
        description="What the coordinator must weigh (when awaiting review)."
    )
    status_reason: str | None
    requested_by: str
    requested_at: datetime
    approved_at: datetime | None
    status_changed_at: datetime
    history: list[TransitionOut]
    review: ReviewOut | None

    @classmethod
    def of(cls, record: dict[str, Any], language: str = DEFAULT) -> "ReferralOut":
        """From `views.referral`'s record; the stored codes become reasons with sentences in
        ``language`` (nl or en)."""
        reasons = [RefusalReason.of(RefusalCode(code), language) for code in record["reasons"]]
        status = Status(record["status"])
        if status is Status.AWAITING_REVIEW:
            review = RefusalReason.of(RefusalCode.NEEDS_COORDINATOR_REVIEW, language)
            reasons = [review, *reasons]
        return cls.model_validate(
            {
                **record,
                "refusal_reasons": reasons if status is Status.REFUSED else [],
                "review_points": reasons if status is Status.AWAITING_REVIEW else [],
            }
        )


class DisclosureOut(BaseModel):
    """One disclosure of the person's data to a partner."""

    referral_id: UUID
    partner_id: UUID
    partner_name: str | None
    partner_type: PartnerType | None
    partner_countries: list[str] | None
    consent_id: UUID
    data_categories: list[DataCategory]
    legal_basis: str
    disclosed_at: datetime


class CommandReceiptOut(BaseModel):
    """One command applied from the Kafka command topic, and who asked for it."""

    command_id: UUID = Field(description="The command's envelope id (causationid of its events)")
    command_type: str = Field(description="e.g. council.referral.GrantConsentCommand.v1")
    staff_login: str = Field(description="The staff member the tool asserts (requested_by)")
    staff_role: str
    tool: str = Field(description="The tool, from the source urn:council-hub:tool:<name>")
    kafka_principal: str = Field(description="The principal the ACLs let write the topic")
    applied_at: datetime

    @classmethod
    def of(cls, receipt: CommandReceipt) -> "CommandReceiptOut":
        """The answer for a stored receipt (``applied_at`` is set once stored)."""
        assert receipt.applied_at is not None, "a stored receipt has its time"
        return cls(
            command_id=receipt.command_id,
            command_type=receipt.command_type,
            staff_login=receipt.staff_login,
            staff_role=receipt.staff_role,
            tool=receipt.tool,
            kafka_principal=receipt.kafka_principal,
            applied_at=receipt.applied_at,
        )


class CaseViewOut(BaseModel):
    """What the referral service knows of a case (from the case file's events)."""

    case_id: UUID
    stage: ProcedureStage
    has_minors: bool
    vulnerabilities: list[Vulnerability]
    decision: Decision | None = Field(description="The person's decision, once it arrived")
    erased: bool
    needs_review: bool = Field(description="Minors and vulnerable persons: coordinator first")

    @classmethod
    def of(cls, view: CaseView) -> "CaseViewOut":
        """From the case view."""
        return cls(
            case_id=view.case_id,
            stage=view.stage,
            has_minors=view.has_minors,
            vulnerabilities=sorted(view.vulnerabilities),
            decision=view.decision,
            erased=view.erased,
            needs_review=view.needs_review,
        )


class PartnerOut(BaseModel):
    """A directory entry, with whether it may receive data today."""

    partner_id: UUID
    name: str
    description: str | None
    partner_type: PartnerType
    countries: list[str]
    services: list[str]
    purposes: list[Purpose]
    agreement_reference: str | None
    agreement_valid_from: date | None
    agreement_valid_until: date | None
    active: bool
    ever_origin_authority: bool = Field(
        description="Listed as an origin-country authority at any time: permanent; such an"
        " entry never receives anything and its type cannot change."
    )
    may_receive_data: bool = Field(
        description="Whether a referral to it can be approved today as far as the partner goes"
        " (hub_contracts.privacy.may_receive_data): false for entries ever listed as an"
        " origin-country authority, removed entries and entries without an agreement in force."
    )

    @classmethod
    def of(cls, partner: Partner, today: date) -> "PartnerOut":
        """The entry as of ``today`` (the council's date)."""
        return cls(
            partner_id=partner.partner_id,
            name=partner.name,
            description=partner.description,
            partner_type=partner.partner_type,
            countries=list(partner.countries),
            services=list(partner.services),
            purposes=sorted(partner.purposes),
            agreement_reference=partner.agreement_reference,
            agreement_valid_from=partner.agreement_valid_from,
            agreement_valid_until=partner.agreement_valid_until,
            active=partner.active,
            ever_origin_authority=partner.ever_origin_authority,
            may_receive_data=partner.may_receive_data(today),
        )


class PartnerChangeOut(BaseModel):
    """One audited change of a partner's type or standing."""

    change_id: int = Field(description="Increasing id: page with `after_id`.")
    partner_id: UUID
    changed_by: str = Field(description="The admin's login (token subject): staff data.")
    changed_at: datetime
    reason: ChangeReason
    changed_fields: list[str]
    before: dict[str, Any] | None = Field(description="Standing fields before; null when added.")
    after: dict[str, Any]

    @classmethod
    def of(cls, record: dict[str, Any]) -> "PartnerChangeOut":
        """From the change log's record."""
        return cls.model_validate({**record, "change_id": record["id"]})
