"""How far ahead a consent or a data-sharing agreement may run: upper bounds, with reasons.

An end date such as 9999-12-31 is a consent nobody asks again or an agreement that never
comes up for review; a typing error (2205 for 2025) looks the same. Both are refused with a
sentence that says the bound.
"""

from __future__ import annotations

from datetime import date

CONSENT_MAX_YEARS = 2
"""A consent ends at most two years from today. GDPR art. 5(1)(e) (storage limitation) and
art. 7 with EDPB Guidelines 05/2020 on consent (§ 110: consent is refreshed at appropriate
intervals): the person's situation and the procedure change within months, so the council
asks again at least every two years. A longer referral needs a new consent then."""

AGREEMENT_MAX_YEARS = 5
"""A data-sharing agreement ends at most five years from today. GDPR art. 24(1): measures are
"reviewed and updated where necessary", and the partner's standing (country situation, who
it reports to) can change; five years is the longest term of the council's agreements, so an
end further ahead is a typing error or an agreement that would never be reviewed."""


def years_after(day: date, years: int) -> date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def latest_consent_end(today: date) -> date:
    """The last day a consent recorded today may be valid until (inclusive)."""
    return years_after(today, CONSENT_MAX_YEARS)


def latest_agreement_end(today: date) -> date:
    """The last day an agreement registered today may be in force until (inclusive)."""
    return years_after(today, AGREEMENT_MAX_YEARS)
