"""Every gate about a referral asks here: the privacy policy on the gateway's own views.

Called at the moment data or news of a referral would leave: the delivery worker right before
it sends a ``referral.ready`` (not only when it was queued), the pull inbox when it lists one,
and the disclosure before casefile is asked and again in the transaction that logs it. A
partner's report asks too (`judge_report`), and only an erasure stops it.
"""

from __future__ import annotations

from datetime import date

from hub_contracts.vocabulary import REFUSAL_TEXTS, RefusalCode
from hub_runtime.errors import ConflictError, DomainError, ForbiddenError, GoneError

from partner_gateway.domain import policy
from partner_gateway.domain.model import GateFacts, Referral
from partner_gateway.unit_of_work import GatewayUnitOfWork

REFUSED_TEXT = "the disclosure is not allowed"
SUSPENDED_TEXT = "the referral is suspended for now (it may resume): nothing is disclosed meanwhile"
GONE_TEXT = (
    "the referral's data is no longer available (consent withdrawn or expired, the person"
    " erased, the case closed, or the referral withdrawn)"
)
ORIGIN_REFUSAL = REFUSAL_TEXTS[RefusalCode.PARTNER_ORIGIN_AUTHORITY]
"""The rule's one sentence, from ``hub_contracts``: referral and casefile answer the same text
for the same code."""


class OriginAuthorityRefusedError(ForbiddenError):
    """The partner is, or once was, listed as an authority of the country of origin: it never
    receives anything from the council, nor a way to (``hub_contracts.privacy``'s first rule).

    403 ``partner_origin_authority`` on every route that refuses it (webhook, client, token
    check, report, staff rule, disclosure, inbox): the refusal is a policy decision about who
    the partner is (RFC 9110 section 15.5.4: understood, and refused), not a state the caller
    could resolve (409) nor content it got wrong (422). Referral and casefile answer the same."""

    default_code = "partner_origin_authority"

    def __init__(self) -> None:
        super().__init__(ORIGIN_REFUSAL)


async def judge(uow: GatewayUnitOfWork, referral: Referral, today: date) -> policy.Refusal | None:
    """None when the referral may be announced or disclosed to its partner on ``today``;
    otherwise why not (see :func:`partner_gateway.domain.policy.refusal`). The facts are read
    fresh, in one query (``uow.referrals.gate_facts``)."""
    return decide(referral, await uow.referrals.gate_facts(referral), today)


async def judge_report(
    uow: GatewayUnitOfWork, referral: Referral, today: date
) -> policy.Refusal | None:
    """None when the partner's report on the referral may be taken on ``today``; otherwise
    why not (:func:`partner_gateway.domain.policy.report_refusal`: the person erased). The
    same fresh facts and verdict as `judge`; only the rules that stop a report count."""
    facts = await uow.referrals.gate_facts(referral)
    found = policy.verdict(referral, facts.partner, facts.consent, facts.case, today)
    return policy.report_refusal(found)


def decide(referral: Referral, facts: GateFacts, today: date) -> policy.Refusal | None:
    """`judge` on facts already read (pure)."""
    found = policy.verdict(referral, facts.partner, facts.consent, facts.case, today)
    return policy.refusal(found, facts.status)


def as_error(refusal: policy.Refusal) -> DomainError:
    """The named error of a gate's refusal: the rule's code and a sentence that never names
    the person. The policy decides the kind (``hub_contracts.privacy``'s ``Verdict.gone``,
    carried in ``refusal.gone``): `GoneError` (HTTP 410) when the data is gone for good,
    `ConflictError` (409) while the referral is suspended (it may resume), `ForbiddenError`
    (403) for every other refusal."""
    if refusal.temporary:
        return ConflictError(SUSPENDED_TEXT, code=refusal.code)
    if refusal.gone:
        return GoneError(GONE_TEXT, code=refusal.code)
    if refusal.code == OriginAuthorityRefusedError.default_code:
        return OriginAuthorityRefusedError()
    return ForbiddenError(f"{REFUSED_TEXT}: {refusal.code}", code=refusal.code)
