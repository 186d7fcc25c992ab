"""The gateway's unit of work: one transaction, its events, and the repositories inside it.

Handlers see `GatewayUnitOfWork` (a Protocol): ``uow.partners``, ``uow.referrals``, ...
and ``uow.emit``. `PostgresUnitOfWork` keeps it on PostgreSQL; `partner_gateway.fakes` in
memory. Handlers never commit: the bus (commands) or the consumer (events) does.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

import asyncpg
from hub_contracts import EventPayload
from hub_contracts.envelope import Envelope
from hub_runtime.bus import BoundEventHandler, Routes, bind_events
from hub_runtime.db import Connection
from hub_runtime.idempotency import PostgresKeys
from hub_runtime.unit_of_work import UnitOfWork

from partner_gateway.repository import (
    CaseRepository,
    ConsentRepository,
    CredentialRepository,
    DeliveryRepository,
    DisclosureRepository,
    ErasureRepository,
    NoticeRepository,
    NotificationRepository,
    PartnerRepository,
    ReferralRepository,
)
from partner_gateway.repository.protocols import (
    CaseStore,
    ConsentStore,
    CredentialStore,
    DeliveryStore,
    DisclosureStore,
    ErasureStore,
    NoticeStore,
    NotificationStore,
    PartnerStore,
    ReferralStore,
)

SOURCE = "partner-gateway"
"""The CloudEvents ``source`` of the gateway's events (its service name)."""


class GatewayUnitOfWork(Protocol):
    """What a handler may use: the repositories of one transaction and ``emit``."""

    @property
    def partners(self) -> PartnerStore:
        """The partner directory, webhooks and their secrets."""
        ...

    @property
    def credentials(self) -> CredentialStore:
        """Partners' API clients."""
        ...

    @property
    def consents(self) -> ConsentStore:
        """Consents."""
        ...

    @property
    def erasures(self) -> ErasureStore:
        """Erased persons."""
        ...

    @property
    def cases(self) -> CaseStore:
        """The case view."""
        ...

    @property
    def referrals(self) -> ReferralStore:
        """Referrals."""
        ...

    @property
    def notifications(self) -> NotificationStore:
        """The pull inboxes."""
        ...

    @property
    def deliveries(self) -> DeliveryStore:
        """The webhook queue and log."""
        ...

    @property
    def disclosures(self) -> DisclosureStore:
        """The disclosure log."""
        ...

    @property
    def notices(self) -> NoticeStore:
        """Notices."""
        ...

    def emit(
        self,
        payload: EventPayload,
        *,
        subject: str | UUID,
        caused_by: Envelope | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        """Queue an event; it is published only if the unit of work commits."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Keep everything; only the runtime calls it."""
        ...


class PostgresUnitOfWork(UnitOfWork):
    """`GatewayUnitOfWork` on PostgreSQL: the runtime's transaction plus the repositories on
    its connection (bound when the block is entered)."""

    partners: PartnerRepository
    credentials: CredentialRepository
    consents: ConsentRepository
    erasures: ErasureRepository
    cases: CaseRepository
    referrals: ReferralRepository
    notifications: NotificationRepository
    deliveries: DeliveryRepository
    disclosures: DisclosureRepository
    notices: NoticeRepository

    def __init__(self, pool: asyncpg.Pool, *, source: str = SOURCE) -> None:
        super().__init__(pool, source=source)

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self._bind(self.conn)
        return self

    def _bind(self, conn: Connection) -> None:
        self.partners = PartnerRepository(conn)
        self.credentials = CredentialRepository(conn)
        self.consents = ConsentRepository(conn)
        self.erasures = ErasureRepository(conn)
        self.cases = CaseRepository(conn)
        self.referrals = ReferralRepository(conn)
        self.notifications = NotificationRepository(conn)
        self.deliveries = DeliveryRepository(conn)
        self.disclosures = DisclosureRepository(conn)
        self.notices = NoticeRepository(conn)


class ConsumerUnitOfWork(PostgresUnitOfWork):
    """The gateway's repositories inside a unit of work the runtime's consumer opened (and
    claims the inbox row in, and commits): events are queued on that unit of work.

    Needed while `hub_runtime.service.ServiceContext.unit_of_work` builds plain units of work
    for the consumer; once a service can hand the consumer its own factory, this goes.
    Entering or committing it is a programming error: the consumer owns the transaction.
    """

    def __init__(self, outer: UnitOfWork) -> None:  # no pool: it never opens a transaction
        self._outer = outer
        self._bind(outer.conn)

    @property
    def conn(self) -> Connection:
        """The consumer's connection (inside its transaction)."""
        return self._outer.conn

    def emit(
        self,
        payload: EventPayload,
        *,
        subject: str | UUID,
        caused_by: Envelope | None = None,
        time: datetime | None = None,
    ) -> Envelope:
        """Queue the event on the consumer's unit of work."""
        return self._outer.emit(payload, subject=subject, caused_by=caused_by, time=time)

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """The consumer's savepoint."""
        async with self._outer.savepoint():
            yield

    async def __aenter__(self) -> Self:
        raise RuntimeError("the consumer owns this transaction")

    async def commit(self) -> None:
        """Never: the consumer commits, after its inbox row."""
        raise RuntimeError("the consumer owns this transaction")


def event_handlers(routes: Routes[Any, Any], deps: object) -> Mapping[str, BoundEventHandler]:
    """``routes.events`` as the runtime's consumer calls them, each handler seeing the
    gateway's repositories on the consumer's transaction (`ConsumerUnitOfWork`)."""
    bound = bind_events(routes, deps)

    def joined(handler: BoundEventHandler) -> BoundEventHandler:
        async def handle(uow: UnitOfWork, envelope: Envelope, payload: Any) -> None:
            await handler(ConsumerUnitOfWork(uow), envelope, payload)

        handle.__name__ = getattr(handler, "__name__", "handle")
        return handle

    return {event_type: joined(handler) for event_type, handler in bound.items()}


class GatewayKeys:
    """The runtime's Idempotency-Key store (`hub_runtime.idempotency.PostgresKeys`) typed for
    the gateway's unit of work, as `hub_runtime.bus.KeyStore` wants it: ``PostgresKeys`` hands
    its action a plain ``UnitOfWork`` type, though it is the one ``unit_of_work`` built."""

    def __init__(self, unit_of_work: Callable[[], PostgresUnitOfWork]) -> None:
        self._keys = PostgresKeys(unit_of_work)

    async def run_once(
        self,
        scope: str,
        key: str,
        request_hash: str,
        action: Callable[[GatewayUnitOfWork], Awaitable[Any]],
    ) -> tuple[Any, bool]:
        """Run ``action`` once per (scope, key): (JSON answer, replayed). Raises what
        `PostgresKeys.run_once` raises (key reused 422, in progress 409)."""

        async def on_ours(uow: UnitOfWork) -> Any:
            if not isinstance(uow, PostgresUnitOfWork):  # the factory above builds only these
                raise TypeError("the key store got a unit of work it did not build")
            return await action(uow)

        return await self._keys.run_once(scope, key, request_hash, on_ours)
