"""All four services and a partner simulator in one event loop, on free ports.

For the end-to-end tests and the benchmarks: the same bootstraps as the processes `make run`
starts, so what runs here is what runs there, minus the process boundaries.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

import casefile.bootstrap
import casefile.config
import partner_gateway.bootstrap
import partner_gateway.config
import referral.bootstrap
import referral.config
import signals.bootstrap
import signals.config
from hub_runtime.entry import runtime_of
from hub_runtime.service import ServiceRuntime
from hub_runtime.settings import HubSettings
from partner_gateway.simulator.app import PartnerSimulator, build_simulator

from hub_demo.client import HubClient, HubUrls


@dataclass
class RunningHub:
    hub: HubSettings
    casefile: ServiceRuntime
    referral: ServiceRuntime
    gateway: ServiceRuntime
    signals: ServiceRuntime

    @property
    def runtimes(self) -> list[ServiceRuntime]:
        return [self.casefile, self.referral, self.gateway, self.signals]

    def urls(self) -> HubUrls:
        return HubUrls(
            casefile=self.casefile.base_url,
            referral=self.referral.base_url,
            gateway=self.gateway.base_url,
            signals=self.signals.base_url,
        )

    def client(self) -> HubClient:
        return HubClient(self.urls(), self.hub.jwt_secret.get_secret_value())

    async def stop(self) -> None:
        for runtime in reversed(self.runtimes):
            await runtime.stop()


async def start_hub(
    hub: HubSettings,
    databases: dict[str, str],
    services: Mapping[str, HubSettings] | None = None,
) -> RunningHub:
    """Start the four services on `databases` (service name -> database name).

    ``services``: the settings each service runs with, by database key (e.g. from
    `hub_runtime.testing.service_hubs`: its own Kafka principal and database roles); ``hub``
    for any not given. ``RunningHub.hub`` stays ``hub`` (the tests' and tools' login)."""
    own = dict(services or {})
    started: list[ServiceRuntime] = []
    try:
        case_rt = runtime_of(
            casefile.bootstrap.definition,
            casefile.config.Settings(
                hub=own.get("casefile", hub), http_port=0, database=databases["casefile"]
            ),
        )
        await _start(case_rt, started)
        referral_rt = runtime_of(
            referral.bootstrap.definition,
            referral.config.Settings(
                hub=own.get("referral", hub),
                http_port=0,
                database=databases["referral"],
                casefile_url=case_rt.base_url,
            ),
        )
        await _start(referral_rt, started)
        gateway_rt = runtime_of(
            partner_gateway.bootstrap.definition,
            partner_gateway.config.Settings(
                hub=own.get("partner_gateway", hub),
                http_port=0,
                database=databases["partner_gateway"],
                casefile_url=case_rt.base_url,
                delivery_first_backoff_seconds=0.2,
                delivery_max_backoff_seconds=2.0,
                delivery_poll_seconds=0.1,
            ),
        )
        await _start(gateway_rt, started)
        signals_rt = runtime_of(
            signals.bootstrap.definition,
            signals.config.Settings(
                hub=own.get("signals", hub), http_port=0, database=databases["signals"]
            ),
        )
        await _start(signals_rt, started)
    except BaseException:
        for runtime in reversed(started):
            await runtime.stop()
        raise
    return RunningHub(hub, case_rt, referral_rt, gateway_rt, signals_rt)


async def _start(runtime: ServiceRuntime, started: list[ServiceRuntime]) -> None:
    await runtime.start()
    started.append(runtime)


async def connect_simulated_partner(
    client: HubClient, partner_id: UUID, *, report_status: str = "accepted"
) -> PartnerSimulator:
    """A partner simulator on a free port, with its webhook and API credentials registered."""
    simulator = build_simulator(gateway_url=client.urls.gateway, report_status=report_status)
    await simulator.start("127.0.0.1", 0)
    simulator.webhook_secret = await client.register_webhook(partner_id, simulator.webhook_url)
    simulator.client_id, simulator.client_secret = await client.partner_credentials(partner_id)
    return simulator
