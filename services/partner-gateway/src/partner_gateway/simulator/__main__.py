"""Run the simulator: ``python -m partner_gateway.simulator``.

Secrets come from the environment (SIM_WEBHOOK_SECRET, SIM_CLIENT_ID, SIM_CLIENT_SECRET or
SIM_TOKEN), never from the command line, where `ps` would show them to every local user.
"""

import argparse
import asyncio
import contextlib

from hub_runtime.local_ports import local_url
from hub_runtime.logs import configure_logging
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from partner_gateway.simulator.app import Mode, build_simulator


class SimulatorSettings(BaseSettings):
    """The simulator's settings, from ``SIM_*`` environment variables (never the command line).

    A partner authenticates with ``token``, or with ``client_id`` and ``client_secret``;
    ``webhook_secret`` (``whsec_...``) verifies the gateway's webhooks."""

    model_config = SettingsConfigDict(env_prefix="SIM_", extra="ignore")

    gateway_url: str = Field(
        default_factory=lambda: local_url("partner-gateway"),
        description="The gateway to call back (default: this machine, on"
        " PARTNER_GATEWAY_HTTP_PORT, else 8103)",
    )
    port: int = Field(8190, ge=1, le=65535, description="The port to listen on (SIM_PORT)")
    webhook_secret: SecretStr | None = Field(None, description="whsec_... from the gateway")
    token: SecretStr | None = Field(None, description="A partner bearer token")
    client_id: str | None = Field(None, description="Partner API client id (instead of a token)")
    client_secret: SecretStr | None = Field(None, description="Partner API client secret")


def _reveal(secret: SecretStr | None) -> str | None:
    return None if secret is None else secret.get_secret_value()


def main() -> None:
    """Run one simulated partner until interrupted: ``--host``, ``--port`` (default
    ``SIM_PORT``, else 8190), ``--mode`` (up, down, slow, failing) and ``--slow-seconds``
    (default 2.0 s)."""
    settings = SimulatorSettings()
    parser = argparse.ArgumentParser(description="A simulated partner organisation")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.UP.value)
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    args = parser.parse_args()
    configure_logging()
    sim = build_simulator(
        gateway_url=settings.gateway_url,
        partner_token=_reveal(settings.token),
        client_id=settings.client_id,
        client_secret=_reveal(settings.client_secret),
        webhook_secret=_reveal(settings.webhook_secret),
    )
    sim.mode = Mode(args.mode)
    sim.slow_seconds = args.slow_seconds

    async def run() -> None:
        await sim.start(args.host, args.port)
        print(f"partner simulator listening: webhooks at {sim.webhook_url}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await sim.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
