"""Migrations 0020 and 0021 on a database that already held data (written by the old schema)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from hub_contracts import PartnerRegistered, new_envelope
from hub_runtime.db import create_pool
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from referral.bootstrap import MIGRATIONS

pytestmark = pytest.mark.integration

_PARTNER = (
    "INSERT INTO partners (partner_id, name, partner_type, countries, services, purposes)"
    " VALUES ($1, 'x', $2, '{IQ}', '{}', '{return_counselling}')"
)


async def _old_schema(pool: asyncpg.Pool) -> list[tuple[str, str]]:
    """Apply everything before 0020; return the rest."""
    every = runtime_migrations() + folder_migrations(MIGRATIONS)
    cut = next(i for i, (name, _) in enumerate(every) if name.startswith("referral/002"))
    async with pool.acquire() as conn:
        await apply_migrations(conn, every[:cut])
    return every


async def test_the_backfill_finds_every_id_ever_announced_as_an_origin_authority(
    hub_settings: HubSettings, fresh_database: str
) -> None:
    pool = await create_pool(hub_settings.pg_dsn, fresh_database)
    try:
        every = await _old_schema(pool)
        now_origin, once_origin, never = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await pool.execute(_PARTNER, now_origin, "authority_origin")
        # Reclassified to ngo under the old schema: only the outbox remembers what it was.
        await pool.execute(_PARTNER, once_origin, "ngo")
        await pool.execute(_PARTNER, never, "ngo")
        for partner_id, kind in [(once_origin, "authority_origin"), (once_origin, "ngo")]:
            envelope = new_envelope(
                PartnerRegistered(
                    partner_id=partner_id,
                    partner_type=kind,
                    purposes=["return_counselling"],
                    countries=["IQ"],
                    agreement_valid_until=None,
                    active=True,
                ),
                source="urn:council-hub:referral",
                subject=str(partner_id),
            )
            await pool.execute(
                "INSERT INTO hub_outbox (event_id, topic, message_key, payload)"
                " VALUES ($1, 'referral.events.v1', $2, $3)",
                envelope.id,
                str(partner_id),
                envelope.to_bytes(),
            )
        async with pool.acquire() as conn:
            await apply_migrations(conn, every)
        flags = {
            row["partner_id"]: row["ever_origin_authority"]
            for row in await pool.fetch("SELECT partner_id, ever_origin_authority FROM partners")
        }
        assert flags == {now_origin: True, once_origin: True, never: False}
    finally:
        await pool.close()


async def test_plaintext_written_before_0021_is_gone_afterwards(
    hub_settings: HubSettings, fresh_database: str
) -> None:
    canary = f"V-CANARY-{uuid.uuid4().hex[:8]}"
    pool = await create_pool(hub_settings.pg_dsn, fresh_database)
    try:
        every = await _old_schema(pool)
        partner, case, consent, referral = (uuid.uuid4() for _ in range(4))
        now = datetime.now(UTC)
        await pool.execute(_PARTNER, partner, "ngo")
        await pool.execute(
            "INSERT INTO consents (consent_id, case_id, partner_id, purposes, data_categories,"
            " valid_from, valid_until, form_reference, language, interpreter_used,"
            " interpreter_reference, taken_by, taken_at, informed_transfer_outside_eu)"
            " VALUES ($1, $2, $3, '{return_counselling}', '{identity}', current_date,"
            " current_date, $4, 'ar', true, $4, 'c-1', $5, true)",
            consent,
            case,
            partner,
            canary,
            now,
        )
        await pool.execute(
            "INSERT INTO referrals (referral_id, case_id, partner_id, purpose, data_categories,"
            " status, requested_by, requested_at, status_changed_at)"
            " VALUES ($1, $2, $3, 'return_counselling', '{identity}', 'approved', 'c-1', $4, $4)",
            referral,
            case,
            partner,
            now,
        )
        await pool.execute(
            "INSERT INTO referral_reviews (referral_id, decision, overridden_codes, reason,"
            " reviewed_by, reviewed_at) VALUES ($1, 'approve', '{}', $2, 'k-1', $3)",
            referral,
            f"Spoke with {canary}",
            now,
        )
        async with pool.acquire() as conn:
            await apply_migrations(conn, every)
        for table in ("consents", "referral_reviews"):
            rows = await pool.fetch(f"SELECT * FROM {table}")
            assert rows
            assert canary not in repr([dict(r) for r in rows])
    finally:
        await pool.close()
