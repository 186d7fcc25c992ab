"""`hub_runtime.heap`: a started service process freezes its start-up heap and collects its
young generation less often (issue 16: half of a record's decoding was the collector's)."""

import asyncio
import gc
import os
import signal
from collections.abc import Iterator
from typing import cast

import pytest
from hub_runtime.heap import YOUNG_GENERATION_THRESHOLD, settle_after_start
from hub_runtime.service import ServiceRuntime, run_until_signalled


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """The test session's own collector settings come back after each test."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settling_freezes_what_is_alive_and_raises_the_young_threshold() -> None:
    gc.unfreeze()
    kept = [object() for _ in range(10)]
    settle_after_start()
    assert gc.get_freeze_count() > len(kept)
    assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
    assert gc.get_threshold()[1:] == (10, 10)  # the older generations keep CPython's defaults


class _StartedService:
    """Stands in for a `ServiceRuntime`: records the collector's state while it runs."""

    def __init__(self) -> None:
        self.frozen_at_start = -1
        self.threshold_at_stop = (0, 0, 0)

    async def start(self) -> None:
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
        self.frozen_at_start = gc.get_freeze_count()
        # SIGTERM once started, as an operator's `kill` would.
        asyncio.get_running_loop().call_later(0.05, os.kill, os.getpid(), signal.SIGTERM)

    async def stop(self) -> None:
        self.threshold_at_stop = gc.get_threshold()


async def test_a_service_process_settles_its_heap_once_it_has_started() -> None:
    service = _StartedService()
    await asyncio.wait_for(run_until_signalled(cast(ServiceRuntime, service)), timeout=10)
    assert service.frozen_at_start == 0
    assert service.threshold_at_stop[0] == YOUNG_GENERATION_THRESHOLD
