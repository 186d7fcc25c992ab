"""The referral service's use cases: ``async def handle(message, uow, deps) -> result``.

One module per use-case group or aggregate; `referral.routes` maps messages and event types to
them. A handler runs inside a unit of work the runtime opened (the bus for HTTP and workers,
the consumers for events and Kafka commands), never commits, never knows HTTP or Kafka, and
refuses by raising a named error of `hub_runtime.errors`. Its state changes and the events it
emits commit together (outbox), or not at all.
"""
