"""Casefile's unit of work is the runtime's: one transaction with the outbox (and, for events,
the inbox row). Repositories are plain functions over `uow.conn` (see repository.py), so no
subclass is needed; this module names the one way the API and the workers open one."""

from hub_runtime.service import ServiceContext
from hub_runtime.unit_of_work import UnitOfWork


def unit_of_work(ctx: ServiceContext) -> UnitOfWork:
    return ctx.unit_of_work()


__all__ = ["UnitOfWork", "unit_of_work"]
