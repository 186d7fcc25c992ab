"""Read models for the API: consents and referrals with their sealed text opened.

The only place where the vault's ciphertexts become text for an answer. A field whose case key
was shredded (erasure) answers null with ``person_erased``; a field dropped by migration 0021
answers null with ``cleared_by_migration``; never a 5xx.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from referral.unit_of_work import ReferralUnitOfWork as Uow
from referral.vault import CaseTexts, CaseVault, consent_evidence, review_reason


async def consent(uow: Uow, vault: CaseVault, consent_id: UUID) -> dict[str, Any] | None:
    """One consent with its evidence, references opened; None when unknown."""
    record = await uow.consents.record(consent_id)
    if record is None:
        return None
    return _open_consent(record, await vault.texts(uow.case_keys, record["case_id"]))


async def consents(uow: Uow, vault: CaseVault, case_id: UUID) -> list[dict[str, Any]]:
    """Every consent of the case, references opened."""
    records = await uow.consents.records(case_id)
    texts = await vault.texts(uow.case_keys, case_id)
    return [_open_consent(record, texts) for record in records]


async def referral(uow: Uow, vault: CaseVault, referral_id: UUID) -> dict[str, Any] | None:
    """One referral with history and review, the review's reason opened; None when unknown."""
    record = await uow.referrals.record(referral_id)
    if record is None:
        return None
    return _open_review(record, await vault.texts(uow.case_keys, record["case_id"]))


async def referrals(uow: Uow, vault: CaseVault, case_id: UUID) -> list[dict[str, Any]]:
    """Every referral of the case, reviews' reasons opened."""
    records = await uow.referrals.records(case_id)
    texts = await vault.texts(uow.case_keys, case_id)
    return [_open_review(record, texts) for record in records]


def _open_consent(record: dict[str, Any], texts: CaseTexts) -> dict[str, Any]:
    opened = texts.open(consent_evidence(record["consent_id"]), record.get("evidence_sealed"))
    references: dict[str, Any] = opened.value or {}
    return {
        **{k: v for k, v in record.items() if k != "evidence_sealed"},
        "form_reference": references.get("form_reference"),
        "interpreter_reference": references.get("interpreter_reference"),
        "references_removed": opened.removed,
    }


def _open_review(record: dict[str, Any], texts: CaseTexts) -> dict[str, Any]:
    review = record.get("review")
    if review is None:
        return record
    opened = texts.open(review_reason(record["referral_id"]), review.get("reason_sealed"))
    return {
        **record,
        "review": {
            **{k: v for k, v in review.items() if k != "reason_sealed"},
            "reason": opened.value,
            "reason_removed": opened.removed,
        },
    }
