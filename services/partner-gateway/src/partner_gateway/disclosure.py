"""A partner fetches its referral: the privacy policy decides, casefile decides again, logged.

Two units of work around casefile's call, so that no database connection waits on another
service (a pool holds ten; casefile may take ``casefile_timeout_seconds``):
1. `handlers.disclosure.check_disclosure`: the gateway's own views decide first
   (``gates.judge``: 403 refused, 409 suspended, 410 gone, as every other gate), read-only
   (`MessageBus.read`: no transaction of its own);
2. casefile decides again on its views and sends the data;
3. `handlers.disclosure.record_disclosure`: judged again (a withdrawal racing the fetch
   wins), the log entry and ``DisclosureMade`` written together.
Only the consented categories pass on, even if casefile sent more.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hub_contracts.privacy import TEMPORARY
from hub_runtime.bus import MessageBus
from hub_runtime.errors import DomainError, ForbiddenError, GoneError, UnavailableError

from partner_gateway import gates
from partner_gateway.casefile_client import CasefileRefusedError
from partner_gateway.deps import Deps
from partner_gateway.domain import policy
from partner_gateway.domain.policy import Refusal
from partner_gateway.messages import CheckDisclosure, RecordDisclosure
from partner_gateway.unit_of_work import GatewayUnitOfWork


async def disclose(
    bus: MessageBus[GatewayUnitOfWork, Deps],
    partner_id: UUID,
    referral_id: UUID,
    staff_id: UUID | None = None,
) -> dict[str, Any]:
    """The consented categories of one of the partner's referrals, re-checked and logged
    (``staff_id``: the portal account that opened it, named in the log; None for the API).

    Raises `NotFoundError` (not this partner's), the gates' errors, `GoneError`,
    `ForbiddenError` or `ConflictError` when casefile refuses (gone; consent not covering;
    suspended for now, see `_casefile_error`) and `UnavailableError` when casefile cannot be
    reached."""
    referral = await bus.read(CheckDisclosure(partner_id, referral_id))
    try:
        categories = await bus.deps.casefile.disclose(referral)
    except CasefileRefusedError as refused:
        raise _casefile_error(refused.status, refused.code) from None
    wanted = {str(c) for c in referral.data_categories}
    # Data minimisation again (GDPR art. 5(1)(c)): whatever casefile sends, only the consented
    # categories pass.
    data = {name: value for name, value in categories.items() if name in wanted}
    basis = await bus.dispatch(RecordDisclosure(referral, staff_id))
    return {
        "referral_id": str(referral.referral_id),
        "purpose": str(referral.purpose),
        "data_categories": sorted(wanted),
        "consent_id": str(referral.consent_id),
        "legal_basis": basis,
        "data": data,
    }


SUSPENDED = Refusal(code=policy.SUSPENDED, temporary=True)
"""Casefile's 409: the gateway's own gate's refusal of a referral suspended for now."""

_TEMPORARY_CODES = frozenset(str(rule) for rule in TEMPORARY)
"""Casefile's codes for a refusal that may pass by itself: answered as `SUSPENDED` too."""


def _casefile_error(status: int, code: str | None) -> DomainError:
    """Casefile's refusal (its HTTP status, 0 when unreachable, and its code) as the gateway's
    answer.

    Casefile's own codes are never passed on: the partner sees this route's closed codes only.
    404 and 410: 410 ``gone``; 403 for a rule that may pass by itself
    (`hub_contracts.privacy.TEMPORARY`: casefile already knows of an appeal the gateway has not
    heard of yet) as a 409 below; any other 403: 403 ``consent_not_covering``; 409 (in the hub,
    the case's state refuses it for now, `hub_runtime.errors.ConflictError`; the one such
    state of a disclosure is a suspension, protection first): 409 ``referral_suspended``, the
    answer of the gateway's own gate for it, which a partner already handles (wait for the
    resumption notice), never 503, which asks it to retry at once; anything else (unreachable,
    5xx, an answer of another shape): 503 ``upstream_unavailable``."""
    if status in (404, 410):
        return GoneError(gates.GONE_TEXT, code="gone")
    if status == 409 or (status == 403 and code in _TEMPORARY_CODES):
        return gates.as_error(SUSPENDED)
    if status == 403:
        return ForbiddenError(
            "casefile refused: the consent does not cover this request",
            code="consent_not_covering",
        )
    return UnavailableError("casefile is unavailable; try again later", code="upstream_unavailable")
