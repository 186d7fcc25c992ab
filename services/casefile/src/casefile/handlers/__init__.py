"""Casefile's use cases, one handler each: ``async def use_case(message, uow, deps) -> R``.

A handler runs in a unit of work the bus (or the consumer) opened, uses its repositories,
refuses by raising a named error (`casefile.errors`, `hub_runtime.errors`), and never commits,
sets an HTTP status or imports the HTTP edge. `casefile.routes` maps messages and event types
to them.
"""
