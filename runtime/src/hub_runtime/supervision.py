"""Supervision of a service's background loops (`hub_runtime.service.ServiceRuntime`)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


async def supervise(service: str, run: Callable[[], Awaitable[Any]]) -> None:
    """Run a service's loop, restarting it after a 1 s pause when it dies of an unexpected
    error (logged at ERROR: a loop never stops silently).

    A loop that fails while its task is being cancelled (the service's stop) was stopped, not
    failed: it ends cancelled, without an ERROR line and without a restart that would hold the
    stop up. asyncpg can raise such an error in place of the cancellation, e.g. an
    ``InterfaceError`` from the rollback of a transaction whose query was cancelled."""
    while True:
        try:
            await run()
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise asyncio.CancelledError from None
            log.exception(
                "loop failed, restarting",
                extra={"service": service, "error_type": type(exc).__name__},
            )
            await asyncio.sleep(1.0)
