"""Child process of a test: one consumer of a group (hosted as a service hosts it), applying
records into the test's ``applied`` table as consumer ``child``, until the test kills it by
SIGKILL (no offset commit, no leaving the group: its partitions move after the session
timeout, and its last records come again to the others)."""

import asyncio
import os
import sys

from hub_contracts import CaseOpened, Envelope
from hub_runtime.consumer import RecordApplier, RetryPolicy
from hub_runtime.db import create_pool
from hub_runtime.dead_letter_seal import DeadLetterSealer
from hub_runtime.dead_letters import DeadLetterWriter
from hub_runtime.kafka_host import HostedConsumer, new_broker
from hub_runtime.settings import HubSettings
from hub_runtime.unit_of_work import UnitOfWork


async def main(topic: str) -> None:
    settings = HubSettings()
    pool = await create_pool(settings.pg_dsn, os.environ["TEST_DB"])

    async def apply(uow: UnitOfWork, envelope: Envelope, payload: CaseOpened) -> None:
        await asyncio.sleep(0.002)
        await uow.conn.execute(
            "INSERT INTO applied (event_id, case_id, consumer) VALUES ($1, $2, 'child')",
            envelope.id,
            str(payload.case_id),
        )

    broker = new_broker(settings, client_id="child")
    applier = RecordApplier(
        service="rebalance-test",
        dead_letters=DeadLetterWriter(broker, "rebalance-test", DeadLetterSealer.of(settings)),
        uow_factory=lambda: UnitOfWork(pool, source="test"),
        handlers={CaseOpened.event_type: apply},
        retry=RetryPolicy(max_attempts=3, first_backoff=0.01, max_backoff=0.05),
    )
    HostedConsumer(broker, group_id=f"{topic}.group", topics=[topic], applier=applier)
    await broker.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
