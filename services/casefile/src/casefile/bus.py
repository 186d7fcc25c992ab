"""Casefile's message bus on the service's database (`hub_runtime.bus.MessageBus`): the HTTP
routes and the workers dispatch every use case through it."""

from hub_runtime.bus import MessageBus
from hub_runtime.idempotency import PostgresKeys
from hub_runtime.service import ServiceContext

from casefile.deps import Deps
from casefile.routes import ROUTES
from casefile.unit_of_work import CasefileUnitOfWork, CasefileUow

Bus = MessageBus[CasefileUow, Deps]


def message_bus(ctx: ServiceContext, deps: Deps) -> Bus:
    """Casefile's bus on the service's database pool (HTTP routes and workers use it), and on
    its read pool for `MessageBus.read`."""

    def unit_of_work() -> CasefileUnitOfWork:
        return CasefileUnitOfWork(ctx.pool)

    def reader() -> CasefileUnitOfWork:
        return CasefileUnitOfWork(ctx.read_pool, read_only=True)

    return MessageBus(ROUTES, unit_of_work, deps, keys=PostgresKeys(unit_of_work), reader=reader)
