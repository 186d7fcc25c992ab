"""The case as the rules see it (plain data; the database and HTTP shapes live elsewhere)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from hub_contracts.vocabulary import LocationType, ProcedureStage, Region, Vulnerability

from casefile.domain.deadlines import ADULT_AGE, age_on

EARLIEST_BIRTH_YEAR = 1900
MIN_PARENT_AGE = 12
"""Youngest age at which a person is the parent of a household member: below it, a date is
swapped or mistyped (a child "born" before or with its parent). A lower bound on biology,
not a judgement: it refuses nothing that happens."""


@dataclass(frozen=True)
class HouseholdMember:
    """A household member as the rules see it (decrypted, in memory only). ``relation`` is one of
    the codes of ``bodies.HouseholdMemberIn``; ``name`` may be None."""

    relation: str
    date_of_birth: date
    name: str | None = None


@dataclass(frozen=True)
class Person:
    """Personal data: only ever stored encrypted, never in events or logs."""

    name: str
    date_of_birth: date
    phone: str | None
    languages: tuple[str, ...]
    medical_needs: str | None = None
    household: tuple[HouseholdMember, ...] = ()

    def by_category(self) -> dict[str, dict[str, Any]]:
        """The person's data grouped by the consent categories (DataCategory values)."""
        categories: dict[str, dict[str, Any]] = {
            "identity": {
                "name": self.name,
                "date_of_birth": self.date_of_birth.isoformat(),
                "languages": list(self.languages),
            },
            "contact": {"phone": self.phone},
            "household": {
                "members": [
                    {
                        "relation": m.relation,
                        "name": m.name,
                        "date_of_birth": m.date_of_birth.isoformat(),
                    }
                    for m in self.household
                ]
            },
        }
        if self.medical_needs is not None:
            categories["medical_needs"] = {"medical_needs": self.medical_needs}
        return categories

    def children_born_on(self) -> list[date]:
        """Birth dates of the household members recorded as the person's children (any age)."""
        return [m.date_of_birth for m in self.household if m.relation == "child"]

    def has_minors(self, today: date) -> bool:
        """True when the person or a household member is under 18 on ``today`` (a calendar date)."""
        born = [self.date_of_birth, *(m.date_of_birth for m in self.household)]
        return any(age_on(b, today) < ADULT_AGE for b in born)

    def dates_in_future(self, today: date) -> list[str]:
        """Names of the date fields that lie after `today` (impossible for a birth)."""
        wrong = ["person.date_of_birth"] if self.date_of_birth > today else []
        wrong += [
            f"household[{i}].date_of_birth"
            for i, m in enumerate(self.household)
            if m.date_of_birth > today
        ]
        return wrong

    def implausible_household_dates(self) -> list[str]:
        """Household birth dates that contradict the person's own (field names, no dates).

        A child of the person is born at least :data:`MIN_PARENT_AGE` years after the person;
        a parent of the person at least that long before. Partners, siblings and others may
        be of any age."""
        wrong = []
        for i, member in enumerate(self.household):
            if member.relation == "child":
                parent, child = self.date_of_birth, member.date_of_birth
            elif member.relation == "parent":
                parent, child = member.date_of_birth, self.date_of_birth
            else:
                continue
            if age_on(parent, child) < MIN_PARENT_AGE:
                wrong.append(f"household[{i}].date_of_birth")
        return wrong

    def dates_implausibly_old(self) -> list[str]:
        """Birth dates before 1900: a typing error, not a person."""
        born = [("person.date_of_birth", self.date_of_birth)]
        born += [
            (f"household[{i}].date_of_birth", m.date_of_birth) for i, m in enumerate(self.household)
        ]
        return [name for name, day in born if day.year < EARLIEST_BIRTH_YEAR]


@dataclass(frozen=True)
class Case:
    """The coarse, non-personal facts of a case: what events carry and the rules read.

    No name, birth date or free text: ``household_size`` and ``has_minors`` stand for the household.
    ``opened_on`` / ``closed_on`` are calendar dates; ``erased_at`` (aware) is set when the person's
    key was destroyed (GDPR art. 17, crypto-shredding), after which nothing personal can be read."""

    case_id: UUID
    country_of_origin: str
    region: Region
    location_type: LocationType
    stage: ProcedureStage
    vulnerabilities: tuple[Vulnerability, ...]
    household_size: int
    has_minors: bool
    opened_on: date
    opened_by: str
    opened_at: datetime | None = None
    closed_on: date | None = None
    erased_at: datetime | None = None

    @property
    def is_erased(self) -> bool:
        """True once the person's data was erased (their key destroyed; GDPR art. 17)."""
        return self.erased_at is not None

    @property
    def is_closed(self) -> bool:
        """True once the case was closed (``closed_on`` set)."""
        return self.closed_on is not None
