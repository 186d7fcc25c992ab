"""Each service reaches only its own database, as a role that is neither a superuser nor the
owner of its tables (issue 17, item 4), on the real PostgreSQL of `infra/stack.sh up`.

Each refusal has an allowed twin with the same server address, so a test cannot pass because
the server is unreachable."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from hub_runtime.db import dsn_for_database
from hub_runtime.migrations import migrate_as_owner, runtime_migrations
from hub_runtime.settings import HubSettings
from hub_runtime.testing import as_service, stack_env, temporary_databases

pytestmark = pytest.mark.integration


def _dsn(var: str) -> str:
    env = stack_env()
    if var not in env:
        pytest.fail(f"{var} is not in the stack's environment (infra/stack.sh up writes it)")
    return env[var]


@dataclass(frozen=True)
class Service:
    hub: HubSettings
    database: str


@pytest.fixture
async def two_services(hub_settings: HubSettings) -> AsyncIterator[dict[str, Service]]:
    """Casefile and referral, each on a new database of its own, migrated by its owner role."""
    async with temporary_databases(hub_settings, "casefile", "referral") as names:
        services = {}
        for service, database in names.items():
            hub = await as_service(hub_settings, service, database)
            await migrate_as_owner(hub.pg_owner_dsn, hub.pg_dsn, database, runtime_migrations())
            services[service] = Service(hub, database)
        yield services


async def _connect(server_dsn: str, database: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn_for_database(server_dsn, database))


async def test_a_service_role_reads_its_own_database(two_services: dict[str, Service]) -> None:
    casefile = two_services["casefile"]
    conn = await _connect(casefile.hub.pg_dsn, casefile.database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM hub_outbox") == 0
    finally:
        await conn.close()


@pytest.mark.parametrize("role", ["pg_dsn", "pg_owner_dsn"])
async def test_referral_cannot_connect_to_casefiles_database(
    two_services: dict[str, Service], role: str
) -> None:
    """Neither referral's app role nor its owner role may even connect to casefile's database."""
    referral, casefile = two_services["referral"], two_services["casefile"]
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        await _connect(getattr(referral.hub, role), casefile.database)


async def test_referral_cannot_connect_to_the_stacks_casefile_database() -> None:
    """The stack's own databases are closed the same way (CONNECT revoked from PUBLIC)."""
    own = await _connect(_dsn("HUB_PG_DSN_REFERRAL"), "referral")
    await own.close()
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        await _connect(_dsn("HUB_PG_DSN_REFERRAL"), "casefile")


async def test_the_app_role_is_no_superuser_and_cannot_change_the_schema(
    two_services: dict[str, Service],
) -> None:
    casefile = two_services["casefile"]
    conn = await _connect(casefile.hub.pg_dsn, casefile.database)
    try:
        assert (
            await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            is False
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE smuggled (x int)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DROP TABLE hub_outbox")
    finally:
        await conn.close()


async def test_a_wrong_password_is_refused() -> None:
    """pg_hba asks every connection for a SCRAM-SHA-256 password: no trust."""
    dsn = _dsn("HUB_PG_DSN_REFERRAL")
    user_and_password, _, host = dsn.removeprefix("postgresql://").partition("@")
    user = user_and_password.partition(":")[0]
    with pytest.raises(asyncpg.InvalidPasswordError):
        await _connect(f"postgresql://{user}:not-the-password@{host}", "referral")
    with pytest.raises(
        (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError)
    ):
        await _connect(f"postgresql://{user}@{host}", "referral")
