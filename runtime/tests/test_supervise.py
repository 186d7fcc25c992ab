"""`hub_runtime.service.supervise`: a failed loop restarts with an ERROR line; a loop that
fails because it is being stopped ends cancelled, quietly and at once."""

import asyncio
import logging

import asyncpg
import pytest
from hub_runtime.supervision import supervise


async def test_a_loop_that_fails_while_being_cancelled_ends_cancelled_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As asyncpg may do: the cancellation of a query surfaces as an InterfaceError."""
    started = asyncio.Event()
    runs = 0

    async def loop() -> None:
        nonlocal runs
        runs += 1
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise asyncpg.InterfaceError("cannot perform operation: another operation") from None

    with caplog.at_level(logging.INFO, logger="hub_runtime.supervision"):
        task = asyncio.create_task(supervise("casefile", loop))
        await started.wait()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2)
    assert done == {task}  # no restart held the stop up
    assert task.cancelled()
    assert runs == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.expected_server_errors
async def test_a_loop_that_fails_on_its_own_is_logged_and_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs = 0

    async def loop() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise asyncpg.InterfaceError("the connection is closed")

    with caplog.at_level(logging.INFO, logger="hub_runtime.supervision"):
        await asyncio.wait_for(supervise("casefile", loop), timeout=5)
    assert runs == 2
    [failed] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failed.getMessage() == "loop failed, restarting"
    assert getattr(failed, "error_type", None) == "InterfaceError"
