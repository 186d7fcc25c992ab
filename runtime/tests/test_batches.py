"""The batch loop (`hub_runtime.batches`) on plain data: runs are written before an ungathered
event's own route, in event order, never empty, and every event takes effect exactly once.

Events are numbers with a kind as their type: ``g`` joins the run, ``x`` goes through its own
route, ``n`` joins unless the run already holds its number (then it waits for the next run).
The fake unit of work keeps one log of effects, so the order of writes and routes is visible.
"""

import random
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import pytest
from hub_contracts.envelope import Envelope
from hub_runtime.batches import (
    Gathered,
    RefusedFreshRunError,
    apply_in_runs,
    batch_route,
)
from hub_runtime.bus import Event, UnknownMessageError


@dataclass
class Store:
    """The effects in the order they happened: ("write", numbers) or ("route", number)."""

    log: list[tuple[str, Any]] = field(default_factory=list)

    def applied(self) -> list[int]:
        """Every number that took effect, in order."""
        out: list[int] = []
        for what, value in self.log:
            out += value if what == "write" else [value]
        return out


def event(kind: str, number: int) -> Event[int]:
    envelope = cast(Envelope, SimpleNamespace(type=kind))  # the loop reads only the type
    return Event(envelope=envelope, payload=number)


@dataclass
class NumberRun:
    numbers: list[int] = field(default_factory=list)

    def gather(self, ev: Event[Any], deps: None) -> Gathered:
        kind = ev.envelope.type
        if kind == "x":
            return Gathered.OWN_ROUTE
        if kind == "n" and ev.payload in self.numbers:
            return Gathered.NEXT_RUN
        self.numbers.append(ev.payload)
        return Gathered.JOINED

    async def write(self, uow: Store, deps: None) -> None:
        assert self.numbers, "an empty run was written"
        uow.log.append(("write", list(self.numbers)))


async def own_route(ev: Event[Any], uow: Store, deps: None) -> None:
    uow.log.append(("route", ev.payload))


ROUTES = {"g": own_route, "x": own_route, "n": own_route}


async def apply(events: list[Event[int]]) -> Store:
    store = Store()
    await apply_in_runs(events, ROUTES, NumberRun, store, None)
    return store


async def test_runs_are_written_before_each_ungathered_event_and_at_the_end() -> None:
    kinds = ["g", "g", "x", "x", "g", "g", "n", "g", "x", "g"]
    numbers = [1, 2, 3, 4, 5, 6, 5, 7, 8, 9]
    store = await apply([event(k, n) for k, n in zip(kinds, numbers, strict=True)])
    assert store.log == [
        ("write", [1, 2]),
        ("route", 3),
        ("route", 4),
        ("write", [5, 6]),
        ("write", [5, 7]),  # the second 5 could not join the run holding the first
        ("route", 8),
        ("write", [9]),
    ]


async def test_nothing_is_written_for_an_empty_batch_or_between_routes() -> None:
    assert (await apply([])).log == []
    store = await apply([event("x", 1), event("x", 2)])
    assert store.log == [("route", 1), ("route", 2)]


async def test_random_batches_take_effect_once_each_in_event_order() -> None:
    rng = random.Random(16)
    for _ in range(300):
        size = rng.randint(0, 12)
        events = [event(rng.choice("ggnx"), rng.randint(1, 4)) for _ in range(size)]
        store = await apply(events)
        assert store.applied() == [e.payload for e in events]
        # Runs are maximal: a write follows a write only where an `n` met its own number.
        at = 0
        for (what, value), (after, _) in zip(store.log, store.log[1:], strict=False):
            at += len(value) if what == "write" else 1
            if what == after == "write":
                assert events[at].envelope.type == "n"
                assert events[at].payload in value


async def test_an_unrouted_type_is_a_programming_error() -> None:
    with pytest.raises(UnknownMessageError):
        await apply([event("g", 1), event("unknown", 2)])


async def test_a_fresh_run_that_refuses_an_event_is_a_programming_error() -> None:
    @dataclass
    class Stubborn(NumberRun):
        def gather(self, ev: Event[Any], deps: None) -> Gathered:
            return Gathered.NEXT_RUN

    with pytest.raises(RefusedFreshRunError):
        await apply_in_runs([event("g", 1)], ROUTES, Stubborn, Store(), None)


async def test_batch_route_is_the_loop_as_a_route() -> None:
    store = Store()
    route = batch_route(ROUTES, NumberRun)
    await route([event("g", 1), event("x", 2), event("g", 3)], store, None)
    assert store.log == [("write", [1]), ("route", 2), ("write", [3])]
