"""Child process of a test: commit a state change and its outbox row, then die by SIGKILL."""

import asyncio
import os
import signal
import sys
import uuid

from _events import case_opened
from hub_runtime.db import create_pool
from hub_runtime.unit_of_work import UnitOfWork


async def main(topic: str) -> None:
    pool = await create_pool(os.environ["HUB_PG_DSN"], os.environ["TEST_DB"])
    case_id = uuid.uuid4()
    async with UnitOfWork(pool, source="victim") as uow:
        await uow.conn.execute(
            "INSERT INTO applied (event_id, case_id) VALUES ($1, $2)", uuid.uuid4(), str(case_id)
        )
        uow.emit(case_opened(case_id), subject=str(case_id))
        await uow.commit()
    await pool.execute("UPDATE hub_outbox SET topic = $1", topic)
    os.kill(os.getpid(), signal.SIGKILL)  # no relay ran, nothing was published


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
