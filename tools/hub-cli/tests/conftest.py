"""The `hub` command run by Click's CliRunner against the four services started in-process.

The services run in the test's event loop, so each `hub` invocation runs in a worker thread
(`Cli.run`): the command's own blocking HTTP calls and `asyncio.run` (Kafka) must not block the
loop that serves them.
"""

import asyncio
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import Result
from hub_cli.app import app
from hub_demo.inprocess import RunningHub, start_hub
from hub_runtime.kafka import delete_topics_with_prefix
from hub_runtime.testing import stack_settings, temporary_databases
from pydantic import SecretStr
from typer.testing import CliRunner


@dataclass
class Cli:
    env: dict[str, str | None]

    def env_for_subprocess(self) -> dict[str, str]:
        """The environment variables this `hub` sets (unset ones left out)."""
        return {k: v for k, v in self.env.items() if v is not None}

    def invoke(self, *args: str, input: str | bytes | None = None, **env: str | None) -> Result:
        """Run `hub <args>` in this thread (no in-process service involved)."""
        runner = CliRunner()
        return runner.invoke(app, list(args), env={**self.env, **env}, input=input)

    async def run(self, *args: str, input: str | None = None, **env: str | None) -> Result:
        """Run `hub <args>` in a worker thread, the services keep serving meanwhile."""
        return await asyncio.to_thread(self.invoke, *args, input=input, **env)

    async def json(self, *args: str, **env: str | None) -> Any:
        result = await self.run(*args, "--json", **env)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return json.loads(result.stdout)


BASE_ENV: dict[str, str | None] = {
    "COLUMNS": "200",  # Rich tables unfolded
    "HUB_TOKEN": None,
    "HUB_ENV": "development",
}


@pytest.fixture
def cli() -> Cli:
    """`hub` with no running service (unit tests: tokens, usage, unreachable services)."""
    return Cli(
        {
            **BASE_ENV,
            "HUB_JWT_SECRET": "unit-test-secret-0123456789abcdef0123456789",
            **{f"HUB_{n}_URL": "http://127.0.0.1:9" for n in ("CASEFILE", "REFERRAL")},
            **{f"HUB_{n}_URL": "http://127.0.0.1:9" for n in ("GATEWAY", "SIGNALS")},
        }
    )


@pytest.fixture(scope="module")
async def running_hub() -> AsyncIterator[RunningHub]:
    """The four services on fresh databases and a topic prefix of their own, for one module."""
    settings = stack_settings()
    prefix = f"t-{uuid.uuid4().hex[:8]}."
    # A dead-letter key of its own: `hub dead-letters` opens the letters only when given it.
    dead_letter_key = SecretStr(secrets.token_hex(32))
    hub_settings = settings.model_copy(
        update={"topic_prefix": prefix, "dead_letter_key": dead_letter_key}
    )
    async with temporary_databases(
        settings, "casefile", "referral", "partner_gateway", "signals"
    ) as names:
        hub = await start_hub(hub_settings, names)
        try:
            yield hub
        finally:
            await hub.stop()
    await delete_topics_with_prefix(settings, prefix)


@pytest.fixture
def hub_cli(running_hub: RunningHub) -> Cli:
    """`hub` pointed at the running services, minting development tokens with their key."""
    urls = running_hub.urls()
    return Cli(
        {
            **BASE_ENV,
            "HUB_JWT_SECRET": running_hub.hub.jwt_secret.get_secret_value(),
            "HUB_DEAD_LETTER_KEY": running_hub.hub.dead_letter_key.get_secret_value(),
            "HUB_KAFKA_BOOTSTRAP": running_hub.hub.kafka_bootstrap,
            "HUB_KAFKA_SECURITY_PROTOCOL": running_hub.hub.kafka_security_protocol,
            "HUB_KAFKA_USERNAME": running_hub.hub.kafka_username,
            "HUB_KAFKA_PASSWORD": running_hub.hub.kafka_password.get_secret_value(),
            "HUB_KAFKA_CA_FILE": str(running_hub.hub.kafka_ca_file or ""),
            "HUB_PG_DSN": running_hub.hub.pg_dsn,
            "HUB_TOPIC_PREFIX": running_hub.hub.topic_prefix,
            "HUB_CASEFILE_URL": urls.casefile,
            "HUB_REFERRAL_URL": urls.referral,
            "HUB_GATEWAY_URL": urls.gateway,
            "HUB_SIGNALS_URL": urls.signals,
        }
    )
