"""The refusal vocabulary of ``council.referral.ReferralRefused.v2``, frozen.

v2 carried each reason as a code plus a text generated from it. ``ReferralRefused.v3`` carries
codes only (the sentences are rendered at the edge, in the reader's language) and its codes add
the rules of the privacy policy written once (``hub_contracts.privacy``). These classes keep
v2's schema byte for byte; they are named ``RefusalCode`` and ``RefusalReason`` because pydantic
takes the ``$defs`` names of the committed schema from the class names. Import them as
``RefusalCodeV2`` and ``RefusalReasonV2``. Never change this module: v2 is a closed contract.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from hub_contracts.vocabulary import REFUSAL_TEXTS
from hub_contracts.vocabulary import RefusalCode as CurrentRefusalCode


# The docstring below is part of v2's schema text.
class RefusalCode(StrEnum):
    """Why a referral was refused: a failing policy rule, or a coordinator's refusal at review."""

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
    REFUSED_AT_REVIEW = "refused_at_review"


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
        """The text comes from the same table as the current codes (every v2 code is one)."""
        return cls(code=code, text=REFUSAL_TEXTS[CurrentRefusalCode(code.value)])

    def current_code(self) -> CurrentRefusalCode:
        """This reason's code in the current vocabulary (a superset of v2's)."""
        return CurrentRefusalCode(self.code.value)
