"""Casefile's message bus on the service's database (`hub_runtime.bus.MessageBus`): the HTTP
routes and the workers dispatch every use case through it."""

from collections.abc import Awaitable, Callable
from typing import Any

from hub_runtime.bus import MessageBus
from hub_runtime.idempotency import PostgresKeys
from hub_runtime.service import ServiceContext
from hub_runtime.unit_of_work import UnitOfWork

from casefile.deps import Deps
from casefile.routes import ROUTES
from casefile.unit_of_work import CasefileUnitOfWork, CasefileUow

Bus = MessageBus[CasefileUow, Deps]


def message_bus(ctx: ServiceContext, deps: Deps) -> Bus:
    """Casefile's bus on the service's database pool (HTTP routes and workers use it)."""

    def unit_of_work() -> CasefileUnitOfWork:
        return CasefileUnitOfWork(ctx.pool)

    return MessageBus(ROUTES, unit_of_work, deps, keys=CasefileKeys(unit_of_work))


class CasefileKeys:
    """`hub_runtime.idempotency.PostgresKeys` typed for casefile's unit of work (the bus's
    `KeyStore`): the runtime's store hands its action the unit of work its factory made, which
    here is always a `CasefileUnitOfWork`. No casefile route takes an Idempotency-Key today."""

    def __init__(self, unit_of_work: Callable[[], CasefileUnitOfWork]) -> None:
        self._keys = PostgresKeys(unit_of_work)

    async def run_once(
        self,
        scope: str,
        key: str,
        request_hash: str,
        action: Callable[[CasefileUow], Awaitable[Any]],
    ) -> tuple[Any, bool]:
        """Run ``action`` once per (scope, key): (JSON answer, replayed); see
        `hub_runtime.idempotency.idempotently` for its refusals."""

        async def on_casefile(uow: UnitOfWork) -> Any:
            if not isinstance(uow, CasefileUnitOfWork):
                raise TypeError("the key store's factory makes CasefileUnitOfWork only")
            return await action(uow)

        return await self._keys.run_once(scope, key, request_hash, on_casefile)
