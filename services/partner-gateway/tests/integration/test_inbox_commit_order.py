"""A partner's inbox is numbered in commit order: a cursor never skips a late commit.

``notifications.seq`` comes from a sequence, so without a lock two transactions adding to one
partner's inbox can commit in the other order than their numbers; a partner polling between
the two commits would move its cursor past the number still uncommitted and never see it, and
the delivery worker could send the later one first. The repository takes a per-partner lock."""

import asyncio
import contextlib
import uuid

import asyncpg
import pytest
from partner_gateway.repository.notifications import NotificationRepository

from .conftest import GatewayFactory

pytestmark = pytest.mark.integration


async def test_a_second_writer_to_one_inbox_waits_for_the_first_to_commit(
    start_gateway: GatewayFactory,
) -> None:
    gateway = await start_gateway()
    pool = gateway.runtime.context.pool
    partner_id, other_partner = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as first, pool.acquire() as second, pool.acquire() as third:
        first_tx, second_tx = first.transaction(), second.transaction()
        await first_tx.start()
        await second_tx.start()
        try:
            await NotificationRepository(first).add(
                uuid.uuid4(), partner_id, uuid.uuid4(), "referral", "{}"
            )
            late = asyncio.create_task(
                NotificationRepository(second).add(
                    uuid.uuid4(), partner_id, uuid.uuid4(), "referral", "{}"
                )
            )
            # Another partner's inbox is not held up by the first writer.
            async with third.transaction():
                await NotificationRepository(third).add(
                    uuid.uuid4(), other_partner, uuid.uuid4(), "referral", "{}"
                )
            done, _ = await asyncio.wait({late}, timeout=0.5)
            assert not done, "the second writer took a number while the first was uncommitted"
            await first_tx.commit()
            await asyncio.wait_for(late, timeout=10)
            await second_tx.commit()
        finally:  # a failed check leaves no transaction open (a no-op after a commit)
            for tx in (first_tx, second_tx):
                with contextlib.suppress(asyncpg.InterfaceError):
                    await tx.rollback()
    seqs = await pool.fetch(
        "SELECT seq FROM notifications WHERE partner_id = $1 ORDER BY seq", partner_id
    )
    assert len(seqs) == 2
