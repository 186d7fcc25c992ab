"""What handlers need of storage, as Protocols: PostgreSQL (`signals.repository.postgres_*`)
and the in-memory fakes (`signals.fakes`) both keep them, and one suite
(``tests/unit/test_repository_contract.py``) checks that they keep them alike.

Vocabulary: a *period* is a month ``YYYY-MM``; a *person token* is the pseudonym of a case in
one period (`signals.domain.pseudonyms`); a *cell* is ``(table name, cell key)``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypedDict

from hub_runtime.errors import ConflictError

from signals.domain.catalogue import Contribution

PersonKey = tuple[str, str]
"""(period, person token): one person within one period."""

Cell = tuple[str, str]
"""(table name, cell key): one cell of one table."""

ContributionRow = tuple[str, str, Contribution]
"""(period, person token, the cell they join)."""

ConsentRow = tuple[str, str, str]
"""(period, person token of that period, consent token)."""

Release = dict[str, dict[str, Any]]
"""A period's release: table name -> its ``SignalsPublished.v2`` payload as JSON."""


class ContributionCount(TypedDict):
    """Contributions of one table in one period (a count of rows, never of a cell)."""

    period: str
    table_name: str
    contributions: int


@dataclass(frozen=True)
class PublishedPeriod:
    """A published period: when (aware) and which tables, by name in alphabetical order."""

    period: str
    published_at: datetime
    tables: list[str]


class ReleaseExistsError(ConflictError):
    """The period has a release already (releases are never revised). Handlers lock the period
    and look first, so this only shows a broken rule, never a race (HTTP 409 if it did)."""

    default_code = "already_published"


class ContributionRepository(Protocol):
    """Who joined which cell, per period (``contributions``)."""

    async def lock_people(self, people: Sequence[PersonKey]) -> None:
        """Hold each person's cells until the transaction ends (the per-person cap is a count
        of them); locks are taken in one fixed order, so two batches never deadlock."""
        ...

    async def cells_of_people(self, people: Sequence[PersonKey]) -> dict[PersonKey, set[Cell]]:
        """The cells each of ``people`` is in already (an empty set for someone in none)."""
        ...

    async def add(self, rows: Sequence[ContributionRow]) -> None:
        """Store the rows; a row stored already is left as it is (a person counts once per
        cell)."""
        ...

    async def forget_person(self, period: str, token: str) -> None:
        """Remove the person's contributions to ``period``."""
        ...

    async def unpublished_periods(self) -> list[str]:
        """Periods with contributions and no release yet, oldest first."""
        ...

    async def summary(self) -> list[ContributionCount]:
        """Rows per period and table, ordered by period then table."""
        ...

    async def cell_counts(
        self, period: str, table: str, dimensions: Sequence[str], *, require_consent: bool
    ) -> dict[tuple[str, ...], int]:
        """Distinct persons per cell of one table: key = one value per dimension, in the order
        of ``dimensions``. With ``require_consent``, only persons with a reporting consent row
        of that period count."""
        ...


class ReportingConsentRepository(Protocol):
    """The months in which a person's consent covers anonymous reporting
    (``reporting_consents``)."""

    async def add(self, rows: Sequence[ConsentRow]) -> None:
        """Store the rows; a row stored already is left as it is."""
        ...

    async def withdraw(self, consent_token: str, from_period: str) -> None:
        """Forget the consent's months from ``from_period`` on (earlier months stay)."""
        ...

    async def forget_person(self, period: str, token: str) -> None:
        """Remove the person's consent rows of ``period``."""
        ...


class ReferralFactRepository(Protocol):
    """Approval time and partner type of referrals, by referral token (``referral_facts``)."""

    async def save(self, referral_token: str, approved_at: datetime, partner_type: str) -> None:
        """Store the approval; the first one stored for a referral is kept."""
        ...

    async def get(self, referral_token: str) -> tuple[datetime, str] | None:
        """(approved at, aware; partner type), or None when the approval was not seen."""
        ...


class ReleaseRepository(Protocol):
    """Published releases (``releases``, ``published_periods``): written once, never changed."""

    async def lock_period(self, period: str) -> None:
        """One publisher at a time per period (the worker and an admin may both try)."""
        ...

    async def get(self, period: str) -> Release:
        """The stored release of ``period``; empty when it is not published."""
        ...

    async def save(self, period: str, tables: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Store the release of ``period`` and mark the period published. Raises
        `ReleaseExistsError` when the period has a release already."""
        ...

    async def published_periods(self) -> list[PublishedPeriod]:
        """Every published period, oldest first."""
        ...


class PrivacyLedgerRepository(Protocol):
    """Epsilon spent per period and table (``privacy_ledger``; only with the noise layer)."""

    async def lock(self, period: str) -> dict[str, float]:
        """Hold the period's ledger until the transaction ends; returns table -> epsilon spent."""
        ...

    async def record_spend(self, period: str, table: str, epsilon: float) -> None:
        """Record that releasing ``table`` of ``period`` spent ``epsilon`` (> 0)."""
        ...
