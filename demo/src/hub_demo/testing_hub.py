"""A pytest plugin (registered in the root conftest): ``running_hub``, the four services in the
test's process on the real Kafka and PostgreSQL (`hub_demo.inprocess`), on databases and topics
of their own, started for one test and stopped after it. A test module that needs the services
under their own identities defines its own ``running_hub``, which takes precedence."""

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from hub_runtime.settings import HubSettings

if TYPE_CHECKING:
    from hub_demo.inprocess import RunningHub


@pytest.fixture
async def running_hub(
    isolated_hub: HubSettings, hub_databases: dict[str, str]
) -> AsyncIterator["RunningHub"]:
    """The four services started for one test and stopped after it."""
    # Imported here: it imports all four services, which a unit test run need not load.
    from hub_demo.inprocess import start_hub

    hub = await start_hub(isolated_hub, hub_databases)
    try:
        yield hub
    finally:
        await hub.stop()
