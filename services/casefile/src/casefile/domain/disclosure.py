"""Whether casefile may hand personal data to the gateway for one request.

The rules are the hub's privacy policy (:mod:`hub_contracts.privacy`), called here and copied
nowhere. Casefile feeds it its OWN view of the facts, never what the caller says (the gateway
may be wrong, late, or compromised): the consent and the partner from referral.events (the
partner view remembers an origin-country classification for ever), and the case as casefile
holds it (stage, erased, closed). Casefile is the one service that knows the stage for sure, so
protection first (no travel documents while an appeal is pending or a new application is in
procedure) is decided on the newest stage here.

The one thing casefile adds is "not yet": a partner or consent its view has not seen (Kafka
can bring it here after the gateway saw it) is answered 503, which the gateway retries, never a
final refusal.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from hub_contracts.privacy import CaseFacts, ConsentFacts, Flow, PartnerFacts, may_disclose
from hub_contracts.vocabulary import DataCategory, Purpose


@dataclass(frozen=True)
class DisclosureRequest:
    """What the gateway asks for: these categories of this case, for this referral, partner,
    consent and purpose."""

    case_id: UUID
    referral_id: UUID
    partner_id: UUID
    consent_id: UUID
    purpose: Purpose
    categories: frozenset[DataCategory]

    @property
    def flow(self) -> Flow:
        """The privacy policy's flow asked for: case, partner, purpose and categories."""
        return Flow(self.case_id, self.partner_id, self.purpose, self.categories)


class Outcome(StrEnum):
    """The disclosure endpoint's verdict, with its HTTP status in :data:`STATUS`: ``allow`` (200),
    ``forbidden`` (403, never covered or never may be), ``gone`` (410, covered once, not any more)
    or ``not_yet`` (503: casefile's view of the directory or the consent lags; retry later)."""

    ALLOW = "allow"
    FORBIDDEN = "forbidden"  # 403: never was, or never may be, covered
    GONE = "gone"  # 410: covered once, not any more (hub_contracts.privacy.GONE)
    NOT_YET = "not_yet"  # 503: casefile's view has not caught up with the directory or consent


STATUS: dict[Outcome, int] = {
    Outcome.ALLOW: 200,
    Outcome.FORBIDDEN: 403,
    Outcome.GONE: 410,
    Outcome.NOT_YET: 503,
}


@dataclass(frozen=True)
class Decision:
    """The answer: an outcome and one code (a ``hub_contracts.privacy.Rule`` value, or
    ``partner_not_known_yet`` / ``consent_not_known_yet`` / ``allowed``)."""

    outcome: Outcome
    code: str

    @property
    def status(self) -> int:
        """The HTTP status of the outcome (200, 403, 410 or 503; :data:`STATUS`)."""
        return STATUS[self.outcome]


ALLOWED = Decision(Outcome.ALLOW, "allowed")
PARTNER_NOT_KNOWN_YET = Decision(Outcome.NOT_YET, "partner_not_known_yet")
CONSENT_NOT_KNOWN_YET = Decision(Outcome.NOT_YET, "consent_not_known_yet")
PERSON_ERASED = Decision(Outcome.GONE, "person_erased")


def decide(
    request: DisclosureRequest,
    consent: ConsentFacts | None,
    partner: PartnerFacts | None,
    case: CaseFacts,
    today: date,
) -> Decision:
    """The verdict of ``hub_contracts.privacy.may_disclose`` on casefile's view.

    ``today`` is the day in Europe/Amsterdam. An erased person is gone (410) whether or not the
    view knows the partner and consent: nothing is left to wait for. Otherwise an unknown
    partner or consent is ``NOT_YET``; a refusal names the policy's first failing rule, 410
    when the verdict is ``gone`` (withdrawn, expired, erased, closed), else 403.
    """
    if partner is None or consent is None:
        if case.erased:
            return PERSON_ERASED
        return PARTNER_NOT_KNOWN_YET if partner is None else CONSENT_NOT_KNOWN_YET
    verdict = may_disclose(request.flow, partner, consent, case, today)
    if verdict.allowed:
        return ALLOWED
    outcome = Outcome.GONE if verdict.gone else Outcome.FORBIDDEN
    return Decision(outcome, verdict.failures[0].value)
