"""The gateway's unit of work: one transaction, its events, and the repositories inside it.

Handlers see `GatewayUnitOfWork` (a Protocol): ``uow.partners``, ``uow.referrals``, ...
and ``uow.emit``. `PostgresUnitOfWork` keeps it on PostgreSQL; `partner_gateway.fakes` in
memory. Handlers never commit: the bus (commands) or the consumer (events) does.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

import asyncpg
from hub_contracts import EventPayload
from hub_contracts.envelope import Envelope
from hub_runtime.db import Connection
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
    StaffRepository,
)
from partner_gateway.repository.bulk import BulkRepository
from partner_gateway.repository.bulk_protocol import BulkStore
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
from partner_gateway.repository.staff_protocol import StaffStore

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

    @property
    def staff(self) -> StaffStore:
        """The portal's staff accounts and sessions."""
        ...

    @property
    def bulk(self) -> BulkStore:
        """Many events' rows at once (the consumer's batch route)."""
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
    staff: StaffRepository
    bulk: BulkRepository

    def __init__(
        self, pool: asyncpg.Pool, *, source: str = SOURCE, read_only: bool = False
    ) -> None:
        super().__init__(pool, source=source, read_only=read_only)

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
        self.staff = StaffRepository(conn)
        self.bulk = BulkRepository(conn)
