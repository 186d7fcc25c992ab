"""The consumer's fast path: a poll batch of events in one call, with set-based writes.

Its effect is that of the event routes applied one after the other (the consumer's slow path
applies records alone through them, and `tests/integration/test_batches_match_one_by_one.py`
and the unit tests on the fakes compare the two): consecutive events that `door.GATHER` knows
are joined into one `door.Run` (one statement per table), and any other event first writes the
run so far, then goes through its own event route, in its turn (the loop is
`hub_runtime.batches`).
"""

from collections.abc import Mapping

from hub_runtime.batches import batch_route
from hub_runtime.bus import BatchEventRoute, EventRoute

from signals.deps import Deps
from signals.handlers import door
from signals.unit_of_work import SignalsUnitOfWork


def batch_of(
    events: Mapping[str, EventRoute[SignalsUnitOfWork, Deps]],
) -> BatchEventRoute[SignalsUnitOfWork, Deps]:
    """The batch route over ``events`` (the route table's event routes, by CloudEvents type).

    Raises `UnknownMessageError` for an event type with no route (the consumer hands over only
    routed types, so that is a programming error)."""
    return batch_route(events, door.Run)
