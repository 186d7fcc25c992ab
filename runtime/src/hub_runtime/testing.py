"""Test helpers shared by every service's tests (loaded as a pytest plugin by the root conftest).

Integration tests talk to the real Kafka broker and PostgreSQL server that `infra/stack.sh up`
started; they fail (never skip) when the stack is missing, so a green run means they ran.
"""

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr

from hub_runtime.db import create_pool, dsn_for_database
from hub_runtime.kafka import delete_topics_with_prefix, read_topic
from hub_runtime.kafka_acls import provision, remove_acls
from hub_runtime.migrations import apply_migrations, runtime_migrations
from hub_runtime.settings import HubSettings

# Loaded with this module: the run fails on server errors no test expected (see the module);
# pytester lets the plugins be tested against an inner pytest run.
pytest_plugins = ["hub_runtime.server_errors", "pytester"]


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "infra" / "stack.sh").exists():
            return parent
    return Path.cwd()


def postgres_log() -> Path:
    """The private PostgreSQL's server log (`infra/stack.sh`: ``.hub/pg/log/postgres.log``)."""
    return _repo_root() / ".hub" / "pg" / "log" / "postgres.log"


def stack_env() -> dict[str, str]:
    """`.hub/stack.env` as written by `infra/stack.sh up`, overridden by the environment."""
    values: dict[str, str] = {}
    env_file = _repo_root() / ".hub" / "stack.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            key, sep, value = line.removeprefix("export ").partition("=")
            if sep and key.strip():
                values[key.strip()] = value.strip().strip('"')
    values.update({k: v for k, v in os.environ.items() if k.startswith("HUB_")})
    return values


_TRANSPORT_ENV = {
    "kafka_security_protocol": "HUB_KAFKA_SECURITY_PROTOCOL",
    "kafka_username": "HUB_KAFKA_USERNAME",
    "kafka_password": "HUB_KAFKA_PASSWORD",
    "kafka_ca_file": "HUB_KAFKA_CA_FILE",
}


def stack_transport(env: dict[str, str] | None = None) -> dict[str, str]:
    """The Kafka login of `stack_env()` (the admin principal: tests' and tools' clients) as
    ``HubSettings`` field values; empty for a stack without security settings."""
    env = stack_env() if env is None else env
    return {field: env[var] for field, var in _TRANSPORT_ENV.items() if var in env}


def principal_password(principal: str, env: dict[str, str] | None = None) -> str:
    """The SCRAM password of a Kafka principal of the stack (``HUB_KAFKA_PASSWORD_<NAME>`` of
    `stack_env()`, e.g. ``partner-gateway`` -> ``HUB_KAFKA_PASSWORD_PARTNER_GATEWAY``).

    Fails the test when the stack does not export it."""
    env = stack_env() if env is None else env
    var = "HUB_KAFKA_PASSWORD_" + principal.upper().replace("-", "_")
    if var not in env:
        pytest.fail(f"{var} is not in the stack's environment (infra/stack.sh up writes it)")
    return env[var]


def as_principal(hub: HubSettings, principal: str) -> HubSettings:
    """``hub`` logged in to Kafka as ``principal`` (a service's or ``tools``) instead of admin:
    a service started with it is held to its ACLs (`hub_runtime.kafka_acls`)."""
    return hub.model_copy(
        update={
            "kafka_username": principal,
            "kafka_password": SecretStr(principal_password(principal)),
        }
    )


async def as_service(hub: HubSettings, service: str, database: str) -> HubSettings:
    """``hub`` (the admin's settings) as ``service`` runs in production: logged in to Kafka as
    its principal, and to PostgreSQL as its app role (``HUB_PG_DSN_<DB>``) with its owner role
    (``HUB_PG_OWNER_DSN_<DB>``) running the migrations. ``database`` (a test's own) is handed to
    that owner role and only its app role may connect to it, as on the stack's own databases.

    Fails the test when the stack exports no roles for ``service``."""
    key = service.upper().replace("-", "_")
    env = stack_env()
    app_dsn, owner_dsn = env.get(f"HUB_PG_DSN_{key}"), env.get(f"HUB_PG_OWNER_DSN_{key}")
    if not app_dsn or not owner_dsn:
        pytest.fail(f"the stack exports no database roles for {service} (infra/stack.sh up)")
    app, owner = urlsplit(app_dsn).username, urlsplit(owner_dsn).username
    # Role and database names come from the stack's env and the test's own name, not input.
    await _admin(
        hub,
        [
            f'ALTER DATABASE "{database}" OWNER TO "{owner}"',
            f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC',
            f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{app}"',
        ],
    )
    return as_principal(hub, service).model_copy(
        update={"pg_dsn": app_dsn, "pg_owner_dsn": owner_dsn}
    )


SERVICE_OF_DATABASE = {
    "casefile": "casefile",
    "referral": "referral",
    "partner_gateway": "partner-gateway",
    "signals": "signals",
}
"""The `hub_databases` keys and the service (Kafka principal) each belongs to."""


async def service_hubs(hub: HubSettings, databases: dict[str, str]) -> dict[str, HubSettings]:
    """`as_service` for every service of ``databases`` (as `hub_databases` yields them):
    database key -> the settings that service runs with."""
    return {
        key: await as_service(hub, SERVICE_OF_DATABASE[key], name)
        for key, name in databases.items()
    }


def stack_settings(**overrides: object) -> HubSettings:
    """``HubSettings`` for the running stack (:func:`stack_env`), tuned for tests, plus
    ``overrides``.

    Short polls and backoffs (outbox poll 0.2 s, consumer backoff 0.01 s up to 0.1 s) and
    ``env="development"`` (the tests' partner simulators listen on loopback). ``overrides`` are
    ``HubSettings`` field names; an unknown or ill-typed one raises pydantic's ``ValidationError``.
    Fails the test (``pytest.fail``) when the stack is not running, never skips it."""
    env = stack_env()
    if "HUB_KAFKA_BOOTSTRAP" not in env or "HUB_PG_DSN" not in env:
        pytest.fail("the stack is not running: `make test` starts it (infra/stack.sh up)")
    # The stack's Kafka login (transport fields), then the test's own choices.
    chosen: dict[str, object] = {**stack_transport(env), **overrides}
    return HubSettings(
        kafka_bootstrap=env["HUB_KAFKA_BOOTSTRAP"],
        pg_dsn=env["HUB_PG_DSN"],
        env="development",  # the tests' partners are simulators on loopback
        outbox_poll_seconds=0.2,
        consumer_backoff_seconds=0.01,
        consumer_backoff_max_seconds=0.1,
        # Settings by name; pydantic validates them at run time (a Mapping of Any cannot be
        # checked against each field's type statically).
        **chosen,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def hub_settings() -> HubSettings:
    """Session fixture: :func:`stack_settings` without overrides (shared topic prefix and
    databases)."""
    return stack_settings()


@pytest.fixture
async def isolated_hub(hub_settings: HubSettings) -> AsyncIterator[HubSettings]:
    """Stack settings with a topic prefix of its own: the test's services see only its events.

    The hub's topics and the ACL table (`hub_runtime.kafka_acls`) are provisioned for the
    prefix, so services started `as_principal` run under their own ACLs; topics and ACLs are
    deleted afterwards."""
    prefix = f"t-{uuid.uuid4().hex[:8]}."
    hub = hub_settings.model_copy(update={"topic_prefix": prefix})
    await provision(hub, prefix)
    try:
        yield hub
    finally:
        await remove_acls(hub_settings, prefix)
        await delete_topics_with_prefix(hub_settings, prefix)


@contextlib.asynccontextmanager
async def temporary_databases(
    settings: HubSettings, *purposes: str
) -> AsyncIterator[dict[str, str]]:
    """New, empty databases (purpose -> name), dropped afterwards."""
    names = {purpose: f"t_{uuid.uuid4().hex[:12]}" for purpose in purposes}
    await _admin(settings, [f'CREATE DATABASE "{name}"' for name in names.values()])
    try:
        yield names
    finally:
        # A fresh connection: the test may have restarted the server in between.
        await _admin(
            settings, [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names.values()]
        )


async def _admin(settings: HubSettings, statements: list[str]) -> None:
    admin = await asyncpg.connect(dsn_for_database(settings.pg_dsn, "postgres"))
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


async def plaintext_dump_contains(
    pg_dsn: str, databases: Iterable[str], needles: list[str]
) -> list[str]:
    """Which ``needles`` appear in a plaintext dump of every table of ``databases`` (each row
    as text, the way ``pg_dump`` writes it): ``"<database>.<schema>.<table>: <needle>"`` per
    find. For erasure tests: text sealed under a shredded key must not be found."""
    found: list[str] = []
    for name in databases:
        conn = await asyncpg.connect(dsn_for_database(pg_dsn, name))
        try:
            tables = await conn.fetch(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS t"
                " FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
            for row in tables:
                # The table name comes from pg_tables through quote_ident: no input reaches it.
                text = await conn.fetchval(
                    f"SELECT coalesce(string_agg(x::text, E'\\n'), '') FROM {row['t']} x"  # noqa: S608
                )
                found += [f"{name}.{row['t']}: {n}" for n in needles if n in text]
        finally:
            await conn.close()
    return found


@pytest.fixture
async def fresh_database(hub_settings: HubSettings) -> AsyncIterator[str]:
    """A new, empty database for one test, dropped afterwards."""
    async with temporary_databases(hub_settings, "db") as names:
        yield names["db"]


@contextlib.asynccontextmanager
async def migrated_pool(
    settings: HubSettings, database: str, *statements: str, max_size: int = 10
) -> AsyncIterator[asyncpg.Pool]:
    """A pool on ``database`` with the runtime's migrations applied (inbox, outbox, ...) and
    then ``statements`` (a test's own tables) run; closed afterwards."""
    pool = await create_pool(settings.pg_dsn, database, max_size=max_size)
    try:
        async with pool.acquire() as conn:
            await apply_migrations(conn, runtime_migrations())
            for statement in statements:
                await conn.execute(statement)
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def hub_databases(hub_settings: HubSettings) -> AsyncIterator[dict[str, str]]:
    """One new database per service, for tests that run the whole hub."""
    async with temporary_databases(
        hub_settings, "casefile", "referral", "partner_gateway", "signals"
    ) as names:
        yield names


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    """Every span of the test process, kept in memory (install once, share for the session)."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def unique_topic(prefix: str = "test") -> str:
    """A topic name of its own; delete it after the test with
    `delete_topics_with_prefix(bootstrap, name)` (it also takes its `.dlq`)."""
    return f"{prefix}.{uuid.uuid4().hex[:10]}.events"


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], *, within: float = 20.0, interval: float = 0.05
) -> None:
    """Poll `predicate` until it holds; fail the test with a clear message after `timeout`."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(interval)
    pytest.fail(f"condition not met within {within:.0f} s: {predicate.__qualname__}")


read_all = read_topic  # the name the tests use
