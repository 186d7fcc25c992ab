"""The message bus: every use case of a service is one handler, reached through one route table.

A handler has one shape, for commands (from HTTP or Kafka) and events (from Kafka) alike::

    async def handle(message, uow, deps) -> Result

It runs inside a unit of work the runtime opened, never commits, never sets an HTTP status and
never knows whether HTTP or Kafka brought the message. It refuses by raising a named
`hub_runtime.errors.DomainError`. The runtime does the rest, once:
- `MessageBus.dispatch` opens the unit of work, calls the handler, commits (a raised error rolls
  everything back, events emitted included);
- `MessageBus.dispatch_idempotent` does the same under an Idempotency-Key (IETF draft
  ``draft-ietf-httpapi-idempotency-key-header``): the answer is stored in the same transaction
  and a repeat of the request gets it back;
- `MessageBus.try_out` runs a handler and rolls its unit of work back (a validate-only request);
- `MessageBus.read` runs a handler that only reads in a read-only unit of work (no BEGIN and no
  COMMIT round trips; writes refused);
- `bind_events` (and `bind_batch`) binds the event routes to the service's dependencies for the
  consumer (`hub_runtime.consumer`), which claims the inbox row and commits;
- the HTTP edge (`hub_runtime.http`) and the consumer map domain errors to statuses, retries
  and dead letters.

Commands are typed by their class (`Message[R]` says the handler returns ``R``); events by
their CloudEvents ``type`` (``council.<service>.<Name>.v<N>``), since every version of an event type
needs its route while old records are still in the topics.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar, cast

from hub_contracts.envelope import Envelope
from pydantic_core import to_jsonable_python

R = TypeVar("R")
P = TypeVar("P")
M = TypeVar("M", bound="Message[Any]")
D = TypeVar("D")


class Transaction(Protocol):
    """What the bus needs of a service's unit of work (PostgreSQL or an in-memory fake)."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make the work of the transaction durable; without it, leaving the unit of work rolls
        back."""


U = TypeVar("U", bound=Transaction)
U_co = TypeVar("U_co", bound=Transaction, covariant=True)


class Message(Generic[R]):
    """Base of every command: ``class OpenCase(Message[UUID])`` says its handler returns a UUID.

    Subclass it with a frozen dataclass or a pydantic model holding what the use case needs
    (ids from the path, the parsed body, the acting principal)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Event(Generic[P]):
    """An incoming event as a handler sees it: its envelope and its decoded payload."""

    envelope: Envelope
    payload: P


CommandHandler = Callable[[Any, U, D], Awaitable[Any]]
"""``async def handle(command, uow, deps) -> result``."""

EventRoute = Callable[[Event[Any], U, D], Awaitable[None]]
"""``async def on_x(event, uow, deps) -> None``."""

BatchEventRoute = Callable[[Sequence[Event[Any]], U, D], Awaitable[None]]
"""``async def apply(events, uow, deps)``: many new events in one call (set-based SQL). It must
have the effect of the service's event routes applied one after the other."""

BoundEventHandler = Callable[[Any, Envelope, Any], Awaitable[None]]
"""What the consumer calls: ``handler(uow, envelope, payload)`` (deps and topic bound)."""

BoundBatchHandler = Callable[[Any, Sequence[tuple[Envelope, Any]]], Awaitable[None]]


@dataclass(frozen=True)
class Routes(Generic[U, D]):
    """One service's route table: command class -> handler, event type -> handler.

    A new use case is one handler and one line here."""

    commands: Mapping[type[Message[Any]], CommandHandler[U, D]] = field(default_factory=dict)
    events: Mapping[str, EventRoute[U, D]] = field(default_factory=dict)
    batch: BatchEventRoute[U, D] | None = None


class KeyStore(Protocol[U_co]):
    """Where Idempotency-Keys and their answers live (PostgreSQL: `hub_runtime.idempotency`)."""

    async def run_once(
        self, scope: str, key: str, request_hash: str, action: Callable[[U_co], Awaitable[Any]]
    ) -> tuple[Any, bool]:
        """Run ``action`` once per (scope, key) and return (JSON answer, replayed)."""
        ...


@dataclass(frozen=True)
class IdempotencyKey:
    """An Idempotency-Key as the edge received it: ``scope`` is the caller's (a partner, a
    member of staff), ``request_hash`` identifies the request (`idempotency.fingerprint`)."""

    scope: str
    key: str
    request_hash: str


class UnknownMessageError(LookupError):
    """A message type with no route: a programming error, never a client's fault."""


class MessageBus(Generic[U, D]):
    """Runs a service's handlers inside units of work; see the module docstring."""

    def __init__(
        self,
        routes: Routes[U, D],
        unit_of_work: Callable[[], U],
        deps: D,
        *,
        keys: KeyStore[U] | None = None,
        reader: Callable[[], U] | None = None,
    ) -> None:
        self.routes = routes
        self.deps = deps
        self._unit_of_work = unit_of_work
        self._keys = keys
        self._reader = reader

    def _command_handler(self, message: Message[Any]) -> CommandHandler[U, D]:
        try:
            return self.routes.commands[type(message)]
        except KeyError:
            raise UnknownMessageError(f"no route for {type(message).__name__}") from None

    async def dispatch(self, message: Message[R]) -> R:
        """Handle ``message`` in a new unit of work and commit it.

        Raises the handler's `DomainError` (nothing is committed then)."""
        handler = self._command_handler(message)
        async with self._unit_of_work() as uow:
            result = await handler(message, uow, self.deps)
            await uow.commit()
        return cast(R, result)

    async def try_out(self, message: Message[R]) -> R:
        """Handle ``message`` in a new unit of work and roll it back: a validate-only request
        (a dry run) runs every check of the use case, those that need the stored state too,
        and leaves nothing behind, events emitted included (they reach the outbox only on a
        commit).

        Raises the handler's `DomainError` as `dispatch` would."""
        handler = self._command_handler(message)
        async with self._unit_of_work() as uow:
            # No commit: leaving the unit of work rolls everything back.
            return cast(R, await handler(message, uow, self.deps))

    async def read(self, message: Message[R]) -> R:
        """Handle ``message``, whose handler only reads, in a read-only unit of work from
        ``reader`` (`hub_runtime.unit_of_work.UnitOfWork` with ``read_only``: each statement
        sees what was committed before it began, as in a READ COMMITTED transaction, without
        the transaction's two round trips). Without a ``reader`` (in-memory fakes) it is
        `try_out`.

        Raises the handler's `DomainError`; a handler that writes is refused by PostgreSQL
        (asyncpg's ``ReadOnlySQLTransactionError``) or by the unit of work
        (`hub_runtime.unit_of_work.ReadOnlyWorkError` on ``emit``)."""
        if self._reader is None:
            return await self.try_out(message)
        handler = self._command_handler(message)
        async with self._reader() as uow:
            return cast(R, await handler(message, uow, self.deps))

    async def dispatch_idempotent(
        self, message: Message[Any], key: IdempotencyKey | None
    ) -> tuple[Any, bool]:
        """Like `dispatch`, once per Idempotency-Key: (the answer as JSON, replayed).

        Without a key it is `dispatch` with the result as JSON. Raises
        `errors.InvalidError` (``idempotency_key_reused``) when the key came with another
        request and `errors.ConflictError` (``idempotency_in_progress``) while the first is
        still running."""
        if key is None:
            return to_jsonable_python(await self.dispatch(message)), False
        if self._keys is None:
            raise RuntimeError("this bus has no key store for Idempotency-Keys")
        handler = self._command_handler(message)

        async def action(uow: U) -> Any:
            return to_jsonable_python(await handler(message, uow, self.deps))

        return await self._keys.run_once(key.scope, key.key, key.request_hash, action)


def bind_events(routes: Routes[U, D], deps: D) -> dict[str, BoundEventHandler]:
    """``routes.events`` as the consumer calls them (``ServiceDefinition.handlers``)."""

    def bound(route: EventRoute[U, D], event_type: str) -> BoundEventHandler:
        async def handle(uow: U, envelope: Envelope, payload: Any) -> None:
            await route(Event(envelope, payload), uow, deps)

        handle.__name__ = f"on_{event_type}"
        return handle

    return {event_type: bound(route, event_type) for event_type, route in routes.events.items()}


def bind_batch(routes: Routes[U, D], deps: D) -> BoundBatchHandler | None:
    """``routes.batch`` as the consumer calls it (``ServiceDefinition.batch_handler``)."""
    batch = routes.batch
    if batch is None:
        return None

    async def apply(uow: U, items: Sequence[tuple[Envelope, Any]]) -> None:
        await batch([Event(envelope, payload) for envelope, payload in items], uow, deps)

    return apply
