"""A partner fetches its referral: the privacy policy decides, casefile decides again, logged.

The gateway's own views decide first (``gates.judge``: 403 refused, 409 suspended, 410 gone,
the same mapping as every other gate); casefile decides again on its views; only the consented
categories pass on, even if casefile sent more; the log entry and ``DisclosureMade`` are
written after a second ``judge`` in the same transaction, so a withdrawal racing the fetch wins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from hub_contracts import DisclosureMade
from hub_runtime.errors import (
    DomainError,
    ForbiddenError,
    GoneError,
    NotFoundError,
    UnavailableError,
)
from hub_runtime.unit_of_work import UnitOfWork

from partner_gateway import gates
from partner_gateway.casefile_client import Casefile, CasefileRefusedError
from partner_gateway.domain.model import Referral
from partner_gateway.domain.policy import legal_basis
from partner_gateway.unit_of_work import repos

UowFactory = Callable[[], UnitOfWork]


async def disclose(
    uow_factory: UowFactory, casefile: Casefile, partner_id: UUID, referral_id: UUID, today: date
) -> dict[str, Any]:
    """The consented categories of one of the partner's referrals on ``today`` (the council's
    day), re-checked and logged. Errors: 404 (not this partner's), 403/409/410 (the gates),
    503 (casefile unavailable)."""
    referral = await _check(uow_factory, partner_id, referral_id, today)
    try:
        categories = await casefile.disclose(referral)
    except CasefileRefusedError as refused:
        raise _casefile_error(refused.status) from None
    wanted = {str(c) for c in referral.data_categories}
    # Data minimisation again: whatever casefile sends, only the consented categories pass.
    data = {name: value for name, value in categories.items() if name in wanted}
    basis = await _log(uow_factory, referral, today)
    return {
        "referral_id": str(referral.referral_id),
        "purpose": str(referral.purpose),
        "data_categories": sorted(wanted),
        "consent_id": str(referral.consent_id),
        "legal_basis": basis,
        "data": data,
    }


async def _check(
    uow_factory: UowFactory, partner_id: UUID, referral_id: UUID, today: date
) -> Referral:
    async with uow_factory() as uow:
        r = repos(uow)
        referral = await r.referrals.get_for_partner(referral_id, partner_id)
        if referral is None:
            raise NotFoundError("the referral")
        refusal = await gates.judge(r, referral, today)
    if refusal is not None:
        raise gates.as_error(refusal)
    return referral


def _casefile_error(status: int) -> DomainError:
    if status in (404, 410):
        return GoneError(gates.GONE_TEXT, code="gone")
    if status == 403:
        return ForbiddenError(
            "casefile refused: the consent does not cover this request",
            code="consent_not_covering",
        )
    return UnavailableError("casefile is unavailable; try again later", code="upstream_unavailable")


async def _log(uow_factory: UowFactory, referral: Referral, today: date) -> str:
    """Log the fact and emit DisclosureMade; re-check first so a withdrawal racing us wins."""
    async with uow_factory() as uow:
        r = repos(uow)
        refusal = await gates.judge(r, referral, today)
        if refusal is not None:
            raise gates.as_error(refusal)
        partner = await r.partners.get(referral.partner_id)
        basis = legal_basis(partner.countries if partner else frozenset())
        await r.disclosures.add(uuid4(), referral, basis)
        uow.emit(
            DisclosureMade(
                case_id=referral.case_id,
                referral_id=referral.referral_id,
                partner_id=referral.partner_id,
                consent_id=referral.consent_id,
                data_categories=list(referral.data_categories),
                legal_basis=basis,
            ),
            subject=referral.case_id,
        )
        await uow.commit()
    return basis
