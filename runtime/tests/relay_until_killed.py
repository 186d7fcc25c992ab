"""Child process of a test: an outbox relay as one instance of a service runs it, until the test
kills it by SIGKILL. Its database sessions are named ``relay-child`` (the test finds the one
holding the relay's lock in ``pg_stat_activity``)."""

import asyncio
import os

import asyncpg
from hub_runtime.db import LeanConnection, dsn_for_database
from hub_runtime.kafka_host import new_broker
from hub_runtime.outbox import OutboxRelay
from hub_runtime.settings import HubSettings

APPLICATION_NAME = "relay-child"


async def main() -> None:
    settings = HubSettings()
    pool = await asyncpg.create_pool(
        dsn_for_database(settings.pg_dsn, os.environ["TEST_DB"]),
        min_size=1,
        max_size=4,
        connection_class=LeanConnection,
        server_settings={"application_name": APPLICATION_NAME},
    )
    broker = new_broker(settings, client_id=APPLICATION_NAME)
    await broker.start()
    relay = OutboxRelay(
        pool,
        broker,
        service="child",
        topic_prefix=settings.topic_prefix,
        poll_seconds=0.05,
        batch_size=int(os.environ["BATCH_SIZE"]),
    )
    print("ready", flush=True)
    await relay.run()


if __name__ == "__main__":
    asyncio.run(main())
