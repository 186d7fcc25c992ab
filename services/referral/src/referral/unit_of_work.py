"""The referral service's unit of work: one transaction, its repositories and its events.

Handlers are written against the `ReferralUnitOfWork` Protocol; `PostgresUnitOfWork` keeps it
on PostgreSQL (a `hub_runtime.unit_of_work.UnitOfWork` with repositories) and
`referral.fakes.FakeUnitOfWork` in memory. Only the runtime opens and commits one: the bus for
HTTP requests and workers, the consumers for events and Kafka commands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

import asyncpg
from hub_contracts import EventPayload
from hub_contracts.envelope import Envelope
from hub_runtime.unit_of_work import UnitOfWork

from referral.repository import (
    CaseKeyRepository,
    CaseViewRepository,
    ConsentRepository,
    DisclosureRepository,
    PartnerChangeLog,
    PartnerRepository,
    ReferralRepository,
)
from referral.repository._base import HasConnection
from referral.repository.cases import PgCases
from referral.repository.command_receipts import CommandReceiptLog, PgCommandReceipts
from referral.repository.consents import PgConsents
from referral.repository.disclosures import PgCaseKeys, PgDisclosures
from referral.repository.partners import PgPartnerChanges, PgPartners
from referral.repository.referrals import PgReferrals

SOURCE = "referral"
"""The CloudEvents ``source`` of the events this service emits."""


class ReferralUnitOfWork(Protocol):
    """What a handler may use: the repositories and `emit` (never `commit`, which is the
    runtime's, though the bus needs it in the type)."""

    partners: PartnerRepository
    partner_changes: PartnerChangeLog
    cases: CaseViewRepository
    consents: ConsentRepository
    referrals: ReferralRepository
    disclosures: DisclosureRepository
    case_keys: CaseKeyRepository
    command_receipts: CommandReceiptLog

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

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


class _Repositories:
    """The PostgreSQL repositories over one connection source (an open unit of work)."""

    partners: PartnerRepository
    partner_changes: PartnerChangeLog
    cases: CaseViewRepository
    consents: ConsentRepository
    referrals: ReferralRepository
    disclosures: DisclosureRepository
    case_keys: CaseKeyRepository
    command_receipts: CommandReceiptLog

    def _attach(self, tx: HasConnection) -> None:
        self.partners = PgPartners(tx)
        self.partner_changes = PgPartnerChanges(tx)
        self.cases = PgCases(tx)
        self.consents = PgConsents(tx)
        self.referrals = PgReferrals(tx)
        self.disclosures = PgDisclosures(tx)
        self.case_keys = PgCaseKeys(tx)
        self.command_receipts = PgCommandReceipts(tx)


class PostgresUnitOfWork(UnitOfWork, _Repositories):
    """`ReferralUnitOfWork` on PostgreSQL: one transaction of ``pool``; see
    `hub_runtime.unit_of_work.UnitOfWork` for commit, rollback and the outbox."""

    def __init__(
        self, pool: asyncpg.Pool, *, source: str = SOURCE, read_only: bool = False
    ) -> None:
        super().__init__(pool, source=source, read_only=read_only)
        self._attach(self)


def unit_of_work_factory(
    pool: asyncpg.Pool, *, read_only: bool = False
) -> Callable[[], PostgresUnitOfWork]:
    """A new `PostgresUnitOfWork` of ``pool`` per call (for the bus and the key store;
    ``read_only`` on the service's read pool, for reads)."""
    return lambda: PostgresUnitOfWork(pool, read_only=read_only)
