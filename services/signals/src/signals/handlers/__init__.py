"""The use cases of signals, one handler each: ``async def handle(message, uow, deps)``.

- `events`: one handler per event type read (the door: `door` turns case ids into per-period
  tokens and events into contributions); `batch`: the same, many events at once;
- `publishing`: publish a closed period, find the periods due;
- `reading`: what the HTTP API reads (stored releases only).

Handlers never commit, never open a unit of work and know nothing of HTTP or Kafka: they
refuse by raising the errors of `signals.errors`. `signals.routes` routes messages to them.
"""
