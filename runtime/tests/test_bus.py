"""The message bus on the in-memory unit of work: commit on success, roll back on a refusal,
route by class and by event type, answer a repeated Idempotency-Key once."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import uuid4

import pytest
from hub_contracts import CaseClosed, new_envelope
from hub_contracts.envelope import Envelope
from hub_runtime.bus import (
    Event,
    IdempotencyKey,
    Message,
    MessageBus,
    Routes,
    UnknownMessageError,
    bind_events,
)
from hub_runtime.errors import ConflictError
from hub_runtime.fakes import InMemoryUnitOfWork


@dataclass
class Counters:
    values: dict[str, int] = field(default_factory=dict)


Uow = InMemoryUnitOfWork[Counters]


@dataclass(frozen=True)
class Add(Message[int]):
    name: str
    by: int


@dataclass(frozen=True)
class Unrouted(Message[None]):
    pass


async def add(message: Add, uow: Uow, deps: int) -> int:
    value = uow.state.values.get(message.name, 0) + message.by * deps
    uow.state.values[message.name] = value
    if value > 100:
        raise ConflictError("too much", code="too_much")
    return value


async def on_closed(event: Event[CaseClosed], uow: Uow, deps: int) -> None:
    uow.state.values["closed"] = uow.state.values.get("closed", 0) + deps


class MemoryKeys:
    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], Any] = {}

    async def run_once(
        self, scope: str, key: str, request_hash: str, action: Callable[[Uow], Awaitable[Any]]
    ) -> tuple[Any, bool]:
        del request_hash
        if (scope, key) in self.answers:
            return self.answers[(scope, key)], True
        async with factory() as uow:
            answer = await action(uow)
            await uow.commit()
        self.answers[(scope, key)] = answer
        return answer, False


STATE = Counters()
OUTBOX: list[Envelope] = []


def factory() -> Uow:
    return InMemoryUnitOfWork(STATE, OUTBOX, source="test")


ROUTES: Routes[Uow, int] = Routes(commands={Add: add}, events={CaseClosed.event_type: on_closed})


@pytest.fixture(autouse=True)
def _clean() -> None:
    STATE.values.clear()
    OUTBOX.clear()


async def test_dispatch_commits_the_handlers_changes() -> None:
    bus = MessageBus(ROUTES, factory, deps=2)
    assert await bus.dispatch(Add("a", 3)) == 6
    assert STATE.values == {"a": 6}


async def test_a_refusal_rolls_back_everything_the_handler_changed() -> None:
    bus = MessageBus(ROUTES, factory, deps=1)
    await bus.dispatch(Add("a", 50))
    with pytest.raises(ConflictError) as refused:
        await bus.dispatch(Add("a", 60))
    assert refused.value.code == "too_much"
    assert STATE.values == {"a": 50}


async def test_try_out_runs_the_handler_and_its_checks_and_leaves_nothing() -> None:
    bus = MessageBus(ROUTES, factory, deps=1)
    await bus.dispatch(Add("a", 50))
    assert await bus.try_out(Add("a", 30)) == 80  # the handler's answer on the stored state
    assert STATE.values == {"a": 50}
    with pytest.raises(ConflictError):  # a check that needs the stored state
        await bus.try_out(Add("a", 60))
    assert STATE.values == {"a": 50}


async def test_a_message_without_a_route_is_a_programming_error() -> None:
    bus = MessageBus(ROUTES, factory, deps=1)
    with pytest.raises(UnknownMessageError):
        await bus.dispatch(Unrouted())


async def test_event_routes_are_bound_to_the_deps_for_the_consumer() -> None:
    handlers = bind_events(ROUTES, deps=7)
    assert set(handlers) == {CaseClosed.event_type}
    payload = CaseClosed(case_id=uuid4(), closed_on=date(2026, 11, 30))
    envelope = new_envelope(payload, source="casefile", subject=str(payload.case_id))
    async with factory() as uow:
        await handlers[CaseClosed.event_type](uow, envelope, payload)
        await uow.commit()
    assert STATE.values == {"closed": 7}


async def test_an_idempotency_key_runs_the_handler_once() -> None:
    bus = MessageBus(ROUTES, factory, deps=1, keys=MemoryKeys())
    key = IdempotencyKey(scope="staff:a", key="key-00001", request_hash="h")
    first = await bus.dispatch_idempotent(Add("a", 5), key)
    again = await bus.dispatch_idempotent(Add("a", 5), key)
    assert first == (5, False)
    assert again == (5, True)
    assert STATE.values == {"a": 5}
