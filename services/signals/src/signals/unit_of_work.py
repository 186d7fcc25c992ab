"""The unit of work of signals: one transaction, its repositories, and the events it emits.

Handlers are typed against `SignalsUnitOfWork` (a Protocol), which both
`PostgresSignalsUnitOfWork` (the runtime's transaction with inbox and outbox rows) and
`signals.fakes.FakeSignalsUnitOfWork` (in memory, for unit tests) keep.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from uuid import UUID

from hub_contracts import EventPayload
from hub_contracts.envelope import Envelope
from hub_runtime.bus import Transaction
from hub_runtime.unit_of_work import UnitOfWork

from signals.repository.postgres_door import (
    PostgresContributions,
    PostgresReferralFacts,
    PostgresReportingConsents,
)
from signals.repository.postgres_releases import PostgresPrivacyLedger, PostgresReleases
from signals.repository.postgres_staff import PostgresStaff
from signals.repository.protocols import (
    ContributionRepository,
    PrivacyLedgerRepository,
    ReferralFactRepository,
    ReleaseRepository,
    ReportingConsentRepository,
)
from signals.repository.staff import StaffRepository


class SignalsUnitOfWork(Transaction, Protocol):
    """What a handler of signals may use: the repositories and `emit` (never `commit`: the
    runtime commits)."""

    @property
    def contributions(self) -> ContributionRepository: ...

    @property
    def consents(self) -> ReportingConsentRepository: ...

    @property
    def referral_facts(self) -> ReferralFactRepository: ...

    @property
    def releases(self) -> ReleaseRepository: ...

    @property
    def ledger(self) -> PrivacyLedgerRepository: ...

    @property
    def staff(self) -> StaffRepository: ...

    def emit(
        self,
        payload: EventPayload,
        *,
        subject: str | UUID,
        caused_by: Envelope | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        """Queue an event; it reaches the outbox only if the unit of work commits."""
        ...


class PostgresSignalsUnitOfWork(UnitOfWork):
    """The runtime's PostgreSQL unit of work with signals' repositories on its connection.

    The repositories exist only while the unit of work is open (``async with``)."""

    @property
    def contributions(self) -> PostgresContributions:
        """Who joined which cell (``contributions``)."""
        return PostgresContributions(self.conn)

    @property
    def consents(self) -> PostgresReportingConsents:
        """Months covered by a reporting consent (``reporting_consents``)."""
        return PostgresReportingConsents(self.conn)

    @property
    def referral_facts(self) -> PostgresReferralFacts:
        """Approvals seen, for partner response times (``referral_facts``)."""
        return PostgresReferralFacts(self.conn)

    @property
    def releases(self) -> PostgresReleases:
        """Published releases (``releases``, ``published_periods``)."""
        return PostgresReleases(self.conn)

    @property
    def ledger(self) -> PostgresPrivacyLedger:
        """Epsilon spent per period and table (``privacy_ledger``)."""
        return PostgresPrivacyLedger(self.conn)

    @property
    def staff(self) -> PostgresStaff:
        """The advocacy team's local accounts and sessions (``staff_*``)."""
        return PostgresStaff(self.conn)


UnitOfWorkFactory = Callable[[], PostgresSignalsUnitOfWork]
