"""Run the chaos hub's and the benchmarks' service processes as production runs them.

In production every service logs in to Kafka as its own principal, held to the ACL table of
`hub_runtime.kafka_acls`, and to PostgreSQL as its own app role (the owner role runs the
migrations), reaching only its own database. `make run` and the tests already start services so;
the fault suite and the benchmarks use it too, so that an ACL or a grant missing for a path they
exercise fails there as it would in production, not only in a test.
"""

import contextlib
from collections.abc import AsyncIterator

from hub_runtime.kafka_acls import provision, remove_acls
from hub_runtime.settings import HubSettings
from hub_runtime.testing import service_hubs

from hub_demo.processes import DATABASE_KEYS


@contextlib.asynccontextmanager
async def production_identities(
    hub: HubSettings, databases: dict[str, str]
) -> AsyncIterator[dict[str, dict[str, str]]]:
    """Provision ``hub.topic_prefix``'s topics and ACLs (as ``hub``'s principal, the admin), hand
    each of ``databases`` (database key -> name, as `HubProcesses` takes them) to its service's
    owner role, and yield per service name the environment that runs it under its own identity
    (``HUB_KAFKA_USERNAME``/``PASSWORD``, ``HUB_PG_DSN``, ``HUB_PG_OWNER_DSN``), to pass as
    `HubProcesses.service_env`. The prefix's ACLs are removed afterwards.

    Fails (pytest's ``Failed``, from `hub_runtime.testing`) when the stack exports no principal or
    roles for a service: `infra/stack.sh up` writes them to ``.hub/stack.env``."""
    await provision(hub, hub.topic_prefix)
    try:
        by_key = await service_hubs(hub, databases)
        yield {service: _env(by_key[key]) for service, key in DATABASE_KEYS.items()}
    finally:
        await remove_acls(hub, hub.topic_prefix)


def _env(service_hub: HubSettings) -> dict[str, str]:
    return {
        "HUB_KAFKA_USERNAME": service_hub.kafka_username,
        "HUB_KAFKA_PASSWORD": service_hub.kafka_password.get_secret_value(),
        "HUB_PG_DSN": service_hub.pg_dsn,
        "HUB_PG_OWNER_DSN": service_hub.pg_owner_dsn or "",
    }
