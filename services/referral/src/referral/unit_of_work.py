"""The referral service's unit of work: one transaction, its repositories and its events.

Handlers are written against the `ReferralUnitOfWork` Protocol; `PostgresUnitOfWork` keeps it
on PostgreSQL (a `hub_runtime.unit_of_work.UnitOfWork` with repositories) and
`referral.fakes.FakeUnitOfWork` in memory. Only the runtime opens and commits one: the bus for
HTTP requests and workers, the consumers for events and Kafka commands.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

import asyncpg
from hub_contracts import EventPayload
from hub_contracts.envelope import Envelope
from hub_runtime.idempotency import PostgresKeys
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

    def _attach(self, tx: HasConnection) -> None:
        self.partners = PgPartners(tx)
        self.partner_changes = PgPartnerChanges(tx)
        self.cases = PgCases(tx)
        self.consents = PgConsents(tx)
        self.referrals = PgReferrals(tx)
        self.disclosures = PgDisclosures(tx)
        self.case_keys = PgCaseKeys(tx)


class PostgresUnitOfWork(UnitOfWork, _Repositories):
    """`ReferralUnitOfWork` on PostgreSQL: one transaction of ``pool``; see
    `hub_runtime.unit_of_work.UnitOfWork` for commit, rollback and the outbox."""

    def __init__(self, pool: asyncpg.Pool, *, source: str = SOURCE) -> None:
        super().__init__(pool, source=source)
        self._attach(self)


class AdoptedUnitOfWork(_Repositories):
    """The unit of work a runtime consumer opened (a plain `UnitOfWork`, inbox row already in
    it), seen as a `ReferralUnitOfWork`: the same transaction, with referral's repositories.

    Needed while `hub_runtime.service` opens a plain unit of work for every consumer; entering,
    leaving and committing stay the consumer's (they pass through)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._attach(uow)

    async def __aenter__(self) -> Self:
        await self._uow.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._uow.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        """The consumer's commit (a handler never calls it)."""
        await self._uow.commit()

    def emit(
        self,
        payload: EventPayload,
        *,
        subject: str | UUID,
        caused_by: Envelope | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        """Queue an event in the consumer's transaction."""
        return self._uow.emit(payload, subject=subject, caused_by=caused_by, time=time)


def unit_of_work_factory(pool: asyncpg.Pool) -> Callable[[], PostgresUnitOfWork]:
    """A new `PostgresUnitOfWork` of ``pool`` per call (for the bus and the key store)."""
    return lambda: PostgresUnitOfWork(pool)


class ReferralKeys:
    """The bus's Idempotency-Key store (`hub_runtime.idempotency.PostgresKeys`), typed for
    referral's unit of work: the action runs in a `PostgresUnitOfWork` of ``uows``."""

    def __init__(self, uows: Callable[[], PostgresUnitOfWork]) -> None:
        self._keys = PostgresKeys(uows)

    async def run_once(
        self,
        scope: str,
        key: str,
        request_hash: str,
        action: Callable[[ReferralUnitOfWork], Awaitable[Any]],
    ) -> tuple[Any, bool]:
        """Run ``action`` once per (scope, key): (JSON answer, replayed). Raises what
        `hub_runtime.idempotency.idempotently` raises."""

        async def in_referral(uow: UnitOfWork) -> Any:
            # PostgresKeys opens its units of work with our factory: always ours.
            assert isinstance(uow, PostgresUnitOfWork)
            return await action(uow)

        return await self._keys.run_once(scope, key, request_hash, in_referral)
