"""The gateway's unit of work: hub_runtime's transaction plus the gateway's repositories."""

from hub_runtime.unit_of_work import UnitOfWork

from partner_gateway.repository import Repositories


def repos(uow: UnitOfWork) -> Repositories:
    """The repositories bound to the uow's connection, i.e. inside its transaction.

    A function rather than a UnitOfWork subclass because the runtime's consumer builds plain
    UnitOfWork objects (ServiceContext.unit_of_work) for event handlers.
    """
    return Repositories.on(uow.conn)
