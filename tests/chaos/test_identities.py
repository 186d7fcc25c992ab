"""The fault suite's and the benchmarks' service processes run under their own identities
(`hub_demo.identities`), as `make run` and production run them: each logs in to PostgreSQL as
its own app role and to Kafka as its own principal, and sees no other service's secrets."""

import uuid
from urllib.parse import urlsplit

import asyncpg
import pytest
from hub_demo.chaos import LOG_ROOT, scenario_databases
from hub_demo.identities import production_identities
from hub_demo.processes import DATABASE_KEYS, HubProcesses
from hub_runtime.db import dsn_for_database
from hub_runtime.kafka import delete_topics_with_prefix
from hub_runtime.testing import stack_settings

pytestmark = pytest.mark.integration


async def test_a_service_process_runs_as_its_own_principal_and_role() -> None:
    hub = stack_settings().model_copy(update={"topic_prefix": f"ident-{uuid.uuid4().hex[:8]}."})
    try:
        async with (
            scenario_databases(hub) as databases,
            production_identities(hub, databases) as identities,
        ):
            assert {env["HUB_KAFKA_USERNAME"] for env in identities.values()} == set(DATABASE_KEYS)
            processes = HubProcesses(
                hub, databases, LOG_ROOT / "identities", service_env=identities
            )
            referral = processes.services["referral"]
            app_role = urlsplit(identities["referral"]["HUB_PG_DSN"]).username
            assert referral.env["HUB_KAFKA_USERNAME"] == "referral"
            assert not [k for k in referral.env if k.startswith("HUB_KAFKA_PASSWORD_")]
            await referral.start()
            try:
                conn = await asyncpg.connect(dsn_for_database(hub.pg_dsn, "postgres"))
                try:
                    users = {
                        row["usename"]
                        for row in await conn.fetch(
                            "SELECT usename FROM pg_stat_activity WHERE datname = $1",
                            databases["referral"],
                        )
                    }
                finally:
                    await conn.close()
            finally:
                await referral.stop()
    finally:
        await delete_topics_with_prefix(hub, hub.topic_prefix)
    # Only referral's app role: not the harness's superuser (the owner role ran the migrations
    # and has disconnected by the time the service is ready).
    assert app_role != urlsplit(hub.pg_dsn).username
    assert users == {app_role}
