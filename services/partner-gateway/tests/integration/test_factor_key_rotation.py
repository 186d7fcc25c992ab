"""A rotation of PARTNER_GATEWAY_MASTER_KEY on PostgreSQL: `partner_gateway.rotate` re-seals every
TOTP secret (confirmed and pending) under the new key; the secrets stay the same, so staff keep
their authenticator apps; without the previous key the rotation refuses and keeps nothing."""

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hub_contracts import PartnerType, Purpose
from hub_runtime.crypto import UnknownKekVersionError
from hub_runtime.db import create_pool
from hub_runtime.migrations import apply_migrations, folder_migrations, runtime_migrations
from hub_runtime.settings import HubSettings
from partner_gateway.bootstrap import MIGRATIONS
from partner_gateway.config import Settings
from partner_gateway.deps import factor_keyring
from partner_gateway.domain import totp
from partner_gateway.rotate import rotate
from partner_gateway.unit_of_work import PostgresUnitOfWork

pytestmark = pytest.mark.integration

OLD, NEW = "first-portal-master-key-0123456789abcdef", "second-portal-master-key-0123456789abcd"
NOW = datetime.now(UTC)


async def _partner(u: PostgresUnitOfWork) -> UUID:
    partner_id = uuid4()
    await u.partners.upsert(
        partner_id,
        PartnerType.NGO,
        [Purpose.REINTEGRATION_SUPPORT],
        ["AF"],
        True,
        date(2030, 1, 1),
        False,
    )
    return partner_id


def settings(hub: HubSettings, database: str, **keys: object) -> Settings:
    return Settings.model_validate({"hub": hub, "database": database, **keys})


async def test_a_rotation_reseals_every_factor_under_the_new_key(
    hub_settings: HubSettings, fresh_database: str
) -> None:
    before = settings(hub_settings, fresh_database, master_key=OLD, master_key_version=1)
    secrets: dict[UUID, str] = {}
    pool = await create_pool(hub_settings.pg_dsn, fresh_database)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, runtime_migrations() + folder_migrations(MIGRATIONS))
        async with PostgresUnitOfWork(pool) as u:
            partner_id = await _partner(u)
            for n in range(3):
                staff_id, token = uuid4(), f"invite-{n}".encode()
                await u.staff.invite(
                    staff_id, partner_id, f"s{n}@p.example", token, NOW + timedelta(1)
                )
                await u.staff.activate(token, b"salt", b"hash", NOW)
                secrets[staff_id] = totp.new_secret()
                version, sealed = totp.seal(factor_keyring(before), secrets[staff_id], staff_id)
                await u.staff.set_totp_pending(staff_id, sealed, version)
                if n < 2:  # two enrolled, one still pending
                    assert await u.staff.confirm_totp(staff_id, 10)
            await u.commit()

        missing_previous = settings(
            hub_settings, fresh_database, master_key=NEW, master_key_version=2
        )
        with pytest.raises(UnknownKekVersionError):
            await rotate(missing_previous)

        after = settings(
            hub_settings,
            fresh_database,
            master_key=NEW,
            master_key_version=2,
            previous_master_key=OLD,
        )
        batches: list[int] = []
        assert await rotate(after, batch=2, on_batch=batches.append) == {2: 3}
        assert batches == [2, 1]
        only_new = factor_keyring(
            settings(hub_settings, fresh_database, master_key=NEW, master_key_version=2)
        )
        async with PostgresUnitOfWork(pool) as u:
            for staff_id, secret in secrets.items():
                member = await u.staff.get(staff_id)
                assert member is not None
                sealed = member.totp or member.totp_pending
                assert sealed is not None
                assert member.totp_key_version == 2
                assert totp.unseal(only_new, 2, sealed, staff_id) == secret
    finally:
        await pool.close()
