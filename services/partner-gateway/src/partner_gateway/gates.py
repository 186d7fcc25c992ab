"""Every gate about a referral asks here: the privacy policy on the gateway's own views.

Called at the moment data or news of a referral would leave: the delivery worker right before
it sends a ``referral.ready`` (not only when it was queued), the pull inbox when it lists one,
and the disclosure before casefile is asked and again in the transaction that logs it.
"""

from __future__ import annotations

from datetime import date

from hub_runtime.http import DomainError

from partner_gateway.domain import policy
from partner_gateway.domain.model import Referral
from partner_gateway.repository import Repositories

TEXTS: dict[int, str] = {
    403: "the disclosure is not allowed",
    409: "the referral is suspended for now (it may resume): nothing is disclosed meanwhile",
    410: "the referral's data is no longer available (consent withdrawn or expired, the person"
    " erased, the case closed, or the referral withdrawn)",
}
ORIGIN_REFUSAL = "origin-country authorities never receive anything from the council"


async def judge(r: Repositories, referral: Referral, today: date) -> policy.Refusal | None:
    """None when the referral may be announced or disclosed to its partner on ``today``;
    otherwise why not (see :func:`partner_gateway.domain.policy.refusal`)."""
    found = policy.verdict(
        referral,
        await r.partners.get(referral.partner_id),
        await r.consents.get(referral.consent_id),
        await r.cases.view(referral.case_id),
        today,
    )
    return policy.refusal(found, await r.referrals.status_of(referral.referral_id))


def as_error(refusal: policy.Refusal) -> DomainError:
    """The hub's one error shape: the rule's code and a sentence that never names the person."""
    if refusal.code == "partner_origin_authority":
        text = ORIGIN_REFUSAL
    elif refusal.status_code == 403:
        text = f"{TEXTS[403]}: {refusal.code}"
    else:
        text = TEXTS[refusal.status_code]
    return DomainError(text, code=refusal.code, status_code=refusal.status_code)
