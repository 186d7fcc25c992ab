"""Read-your-writes without polling (issue 16): a request waiting for its case view to catch up
with casefile is woken when the consumer commits the event (NOTIFY on the inbox, migration
0041), not at its next poll. The fallback poll here is far longer than the test may take."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Sequence

import pytest
from hub_runtime.db import create_pool
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.notify import Broadcast
from hub_runtime.settings import HubSettings
from referral.bootstrap import MIGRATIONS
from referral.unit_of_work import unit_of_work_factory
from referral.view_catch_up import INBOX_CHANNEL, CaseViewCatchUp, Settled

pytestmark = pytest.mark.integration

FALLBACK_POLL = 60.0


class CaseFileAt:
    """Casefile's answer: the case's newest event is ``event_id``."""

    def __init__(self, event_id: uuid.UUID) -> None:
        self.event_id = event_id

    async def newest_event(self, case_id: uuid.UUID, event_types: Sequence[str]) -> uuid.UUID:
        return self.event_id


async def test_a_waiting_request_wakes_when_the_event_is_applied(
    hub_settings: HubSettings, fresh_database: str
) -> None:
    pool = await create_pool(hub_settings.pg_dsn, fresh_database)
    async with pool.acquire() as conn:
        await apply_migrations(conn, runtime_migrations() + folder_migrations(MIGRATIONS))
    applied = Broadcast(INBOX_CHANNEL)
    listening = asyncio.create_task(applied.listen(pool))
    event_id = uuid.uuid4()
    catch_up = CaseViewCatchUp(
        CaseFileAt(event_id),
        within_seconds=FALLBACK_POLL,
        applied=applied,
        notified_poll_seconds=FALLBACK_POLL,
    )

    async def consumer_applies_it() -> None:
        await asyncio.sleep(0.3)
        await pool.execute(
            "INSERT INTO hub_inbox (event_id, event_type, topic) VALUES ($1, $2, $3)",
            event_id,
            "council.casefile.DecisionRecorded.v1",
            "casefile.events.v1",
        )

    try:
        await asyncio.sleep(0.2)  # the listener is up (a late start would only mean polling)
        started = time.monotonic()
        arriving = asyncio.create_task(consumer_applies_it())
        settled = await catch_up.settle(
            unit_of_work_factory(pool), uuid.uuid4(), lambda view: False
        )
        await arriving
        assert settled is Settled.CURRENT
        assert time.monotonic() - started < FALLBACK_POLL / 4  # woken, not polled
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        await pool.close()
