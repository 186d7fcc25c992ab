"""The batch loop of the consumer's fast path, written once: a poll batch of events applied in
one call, with set-based writes, to the same effect as the event routes one after the other.

A service says only how its events gather, with a `Run` (its rows of consecutive events and how
to write them); `batch_route` does the rest. Going through ``batch`` in order:
- an event its run can hold joins it (`Gathered.JOINED`), computed without the database;
- an event the run cannot hold as it stands, but a fresh one could (`Gathered.NEXT_RUN`: an
  effect that would not commute with what the run holds), first has the run written, then
  joins a fresh run;
- any other event (`Gathered.OWN_ROUTE`) first has the run so far written, then goes through
  its own event route, in its turn; the events after it start a fresh run.
The run left at the end is written. A run no event joined is never written.

The guarantee, given a service's `Run` keeps it (what it gathers has the effect of the routes,
and `write` keeps the order of effects that do not commute): the order of effects is the
per-event order, and every event a run does not gather, which is every event a privacy rule
judges on the way in (a withdrawal, an erasure, a closure...), goes through its own route
(where that rule is checked, once) after all the events before it have taken effect and before
any after it. Each service's integration test ``test_batches_match_one_by_one`` compares batch
and per-event effects on the real PostgreSQL (`hub_runtime.testing_batches`).
"""

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any, Protocol, TypeVar

from hub_runtime.bus import BatchEventRoute, Event, EventRoute, Transaction, UnknownMessageError

U = TypeVar("U", bound=Transaction)
D = TypeVar("D")
U_contra = TypeVar("U_contra", bound=Transaction, contravariant=True)
D_contra = TypeVar("D_contra", contravariant=True)


class Gathered(Enum):
    """What `Run.gather` did with an event."""

    JOINED = "joined"
    """The event's effect is now in the run."""
    NEXT_RUN = "next run"
    """The run is unchanged; the event joins a fresh run once this one is written."""
    OWN_ROUTE = "own route"
    """The run is unchanged; the event goes through its own event route once the run is
    written."""


class Run(Protocol[U_contra, D_contra]):
    """A service's rows of consecutive events, in event order, and how to write them."""

    def gather(self, event: Event[Any], deps: D_contra) -> Gathered:
        """Add ``event``'s effect to the run (`Gathered.JOINED`), or leave the run unchanged and
        say where the event goes instead. May raise as the event's route would (then the batch
        fails and the consumer applies its records one by one)."""
        ...

    async def write(self, uow: U_contra, deps: D_contra) -> None:
        """Write the run in ``uow`` (set-based SQL); only called when an event joined it."""
        ...


class RefusedFreshRunError(RuntimeError):
    """A fresh run answered `Gathered.NEXT_RUN`: a programming error in the service's `Run`."""


async def apply_in_runs(
    batch: Sequence[Event[Any]],
    events: Mapping[str, EventRoute[U, D]],
    new_run: Callable[[], Run[U, D]],
    uow: U,
    deps: D,
) -> None:
    """Apply ``batch`` (events in consumer order) in ``uow``: runs of gathered events written
    together, every other event through its route in ``events`` (by CloudEvents type), in turn.

    Raises `UnknownMessageError` for an event type with no route (the consumer hands over only
    routed types: a programming error), `RefusedFreshRunError` (see there), and whatever a
    route, `Run.gather` or `Run.write` raises; the consumer then rolls the batch back and
    applies its records one by one."""
    run, joined = new_run(), False
    for event in batch:
        route = events.get(event.envelope.type)
        if route is None:
            raise UnknownMessageError(f"no route for {event.envelope.type}")
        gathered = run.gather(event, deps)
        if gathered is Gathered.NEXT_RUN:
            if joined:
                await run.write(uow, deps)
            run, joined = new_run(), False
            gathered = run.gather(event, deps)
            if gathered is Gathered.NEXT_RUN:
                raise RefusedFreshRunError(f"a fresh run refused {event.envelope.type}")
        if gathered is Gathered.JOINED:
            joined = True
            continue
        if joined:
            await run.write(uow, deps)
        run, joined = new_run(), False
        await route(event, uow, deps)
    if joined:
        await run.write(uow, deps)


def batch_route(
    events: Mapping[str, EventRoute[U, D]], new_run: Callable[[], Run[U, D]]
) -> BatchEventRoute[U, D]:
    """The batch route (`hub_runtime.bus.Routes.batch`) over ``events`` (the route table's event
    routes, by CloudEvents type), gathering with runs from ``new_run``: `apply_in_runs`."""

    async def apply_batch(batch: Sequence[Event[Any]], uow: U, deps: D) -> None:
        await apply_in_runs(batch, events, new_run, uow, deps)

    return apply_batch
