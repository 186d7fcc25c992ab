"""The end-to-end tests' hub: the four services in this process on the real Kafka and
PostgreSQL (`hub_demo.inprocess`), on databases and topics of their own. A test module that
needs the services under their own identities defines its own ``running_hub``."""

from collections.abc import AsyncIterator

import pytest
from hub_demo.inprocess import RunningHub, start_hub
from hub_runtime.settings import HubSettings


@pytest.fixture
async def running_hub(
    isolated_hub: HubSettings, hub_databases: dict[str, str]
) -> AsyncIterator[RunningHub]:
    """The four services started for one test and stopped after it."""
    hub = await start_hub(isolated_hub, hub_databases)
    try:
        yield hub
    finally:
        await hub.stop()
