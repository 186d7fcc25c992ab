"""What every router of signals' HTTP edge shares: who may call, and the bus to call."""

from typing import Annotated

from fastapi import Depends, Request
from hub_runtime.auth import Principal, Role, requires
from hub_runtime.bus import MessageBus
from hub_runtime.openapi_errors import errors

from signals.deps import Deps
from signals.unit_of_work import SignalsUnitOfWork

SignalsBus = MessageBus[SignalsUnitOfWork, Deps]

Reader = Annotated[Principal, Depends(requires(Role.ADVOCACY, Role.ADMIN))]
"""Who may read published signals: the advocacy team and admins."""

Admin = Annotated[Principal, Depends(requires(Role.ADMIN))]
"""Who may publish a period now and see how many contributions exist: admins."""


async def bus_of(request: Request) -> SignalsBus:
    """The app's message bus (set by `signals.api.build_app`; a coroutine: FastAPI would run a
    plain function in a worker thread)."""
    bus: SignalsBus = request.app.state.bus
    return bus


Bus = Annotated[SignalsBus, Depends(bus_of)]
"""A route's bus: every route builds a message and dispatches it."""

RELEASE = errors(409)
"""Routes that read a release answer 409 while its period is open (or, for publishing, when
its privacy budget is spent)."""
