"""In-memory repositories and unit of work for unit tests of the handlers (no stack).

They keep the Protocols of `partner_gateway.repository.protocols`; the suite in
``tests/unit/test_repository_contract.py`` runs against them and PostgreSQL alike, so they stay
honest. Not modelled: the delivery worker's lease and outcome queries (PostgreSQL only), row
locks (``lock_status``, ``get_for_partner`` lock nothing: a unit test runs one unit of work at a
time), and timestamps beyond insertion order. Use::

    state, outbox = GatewayState(), []
    bus = MessageBus(ROUTES, lambda: FakeUnitOfWork(state, outbox), deps)
"""

from __future__ import annotations

from hub_contracts.envelope import Envelope
from hub_runtime.fakes import InMemoryUnitOfWork

from partner_gateway.fakes.bulk import FakeBulk
from partner_gateway.fakes.directory import (
    FakeCases,
    FakeConsents,
    FakeCredentials,
    FakeErasures,
    FakePartners,
)
from partner_gateway.fakes.referrals import (
    FakeDeliveries,
    FakeDisclosures,
    FakeNotices,
    FakeNotifications,
    FakeReferrals,
)
from partner_gateway.fakes.staff import FakeStaff
from partner_gateway.fakes.state import GatewayState
from partner_gateway.unit_of_work import SOURCE, GatewayUnitOfWork

__all__ = ["FakeUnitOfWork", "GatewayState"]


class FakeUnitOfWork(InMemoryUnitOfWork[GatewayState]):
    """`GatewayUnitOfWork` in memory: the fake repositories on one shared ``state``; committed
    events join ``outbox`` (see `hub_runtime.fakes.InMemoryUnitOfWork`)."""

    def __init__(self, state: GatewayState, outbox: list[Envelope]) -> None:
        super().__init__(state, outbox, source=SOURCE)
        self.partners = FakePartners(state)
        self.credentials = FakeCredentials(state)
        self.consents = FakeConsents(state)
        self.erasures = FakeErasures(state)
        self.cases = FakeCases(state)
        self.referrals = FakeReferrals(state)
        self.notifications = FakeNotifications(state)
        self.deliveries = FakeDeliveries(state)
        self.disclosures = FakeDisclosures(state)
        self.notices = FakeNotices(state)
        self.staff = FakeStaff(state)
        self.bulk = FakeBulk(state)


def as_gateway_unit_of_work(uow: FakeUnitOfWork) -> GatewayUnitOfWork:
    """The fake as handlers see it; mypy checks here that it keeps `GatewayUnitOfWork`."""
    return uow
