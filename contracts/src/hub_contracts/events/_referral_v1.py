"""The refusal vocabulary of ``council.referral.ReferralRefused.v1``, frozen.

v1's committed schema lists the refusal codes as an ``enum``: adding a code would break old
readers (FORWARD), so the current :class:`hub_contracts.vocabulary.RefusalCode` grows only in
``ReferralRefused.v2``. These classes keep v1's schema byte for byte. ``ReferralStatus``
likewise freezes the statuses of ``council.referral.ReferralStatusChanged.v1`` (the current
vocabulary adds ``suspended``, carried by ``ReferralStatusChanged.v2``). They are named
``RefusalCode`` and ``RefusalReason`` here because pydantic takes the ``$defs`` names and titles
of the committed schema from the class names; import them as ``RefusalCodeV1`` and
``RefusalReasonV1`` (see ``hub_contracts``). Never change this module: v1 is a closed contract.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hub_contracts.vocabulary import REFUSAL_TEXTS
from hub_contracts.vocabulary import RefusalCode as CurrentRefusalCode


class RefusalCode(StrEnum):
    """Why the referral policy refused a referral."""

    CONSENT_MISSING = "consent_missing"
    CONSENT_NOT_COVERING = "consent_not_covering"
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    PARTNER_ORIGIN_AUTHORITY = "partner_origin_authority"
    AGREEMENT_INVALID = "agreement_invalid"
    PURPOSE_NOT_ALLOWED_FOR_PARTNER = "purpose_not_allowed_for_partner"
    APPEAL_PENDING_TRAVEL_DOCUMENTS = "appeal_pending_travel_documents"
    DECISION_MISSING = "decision_missing"
    NEEDS_COORDINATOR_REVIEW = "needs_coordinator_review"
    PERSON_ERASED = "person_erased"


class RefusalReason(BaseModel):
    """One reason for a refusal: a code plus text generated from that code."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: RefusalCode = Field(description="Machine-readable refusal reason.")
    text: str = Field(
        min_length=1,
        max_length=300,
        description=(
            "Readable explanation GENERATED from the code (see REFUSAL_TEXTS); never "
            "user-entered text, never personal data."
        ),
    )

    @classmethod
    def from_code(cls, code: RefusalCode) -> RefusalReason:
        """The text comes from the same table as the current codes (every v1 code is one)."""
        return cls(code=code, text=REFUSAL_TEXTS[CurrentRefusalCode(code.value)])

    def current_code(self) -> CurrentRefusalCode:
        """This reason's code in the current vocabulary (a superset of v1's), for readers
        that handle v1 and v2 alike."""
        return CurrentRefusalCode(self.code.value)


class ReferralStatus(StrEnum):
    """Lifecycle of a referral as the referral service tracks it."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
