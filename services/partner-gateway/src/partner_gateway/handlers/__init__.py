"""The gateway's use cases: ``async def handle(message, uow, deps) -> result``, one per use case,
grouped by aggregate. Routed by `partner_gateway.routes.ROUTES`.

A handler never commits, never opens a unit of work and never knows HTTP: it refuses by
raising the named errors of `hub_runtime.errors` (the edge maps them to statuses once, the
consumer to retries or dead letters).
"""
