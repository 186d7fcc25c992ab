"""Checks on a new consent before it is recorded: specific, informed, not backdated, no overlap."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from hub_contracts import REFUSAL_TEXTS, DataCategory, Purpose, RefusalCode, privacy
from hub_contracts.vocabulary import EEA_COUNTRIES

from referral.domain.model import Consent, Partner
from referral.domain.validity import CONSENT_MAX_YEARS, latest_consent_end


@dataclass(frozen=True)
class NewConsent:
    """A consent as recorded from a command or request, before the checks of
    :func:`consent_problems`.

    ``valid_from`` / ``valid_until``: calendar days, inclusive; ``taken_at``: aware moment it was
    given. ``informed_transfer_outside_eu``: the person was told the risks of a transfer outside the
    EU/EEA (GDPR art. 49(1)(a)); required when the partner works there."""

    case_id: UUID
    partner_id: UUID
    purposes: frozenset[Purpose]
    data_categories: frozenset[DataCategory]
    valid_from: date
    valid_until: date
    taken_at: datetime
    informed_transfer_outside_eu: bool
    interpreter_used: bool = False
    interpreter_reference: str | None = None


@dataclass(frozen=True)
class Problem:
    """Why a consent cannot be recorded: a code, a sentence, and whether it is a conflict."""

    code: str
    text: str
    conflict: bool = False  # True: clashes with what exists (409); False: invalid input (422)
    forbidden: bool = False  # True: the partner may never receive anything (403)


def outside_eea(partner: Partner) -> bool:
    """True when the partner works in at least one country outside the EU/EEA (``EEA_COUNTRIES``): a
    transfer there on consent alone needs the person informed (GDPR art. 49(1)(a))."""
    return any(country not in EEA_COUNTRIES for country in partner.countries)


def consent_problems(
    new: NewConsent,
    partner: Partner,
    existing: Iterable[Consent],
    today: date,
    now: datetime,
) -> list[Problem]:
    """Every reason the consent cannot be recorded; empty when it can."""
    problems = [*_partner_problems(new, partner, today), *_period_problems(new, today, now)]
    if outside_eea(partner) and not new.informed_transfer_outside_eu:
        problems.append(
            Problem(
                "not_informed_transfer_outside_eu",
                "The partner works outside the EU/EEA: the person must be informed about the "
                "risks of that transfer (GDPR art. 49(1)(a)) before consenting.",
            )
        )
    if new.interpreter_used and new.interpreter_reference is None:
        problems.append(
            Problem(
                "interpreter_reference_missing",
                "An interpreter took part: record their registration number"
                " (evidence.interpreter_reference), so that the consent can be shown to be"
                " informed.",
            )
        )
    if not new.interpreter_used and new.interpreter_reference is not None:
        # The evidence would contradict itself (a new user's trial had it accepted). Checked
        # here, not in the body model: the HTTP body and the Kafka command meet in this rule,
        # and a command already on the topic that breaks it is refused (dead-lettered with this
        # code) instead of failing to decode; the sentence names the fields, never the value.
        problems.append(
            Problem(
                "interpreter_reference_without_interpreter",
                "evidence.interpreter_reference is given but evidence.interpreter_used is false:"
                " give a reference only when an interpreter took part.",
            )
        )
    overlapping = [c for c in existing if overlaps(new, c)]
    if overlapping:
        problems.append(
            Problem(
                "overlapping_consent",
                "A consent for this partner and purpose already covers part of this period; "
                "withdraw it first or choose another period.",
                conflict=True,
            )
        )
    return problems


def overlaps(new: NewConsent, other: Consent) -> bool:
    """Same case, partner and a shared purpose, in force on a common day, not withdrawn."""
    return (
        other.withdrawn_at is None
        and other.case_id == new.case_id
        and other.partner_id == new.partner_id
        and bool(other.purposes & new.purposes)
        and other.valid_from <= new.valid_until
        and new.valid_from <= other.valid_until
    )


def _partner_problems(new: NewConsent, partner: Partner, today: date) -> list[Problem]:
    """The partner's standing for every purpose of the consent (the privacy policy's rule,
    judged on the consent's first day or today, whichever is later): no consent is recorded for
    an origin-country authority (ever listed as one), a removed entry, or a purpose the partner
    may not serve.

    The agreement is left out here on purpose: a consent is the person's permission, not a
    transfer, and some never lead to one (anonymous reporting to the council's own advocacy
    team needs no data-sharing agreement). Every flow under the consent (referral, delivery,
    disclosure) checks the agreement on its own day.
    """
    day = max(today, new.valid_from)
    rules = privacy.sort_rules(
        rule
        for purpose in sorted(new.purposes)
        for rule in privacy.partner_standing(partner.facts(), purpose, day)
        if rule is not privacy.Rule.AGREEMENT_INVALID
    )
    return [
        Problem(
            rule.value,
            REFUSAL_TEXTS[RefusalCode(rule.value)],
            forbidden=rule is privacy.Rule.PARTNER_ORIGIN_AUTHORITY,
        )
        for rule in rules
    ]


def _period_problems(new: NewConsent, today: date, now: datetime) -> list[Problem]:
    problems = []
    if new.valid_from < today:
        problems.append(
            Problem(
                "backdated_consent",
                "A consent cannot be valid before today (valid_from lies in the past).",
            )
        )
    if new.valid_until < new.valid_from:
        problems.append(Problem("invalid_period", "valid_until must not be before valid_from."))
    if new.valid_until > latest_consent_end(today):
        problems.append(
            Problem(
                "consent_period_too_long",
                f"A consent is valid for at most {CONSENT_MAX_YEARS} years from today "
                f"(valid_until at most {latest_consent_end(today).isoformat()}): the person "
                "is asked again after that (GDPR art. 5(1)(e) and 7).",
            )
        )
    if new.taken_at > now:
        problems.append(Problem("taken_in_future", "taken_at lies in the future."))
    return problems
